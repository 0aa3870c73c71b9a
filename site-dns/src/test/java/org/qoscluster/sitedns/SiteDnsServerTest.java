package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.sitedns.internal.SiteDnsServer;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The site DNS server over real UDP and TCP sockets on 127.0.0.1, asked by dnsjava's resolver and by hand-made packets. */
class SiteDnsServerTest {

    private static final String ZONE = "shop.example.test.";
    private static final List<String> A_ONLY = List.of("127.0.1.1");
    private static final List<String> B_ONLY = List.of("127.0.2.1");
    private static final List<String> A_THEN_B = List.of("127.0.1.1", "127.0.2.1");
    private static final List<String> B_THEN_A = List.of("127.0.2.1", "127.0.1.1");

    private final SiteStates states = new SiteStates();
    private SiteDnsServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldAnswerEachPolicysOrderForEachCombinationOfAvailableSites() throws IOException {
        for (SitePolicy policy : SitePolicy.values()) {
            start(policy, Map.of());
            for (boolean aUp : new boolean[] {true, false}) {
                for (boolean bUp : new boolean[] {true, false}) {
                    states.set("a", aUp ? SiteState.withSpareCapacity(2) : SiteState.UNAVAILABLE);
                    states.set("b", bUp ? new SiteState(true, java.util.OptionalLong.of(8), java.util.Optional.of(Duration.ofMillis(3)))
                            : SiteState.UNAVAILABLE);
                    List<String> both = switch (policy) {
                        case ACTIVE_PASSIVE -> A_ONLY;
                        case LOAD, RESPONSE_TIME -> B_THEN_A;
                        default -> A_THEN_B;
                    };
                    List<String> expected = aUp && bUp ? both : aUp ? A_ONLY : bUp ? B_ONLY : List.of();
                    Message r = resolver(false).send(query(ZONE, Type.A));
                    String what = policy + " a=" + aUp + " b=" + bUp + ": " + r;
                    assertEquals(Rcode.NOERROR, r.getRcode(), what);
                    assertTrue(r.getHeader().getFlag(Flags.AA), what);
                    if (policy == SitePolicy.ROUND_ROBIN && aUp && bUp) {
                        List<String> first = addresses(r);
                        List<String> second = addresses(resolver(false).send(query(ZONE, Type.A)));
                        assertEquals(List.of(first.get(1), first.get(0)), second, what);
                        assertTrue(first.equals(A_THEN_B) || first.equals(B_THEN_A), what);
                    } else {
                        assertEquals(expected, addresses(r), what);
                    }
                    if (expected.isEmpty()) {
                        assertEquals(Type.SOA, r.getSection(Section.AUTHORITY).get(0).getType(), what);
                    }
                    assertTrue(r.getSection(Section.ANSWER).stream().allMatch(rec -> rec.getTTL() == 5), what);
                }
            }
            server.close();
        }
    }

    @Test
    void shouldSendTheClientToItsOwnSiteByTheEdnsClientSubnetOrElseItsSourceAddress() throws IOException {
        start(SitePolicy.LOCALITY, Map.of("qos.site-dns.site.b.subnets", "10.2.0.0/16,127.0.0.0/8"));
        bothUp();
        SimpleResolver fromB = resolver(false);
        fromB.setEDNS(0, 1232, 0, List.of(new ClientSubnetOption(24, InetAddress.getByName("10.2.7.0"))));
        Message r = fromB.send(query(ZONE, Type.A));
        assertEquals(B_THEN_A, addresses(r));
        ClientSubnetOption echoed = (ClientSubnetOption) r.getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
        assertEquals(24, echoed.getScopePrefixLength());
        SimpleResolver fromA = resolver(false);
        fromA.setEDNS(0, 1232, 0, List.of(new ClientSubnetOption(24, InetAddress.getByName("10.1.7.0"))));
        assertEquals(A_THEN_B, addresses(fromA.send(query(ZONE, Type.A))));
        // no client subnet: the source address, 127.0.0.1, is in site b's 127.0.0.0/8
        assertEquals(B_THEN_A, addresses(resolver(false).send(query(ZONE, Type.A))));
    }

