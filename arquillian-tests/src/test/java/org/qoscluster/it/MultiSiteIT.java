package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.launcher.Sites;
import org.qoscluster.launcher.SitesConfig;
import org.qoscluster.launcher.internal.WanRelay;
import org.qoscluster.testing.TestRuntime;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Two sites on this machine, each a cluster of its own (one node, no replica: kept cheap) whose
 * router and site DNS server listen on a loopback address of the site's own, started as {@code up --site NAME} starts
 * them. The DNS servers ping each other, and poll each site's router, through {@link WanRelay}s
 * (20 ms each way), as over a wide-area link. Real DNS queries (dnsjava's resolver over UDP) see
 * both sites' routers in policy order; after {@code kill -9} of every process of site a, site b's
 * server answers b only; with site a started again, both again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiSiteIT {

    private static final String ZONE = "shop.example.test.";
    private static final String A = "127.0.31.1";
    private static final String B = "127.0.32.1";
    /** Generous: each bound is a DNS server's down-after-ms (2 s) or up-after-successes (one probe) away. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static Path state;
    private static SitesConfig sites;
    private static final List<WanRelay> RELAYS = new ArrayList<>();
    private static final Map<String, Cluster> RUNNING = new HashMap<>();

    @RegisterExtension
    static final TestExecutionExceptionHandler LOGS_ON_FAILURE = (ExtensionContext context, Throwable failure) -> {
        RUNNING.values().forEach(c -> System.err.println(c.logTails(40)));
        throw failure;
    };

    @BeforeAll
    static void twoSites() throws IOException {
        state = TestRuntime.stateDir(MultiSiteIT.class);
        Map<String, String> p = new HashMap<>();
        p.put(SitesConfig.SITES, "a,b");
        p.put("qos.site-dns.zone", ZONE);
        p.put("qos.site-dns.policy", "ordered");
        // Each site a database group of its own: this test is about DNS (CrossSiteIT shares one).
        p.put(SitesConfig.DATABASE, "separate");
        for (String[] site : new String[][] {{"a", A}, {"b", B}}) {
            String name = site[0];
            String address = site[1];
            ClusterConfig free = TestRuntime.freePortConfig(1, 0);
            for (String key : List.of(ClusterConfig.ROUTER_HTTP_PORT, ClusterConfig.ROUTER_HAZELCAST_PORT, ClusterConfig.NODE_HTTP_PORTS,
                    ClusterConfig.NODE_HAZELCAST_PORTS, ClusterConfig.DB_MASTER_PORT, ClusterConfig.DB_REPLICA_PORTS,
                    ClusterConfig.NODE_DB_PROXY_PORTS)) {
                p.put(SitesConfig.SITE_PREFIX + name + key.substring("qos".length()), free.properties().get(key));
            }
            p.put(SitesConfig.SITE_PREFIX + name + ".cluster.name", free.clusterName() + "-" + name);
            // The router and the DNS server on the site's own address, which DNS answers; the
            // members on 127.0.0.1 (Payara Micro's Hazelcast binds only an address an interface
            // has, and 127.0.31.1 is routed to lo, not assigned to it).
            p.put(SitesConfig.SITE_PREFIX + name + ".hosts", "members=127.0.0.1,edge=" + address);
            p.put(SitesConfig.SITE_PREFIX + name + ".place.router", "edge");
            int dnsPort = freeUdpAndTcpPort(address);
            p.put(SitesConfig.SITE_PREFIX + name + ".dns.port", Integer.toString(dnsPort));
            // Between the sites: the other site's DNS server pings this one, and every DNS server
            // polls this site's router, through relays of their own.
            WanRelay dnsLink = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(address, dnsPort));
            WanRelay routerLink = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(address, free.router().httpPort()));
            RELAYS.add(dnsLink);
            RELAYS.add(routerLink);
            p.put(SitesConfig.SITE_PREFIX + name + ".dns.peer", "127.0.0.1:" + dnsLink.listenAddress().getPort());
            p.put(SitesConfig.SITE_PREFIX + name + ".status-url", "http://127.0.0.1:" + routerLink.listenAddress().getPort()
                    + "/qrs/site");
        }
        sites = SitesConfig.from(p);
        start("a");
        start("b");
    }

    private static void start(String site) {
        RUNNING.put(site, Sites.startSite(sites, site, TestRuntime.layout(), state, Duration.ofMinutes(4), List.of()));
    }

    @AfterAll
    static void stopEverything() {
        if (state != null) {
            for (String site : List.of("a", "b")) {
                Sites.stopSite(state, site).forEach(line -> System.out.println("site " + site + ": " + line));
            }
        }
        RELAYS.forEach(WanRelay::close);
    }

    @Test
    @Order(1)
    void shouldAnswerBothSitesRoutersInPolicyOrderFromEachSite() throws Exception {
        awaitAnswer("a", List.of(A, B));
        awaitAnswer("b", List.of(A, B));
        assertTrue(Sites.status(state).get("a").stream().anyMatch(part -> part.name().equals(Sites.DNS_PART) && part.alive()));
    }

    @Test
    @Order(2)
    void shouldAnswerOnlySiteBOnceEveryProcessOfSiteAIsKilled() throws Exception {
        List<PartStatus> parts = Cluster.status(Sites.siteDir(state, "a"));
        long t0 = System.nanoTime();
        parts.forEach(part -> RUNNING.get("a").kill(part.name()));
        assertTrue(Cluster.status(Sites.siteDir(state, "a")).stream().noneMatch(PartStatus::alive));
        awaitAnswer("b", List.of(B));
        System.out.printf("MultiSiteIT: site b's DNS server answered b only %d ms after kill -9 of site a's %d processes%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis(), parts.size());
    }

    @Test
    @Order(3)
    void shouldAnswerBothAgainOnceSiteAIsBack() throws Exception {
        Sites.stopSite(state, "a");
        long t0 = System.nanoTime();
        start("a");
        long started = System.nanoTime();
        awaitAnswer("b", List.of(A, B));
        awaitAnswer("a", List.of(A, B));
        System.out.printf("MultiSiteIT: site a up again in %d ms; both sites answered %d ms after that%n",
                Duration.ofNanos(started - t0).toMillis(), Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /** Asks site {@code site}'s DNS server for the zone's A records until they are {@code expected}, in order. */
    private static void awaitAnswer(String site, List<String> expected) throws Exception {
        SitesConfig.Site s = sites.requireSite(site);
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(s.dnsAddress(), s.dnsPort()));
        resolver.setTimeout(Duration.ofSeconds(2));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < deadline) {
            try {
                Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(ZONE), Type.A, DClass.IN)));
                last = answer.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord)
                        .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
                if (last.equals(expected)) {
                    return;
                }
            } catch (IOException e) {
                last = List.of("no answer: " + e);
            }
            Thread.sleep(100);
        }
        assertEquals(expected, last, "site " + site + "'s DNS server within " + DEADLINE.toSeconds() + " s");
    }

    /** A port free for both TCP and UDP on {@code address}. */
    private static int freeUdpAndTcpPort(String address) throws IOException {
        for (int port : TestRuntime.freePorts(20)) {
            try (ServerSocket tcp = new ServerSocket(); java.net.DatagramSocket udp = new java.net.DatagramSocket(null)) {
                tcp.bind(new InetSocketAddress(address, port));
                udp.bind(new InetSocketAddress(address, port));
                return port;
            } catch (IOException e) {
                // taken: the next one
            }
        }
        throw new IOException("no port free for TCP and UDP on " + address);
    }
}
