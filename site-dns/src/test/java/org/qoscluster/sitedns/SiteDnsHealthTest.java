package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The site DNS server with its probes, over real sockets on 127.0.0.1: the sites' status pages
 * are stand-in routers (the JDK's HTTP server), the peers are other running site DNS servers, and
 * the answers are read with dig and dnsjava's resolver. Changes are waited for by asking again
 * until a generous deadline; no assertion depends on how fast the machine is.
 */
class SiteDnsHealthTest {

    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final String ZONE = "shop.example.test.";
    private static final List<String> A = List.of("127.0.1.1");
    private static final List<String> B = List.of("127.0.2.1");
    private static final List<String> A_THEN_B = List.of("127.0.1.1", "127.0.2.1");
    private static final List<String> B_THEN_A = List.of("127.0.2.1", "127.0.1.1");
    /** Far above any bound under test: only a server that never changes its answer runs into it. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final List<AutoCloseable> open = new ArrayList<>();
    private StandInRouter routerA;
    private StandInRouter routerB;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void shouldAnswerTheSitesInPolicyOrderAndOnlyTheOtherSiteOnceAStatusPageSays503() throws Exception {
        routers();
        SiteDns dns = start("ordered", 0, List.of(), Map.of());
        digUntil(dns, A_THEN_B); // both sites up: a then b, in configured order

        routerA.available(false); // the router now answers 503 {"available":false}
        long turned = System.nanoTime();
        onlyBetween(digUntil(dns, B), A_THEN_B, B); // a then b until the bound, then b alone, nothing else
        // a figure for the reader, not asserted: the bound is down-after-ms (2 s) + 100 ms after a's last success
        System.out.printf("site-dns: dig showed b alone %d ms after a's status page turned 503%n",
                Duration.ofNanos(System.nanoTime() - turned).toMillis());
        for (int i = 0; i < 3; i++) {
            assertEquals(B, Dig.addresses(dns.port(), ZONE), "b alone stays");
        }

        routerA.available(true);
        onlyBetween(digUntil(dns, A_THEN_B), B, A_THEN_B); // a is back after a successful probe
    }

    @Test
    void shouldTakeOutASiteThatRefusesConnectionsOrDoesNotAnswerInTime() throws Exception {
        routers();
        SiteDns dns = start("ordered", 0, List.of(), Map.of());
        digUntil(dns, A_THEN_B);
        routerA.delayMillis(30_000); // accepts, never answers within the probe time-out
        onlyBetween(digUntil(dns, B), A_THEN_B, B);
        routerB.close(); // connection refused
        open.remove(routerB);
        onlyBetween(digUntil(dns, List.of()), B, List.of());
        Dig.Answer none = Dig.ask(dns.port(), ZONE, "A");
        assertEquals("NOERROR", none.status(), "no peers configured: the configured empty answer (NODATA)\n" + none.output());
        assertFalse(dns.view().blind());
    }

    @Test
    void shouldProbeASiteAgainAfterAProbeThatNeverEnds() throws Exception {
        routers();
        // The first probe's answer never ends, a byte at a time, so that the HTTP client's idle
        // time-out never ends it either: only the probe's own bound (1 s) can.
        routerA.neverEnding(true);
        SiteDns dns = start("ordered", 0, List.of(), Map.of());
        digUntil(dns, B); // taken out by the clock
        routerA.neverEnding(false);
        // A later probe went out and found it up.
        digUntil(dns, A_THEN_B);
        assertTrue(routerA.asked() >= 2, "asked " + routerA.asked() + " times");
    }

    @Test
    void shouldOrderByTheSpareCapacityTheRoutersReport() throws Exception {
        routers();
        routerA.spareCapacity(2);
        routerB.spareCapacity(8);
        SiteDns dns = start("load", 0, List.of(), Map.of());
        digUntil(dns, B_THEN_A);
        routerA.spareCapacity(20);
        onlyBetween(digUntil(dns, A_THEN_B), B_THEN_A, A_THEN_B); // the order changes, no site is left out
    }

    @Test
    void shouldPutASlowedSiteLastUnderTheResponseTimePolicy() throws Exception {
        routers();
        routerA.delayMillis(400);
        SiteDns dns = start("response-time", 0, List.of(),
                Map.of("qos.site-dns.probe.timeout-ms", "1500", "qos.site-dns.down-after-ms", "4000"));
        digUntil(dns, B_THEN_A);
        routerA.delayMillis(0);
        routerB.delayMillis(400);
        onlyBetween(digUntil(dns, A_THEN_B), B_THEN_A, A_THEN_B); // never a site left out
    }

    @Test
    void shouldPingItsPeersAndAnswerOnlyItsOwnSiteWhenCutOffAndServfailWhenItSeesNothing() throws Exception {
        routers();
        int portA = freePort();
        int portB = freePort();
        SiteDns dnsA = start("ordered", portA, List.of("127.0.0.1:" + portB), Map.of());
        SiteDns dnsB = start("ordered", portB, List.of("127.0.0.1:" + portA), Map.of());
        awaitPeers(dnsA, List.of("127.0.0.1:" + portB));
        awaitPeers(dnsB, List.of("127.0.0.1:" + portA));
        digUntil(dnsA, A_THEN_B);

        // site b is lost whole: its router and its DNS server
        routerB.close();
        open.remove(routerB);
        dnsB.close();
        open.remove(dnsB);
        awaitPeers(dnsA, List.of());
        onlyBetween(digUntil(dnsA, A), A_THEN_B, A); // cut off from b: its own site alone, never without it
        assertFalse(dnsA.view().blind());

        // and now its own site's probe fails too: it sees nothing at all
        routerA.available(false);
        Dig.Answer servfail = digStatusUntil(dnsA, "SERVFAIL");
        assertEquals(List.of(), servfail.addresses(), servfail.output());
        assertTrue(dnsA.view().blind());
        Message soa = resolver(dnsA).send(Message.newQuery(Record.newRecord(Name.fromString(ZONE), Type.SOA, DClass.IN)));
        assertEquals(Rcode.NOERROR, soa.getRcode(), "the zone's SOA is still answered, so peers still see it: " + soa);

        routerA.available(true);
        onlyBetween(digUntil(dnsA, A), List.of("SERVFAIL"), A); // its own site back: answered again
    }

    @Test
    void shouldAnswerTheConfiguredEmptyAnswerWhenItsPeersAnswerButNoSiteIsUp() throws Exception {
        routers();
        int portA = freePort();
        int portB = freePort();
        SiteDns dnsA = start("ordered", portA, List.of("127.0.0.1:" + portB), Map.of());
        start("ordered", portB, List.of("127.0.0.1:" + portA), Map.of());
        awaitPeers(dnsA, List.of("127.0.0.1:" + portB));
        routerA.available(false);
        routerB.available(false);
        digUntil(dnsA, List.of());
        Message r = resolver(dnsA).send(Message.newQuery(Record.newRecord(Name.fromString(ZONE), Type.A, DClass.IN)));
        assertEquals(Rcode.NOERROR, r.getRcode(), "a peer answers: the sites are down, not this server's view: " + r);
        assertEquals(Type.SOA, r.getSection(Section.AUTHORITY).get(0).getType(), r::toString);
        assertFalse(dnsA.view().blind());
    }

    private void routers() throws IOException {
        routerA = new StandInRouter("a");
        open.add(routerA);
        routerB = new StandInRouter("b");
        open.add(routerB);
    }

    private SiteDns start(String policy, int port, List<String> peers, Map<String, String> extra) throws IOException {
        Map<String, String> p = new HashMap<>(Map.of(
                "qos.site-dns.zone", ZONE,
                "qos.site-dns.policy", policy,
                "qos.site-dns.sites", "a,b",
                "qos.site-dns.site.a.addresses", "127.0.1.1",
                "qos.site-dns.site.a.status-url", routerA.url(),
                "qos.site-dns.site.b.addresses", "127.0.2.1",
                "qos.site-dns.site.b.status-url", routerB.url(),
                "qos.site-dns.listen.address", "127.0.0.1",
                "qos.site-dns.listen.port", String.valueOf(port)));
        // the default probe interval (500 ms), time-out (1 s) and down-after (2 s)
        p.put("qos.site-dns.peers", String.join(",", peers));
        p.putAll(extra);
        SiteDns dns = SiteDns.start(SiteDnsConfig.read(p));
        open.add(dns);
        return dns;
    }

    /**
     * Asks dig again and again until it answers {@code expected}; the distinct answers seen, in
     * order (consecutive repeats once), ending with {@code expected}. An answer other than
     * NOERROR is seen as its status alone, for example {@code [SERVFAIL]}.
     */
    private static List<List<String>> digUntil(SiteDns dns, List<String> expected) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        List<List<String>> seen = new ArrayList<>();
        while (true) {
            Dig.Answer answer = Dig.ask(dns.port(), ZONE, "A");
            List<String> now = answer.status().equals("NOERROR") ? answer.addresses() : List.of(answer.status());
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(now)) {
                seen.add(now);
            }
            if (now.equals(expected)) {
                return seen;
            }
            assertTrue(System.nanoTime() < end, "dig never answered " + expected + " within " + DEADLINE + "; it answered " + seen);
            Thread.sleep(50);
        }
    }

    /** Every answer seen was {@code before} or {@code after}: the change went straight from one to the other. */
    private static void onlyBetween(List<List<String>> seen, List<String> before, List<String> after) {
        assertTrue(seen.stream().allMatch(s -> s.equals(before) || s.equals(after)),
                "dig answered something other than " + before + " then " + after + ": " + seen);
    }

    private static Dig.Answer digStatusUntil(SiteDns dns, String status) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Dig.Answer a = Dig.ask(dns.port(), ZONE, "A");
            if (a.status().equals(status)) {
                return a;
            }
            assertTrue(System.nanoTime() < end, "dig never answered " + status + " within " + DEADLINE + ": " + a.output());
            Thread.sleep(50);
        }
    }

    private static void awaitPeers(SiteDns dns, List<String> expected) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!dns.peersUp().equals(expected)) {
            assertTrue(System.nanoTime() < end, "peers up never became " + expected + ": " + dns.peersUp());
            Thread.sleep(50);
        }
    }

    private static SimpleResolver resolver(SiteDns dns) {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", dns.port()));
        r.setTimeout(Duration.ofSeconds(5));
        return r;
    }

    /**
     * A port free on 127.0.0.1 for both TCP and UDP now (the peers must know each other's before
     * either starts), not handed out before in this run: the system can give a port it just gave again.
     */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort()))) {
                if (GIVEN.add(udp.getLocalPort())) {
                    return udp.getLocalPort();
                }
            } catch (IOException taken) {
                // UDP port taken: another
            }
        }
        throw new IOException("no port free for both TCP and UDP on 127.0.0.1");
    }
}