    @Test
    void shouldAnswerTheZonesOwnRecordsAndRefuseEverythingElse() throws IOException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        Message aaaa = resolver(false).send(query(ZONE, Type.AAAA));
        assertEquals(List.of("2001:db8:0:0:0:0:0:1"), addresses(aaaa));
        Message soa = resolver(true).send(query(ZONE, Type.SOA));
        assertEquals(Type.SOA, soa.getSection(Section.ANSWER).get(0).getType());
        Message ns = resolver(false).send(query(ZONE, Type.NS));
        assertEquals("ns1." + ZONE, ns.getSection(Section.ANSWER).get(0).rdataToString());
        assertEquals("127.0.0.1", ns.getSection(Section.ADDITIONAL).get(0).rdataToString());

        Message nx = resolver(false).send(query("nothing." + ZONE, Type.A));
        assertEquals(Rcode.NXDOMAIN, nx.getRcode());
        assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).get(0).getType());
        Message nodata = resolver(false).send(query(ZONE, Type.MX));
        assertEquals(Rcode.NOERROR, nodata.getRcode());
        assertTrue(nodata.getSection(Section.ANSWER).isEmpty());
        assertEquals(Type.SOA, nodata.getSection(Section.AUTHORITY).get(0).getType());
        Message any = resolver(false).send(query(ZONE, Type.ANY));
        assertEquals(List.of(Type.HINFO), any.getSection(Section.ANSWER).stream().map(Record::getType).toList());

        Message outside = resolver(false).send(query("example.org.", Type.A));
        assertEquals(Rcode.REFUSED, outside.getRcode());
        assertFalse(outside.getHeader().getFlag(Flags.AA));
        assertFalse(outside.getHeader().getFlag(Flags.RA));
        assertTrue(outside.getHeader().getFlag(Flags.RD), "RD copied from the query");
        assertTrue(outside.getSection(Section.ANSWER).isEmpty());
        Message notify = query(ZONE, Type.SOA);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertEquals(Rcode.NOTIMP, resolver(false).send(notify).getRcode());
    }

    @Test
    void shouldAnswerServfailWhenNoSiteIsAvailableAndSoConfigured() throws IOException {
        start(SitePolicy.ORDERED, Map.of("qos.site-dns.empty-answer", "servfail"));
        states.set("a", SiteState.UNAVAILABLE);
        assertEquals(Rcode.SERVFAIL, resolver(false).send(query(ZONE, Type.A)).getRcode());
        states.set("a", SiteState.AVAILABLE);
        assertEquals(A_ONLY, addresses(resolver(false).send(query(ZONE, Type.A))));
    }

    @Test
    void shouldTruncateWhatDoesNotFitTheClientsPayloadSoTheClientRetriesOverTcp() throws IOException {
        Map<String, String> extra = new HashMap<>();
        List<String> names = new ArrayList<>(List.of("a", "b"));
        for (int i = 0; i < 100; i++) {
            names.add("m" + i);
            extra.put("qos.site-dns.site.m" + i + ".addresses", "127.0.100." + (i + 1));
            extra.put("qos.site-dns.site.m" + i + ".status-url", "http://127.0.100." + (i + 1) + ":8080/qrs/site");
        }
        extra.put("qos.site-dns.sites", String.join(",", names));
        start(SitePolicy.ORDERED, extra);
        names.forEach(n -> states.set(n, SiteState.AVAILABLE));

        SimpleResolver udpOnly = resolver(false);
        udpOnly.setIgnoreTruncation(true);
        Message cut = udpOnly.send(query(ZONE, Type.A));
        assertTrue(cut.getHeader().getFlag(Flags.TC), cut::toString);
        assertTrue(cut.getSection(Section.ANSWER).isEmpty());
        assertNotNull(cut.getOPT(), "the OPT record survives truncation");

        Message retried = resolver(false).send(query(ZONE, Type.A)); // TC, then the resolver asks over TCP
        assertFalse(retried.getHeader().getFlag(Flags.TC));
        assertEquals(102, addresses(retried).size());
        assertEquals("127.0.1.1", addresses(retried).get(0));

        // without EDNS the limit is 512 bytes: 40 addresses fit 1232 but not 512
        states.snapshot().keySet().stream().filter(n -> n.startsWith("m") && Integer.parseInt(n.substring(1)) >= 38)
                .forEach(n -> states.set(n, SiteState.UNAVAILABLE));
        SimpleResolver noEdns = resolver(false);
        noEdns.setEDNS(-1, 0, 0, List.of());
        noEdns.setIgnoreTruncation(true);
        Message classic = noEdns.send(query(ZONE, Type.A));
        assertTrue(classic.getHeader().getFlag(Flags.TC));
        assertEquals(null, classic.getOPT());
        Message edns = udpOnly.send(query(ZONE, Type.A));
        assertFalse(edns.getHeader().getFlag(Flags.TC));
        assertEquals(40, addresses(edns).size());
    }

    @Test
    void shouldEchoEdnsWithItsOwnPayloadSizeAndAnswerBadversToALaterVersion() throws IOException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        SimpleResolver r = resolver(false);
        r.setEDNS(0, 4096, 0, List.of());
        OPTRecord opt = r.send(query(ZONE, Type.A)).getOPT();
        assertEquals(ZoneAnswerer.UDP_PAYLOAD, opt.getPayloadSize());
        assertEquals(0, opt.getVersion());

        Message v1 = query(ZONE, Type.A);
        v1.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
        Message bad = send(v1.toWire()).orElseThrow();
        assertEquals(Rcode.BADVERS, bad.getRcode());
        assertEquals(0, bad.getOPT().getVersion());
    }

    @Test
    void shouldAnswerFormerrOrDropMalformedPacketsAndKeepServing() throws IOException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        byte[] good = query(ZONE, Type.A).toWire();
        byte[] garbage = new byte[4096];
        new Random(11).nextBytes(garbage);
        Message twoQuestions = query(ZONE, Type.A);
        twoQuestions.addRecord(Record.newRecord(Name.fromString("x." + ZONE), Type.A, DClass.IN), Section.QUESTION);
        Map<String, byte[]> bad = Map.of(
                "truncated header", new byte[] {0x12, 0x34, 0x01, 0x00, 0x00},
                "label length past the end", concat(header(0x2222, 1), new byte[] {63, 'a', 'b'}),
                "compression pointer loop", concat(header(0x3333, 1), new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1}),
                "4 KB of garbage", garbage,
                "QDCOUNT=2", twoQuestions.toWire(),
                "question cut short", concat(header(0x4444, 1), new byte[] {4, 's', 'h', 'o', 'p', 0, 0}));
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(5_000);
            for (Map.Entry<String, byte[]> e : bad.entrySet()) {
                s.send(new DatagramPacket(e.getValue(), e.getValue().length, server(s)));
                s.send(new DatagramPacket(good, good.length, server(s)));
                int badId = e.getValue().length >= 2 ? ((e.getValue()[0] & 0xff) << 8) | (e.getValue()[1] & 0xff) : -1;
                int goodId = ((good[0] & 0xff) << 8) | (good[1] & 0xff);
                boolean formerr = false;
                while (true) { // the answer to the bad packet, if any, comes before the good one's
                    Message m = receive(s);
                    if (m.getHeader().getID() == goodId && m.getRcode() == Rcode.NOERROR) {
                        assertEquals(A_THEN_B, addresses(m), e.getKey());
                        break;
                    }
                    assertEquals(badId, m.getHeader().getID(), e.getKey() + ": " + m);
                    assertEquals(Rcode.FORMERR, m.getRcode(), e.getKey() + ": " + m);
                    formerr = true;
                }
                // a readable query header (QR clear) always gets its FORMERR; the rest may be dropped
                boolean readableQuery = e.getValue().length >= 12 && (e.getValue()[2] & 0x80) == 0;
                assertEquals(readableQuery, formerr, e.getKey());
            }
        }
        assertTrue(server.malformed() >= 5, "malformed packets counted: " + server.malformed());
        assertEquals(A_THEN_B, addresses(resolver(true).send(query(ZONE, Type.A))));
    }

    @Test
    void shouldServeSeveralQueriesOnOneTcpConnectionAndCloseItOnAnOversizedOne() throws IOException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5_000);
            for (int i = 0; i < 3; i++) {
                assertEquals(A_THEN_B, addresses(tcpQuery(s)));
            }
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeShort(4_000);
            out.write(new byte[4_000]);
            out.flush();
            assertEquals(-1, in.read(), "the connection is closed after an oversized query");
        }
        assertEquals(A_THEN_B, addresses(resolver(true).send(query(ZONE, Type.A))));
    }

    @Test
    void shouldCloseConnectionsPastTheBoundAndIdleOnes() throws IOException {
        start(SitePolicy.ORDERED, Map.of("qos.site-dns.tcp.max-connections", "2", "qos.site-dns.tcp.idle-timeout-ms", "60000"));
        bothUp();
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), server.port());
                Socket second = new Socket(InetAddress.getLoopbackAddress(), server.port());
                Socket third = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            for (Socket s : List.of(first, second)) { // each answered: each holds a slot
                s.setSoTimeout(5_000);
                assertEquals(A_THEN_B, addresses(tcpQuery(s)));
            }
            third.setSoTimeout(5_000);
            assertEquals(-1, third.getInputStream().read(), "a connection past the bound is closed");
            assertEquals(A_THEN_B, addresses(tcpQuery(first)), "the connections within the bound go on");
        }
        server.close();
        start(SitePolicy.ORDERED, Map.of("qos.site-dns.tcp.idle-timeout-ms", "200"));
        try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            idle.setSoTimeout(10_000);
            assertEquals(-1, idle.getInputStream().read(), "an idle connection is closed");
        }
    }

    private static Message tcpQuery(Socket s) throws IOException {
        byte[] q = query(ZONE, Type.A).toWire();
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeShort(q.length);
        out.write(q);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] answer = new byte[in.readUnsignedShort()];
        in.readFully(answer);
        return new Message(answer);
    }

    @Test
    void shouldAnswerDig() throws IOException, InterruptedException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        assertEquals(A_THEN_B, Dig.addresses(server.port(), ZONE));
    }

    private void start(SitePolicy policy, Map<String, String> extra) throws IOException {
        Map<String, String> p = new HashMap<>(Map.of(
                "qos.site-dns.zone", ZONE,
                "qos.site-dns.policy", policy.key(),
                "qos.site-dns.sites", "a,b",
                "qos.site-dns.site.a.addresses", "127.0.1.1,2001:db8::1",
                "qos.site-dns.site.a.subnets", "10.1.0.0/16",
                "qos.site-dns.site.b.addresses", "127.0.2.1",
                "qos.site-dns.listen.address", "127.0.0.1",
                "qos.site-dns.listen.port", "0"));
        // the sites' states are set by the tests, never probed: these pages are never asked
        p.put("qos.site-dns.site.a.status-url", "http://127.0.1.1:8080/qrs/site");
        p.put("qos.site-dns.site.b.status-url", "http://127.0.2.1:8080/qrs/site");
        p.putAll(extra);
        SiteDnsConfig config = SiteDnsConfig.read(p);
        AtomicLong rotation = new AtomicLong();
        server = SiteDnsServer.start(config, new ZoneAnswerer(config, states, rotation::getAndIncrement));
    }

    private void bothUp() {
        states.set("a", SiteState.AVAILABLE);
        states.set("b", SiteState.AVAILABLE);
    }

    private SimpleResolver resolver(boolean tcp) {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", server.port()));
        r.setTCP(tcp);
        r.setTimeout(Duration.ofSeconds(5));
        return r;
    }

    private InetSocketAddress server(DatagramSocket unused) {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    private java.util.Optional<Message> send(byte[] wire) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(5_000);
            s.send(new DatagramPacket(wire, wire.length, server(s)));
            return java.util.Optional.of(receive(s));
        }
    }

    private static Message receive(DatagramSocket s) throws IOException {
        byte[] buffer = new byte[65_535];
        DatagramPacket p = new DatagramPacket(buffer, buffer.length);
        s.receive(p);
        return new Message(ByteBuffer.wrap(buffer, 0, p.getLength()));
    }

    private static Message query(String name, int type) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    }

    private static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A || r.getType() == Type.AAAA)
                .map(Record::rdataToString).toList();
    }

    private static byte[] header(int id, int qdcount) {
        return ByteBuffer.allocate(12).putShort((short) id).putShort((short) 0x0100).putShort((short) qdcount).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void shouldCopyTheQuestionAndIdIntoTheAnswer() throws IOException {
        start(SitePolicy.ORDERED, Map.of());
        bothUp();
        Message q = query("ShOp.Example.TEST.", Type.A);
        Message r = send(q.toWire()).orElseThrow();
        assertEquals(q.getHeader().getID(), r.getHeader().getID());
        assertArrayEquals(q.getQuestion().getName().toWire(), r.getQuestion().getName().toWire());
        assertEquals(A_THEN_B, addresses(r));
    }
}
