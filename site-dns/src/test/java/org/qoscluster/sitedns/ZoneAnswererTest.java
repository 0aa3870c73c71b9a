package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The answerer on its own, for the cases a resolver would not send. */
class ZoneAnswererTest {

    private static final InetAddress CLIENT = Subnet.literal("127.0.0.1");
    private final ZoneAnswerer answerer;
    private final SiteStates states;

    ZoneAnswererTest() {
        SiteDnsConfig config = SiteDnsConfig.read(Map.of(
                "qos.site-dns.zone", "shop.example.test.",
                "qos.site-dns.sites", "a",
                "qos.site-dns.site.a.addresses", "127.0.1.1",
                "qos.site-dns.site.a.status-url", "http://127.0.1.1:8080/qrs/site",
                "qos.site-dns.nameserver", "ns1.dns",
                "qos.site-dns.listen.address", "127.0.0.1",
                "qos.site-dns.listen.port", "0"));
        states = SiteStates.allAvailable(config.sites());
        answerer = new ZoneAnswerer(config, states, () -> 0);
    }

    @Test
    void shouldDropResponsesAndPacketsShorterThanAHeader() throws IOException {
        Message response = query("shop.example.test.", Type.A, DClass.IN);
        response.getHeader().setFlag(Flags.QR);
        ZoneAnswerer.Reply r = answerer.answer(response.toWire(), CLIENT, false);
        assertTrue(r.bytes().isEmpty());
        assertEquals("a response, not a query", r.problem().orElseThrow());
        assertTrue(answerer.answer(new byte[11], CLIENT, false).bytes().isEmpty());
    }

    @Test
    void shouldAnswerFormerrToTwoOptRecordsAndABadClientSubnet() throws IOException {
        Message twoOpts = query("shop.example.test.", Type.A, DClass.IN);
        twoOpts.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        twoOpts.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        assertEquals(Rcode.FORMERR, rcode(answerer.answer(twoOpts.toWire(), CLIENT, false)));

        byte[] wire = query("shop.example.test.", Type.A, DClass.IN).toWire();
        // one OPT record holding a client subnet option of family 1 with a source prefix of 40 bits
        byte[] opt = {0, 0, 41, 4, (byte) 0xd0, 0, 0, 0, 0, 0, 12, 0, 8, 0, 8, 0, 1, 40, 0, 10, 2, 7, 0};
        byte[] bad = new byte[wire.length + opt.length];
        System.arraycopy(wire, 0, bad, 0, wire.length);
        System.arraycopy(opt, 0, bad, wire.length, opt.length);
        bad[11] = 1; // ARCOUNT
        ZoneAnswerer.Reply r = answerer.answer(bad, CLIENT, false);
        assertEquals(Rcode.FORMERR, rcode(r));
        assertEquals("malformed query: invalid source netmask", r.problem().orElseThrow());
    }

    @Test
    void shouldRefuseOtherClassesAndAnswerNodataForAnEmptyNonTerminal() throws IOException {
        Message chaos = answerer.answer(query("shop.example.test.", Type.TXT, DClass.CH), CLIENT);
        assertEquals(Rcode.REFUSED, chaos.getRcode());
        Message ent = answerer.answer(query("dns.shop.example.test.", Type.A, DClass.IN), CLIENT);
        assertEquals(Rcode.NOERROR, ent.getRcode());
        assertTrue(ent.getSection(Section.ANSWER).isEmpty());
        assertEquals(Type.SOA, ent.getSection(Section.AUTHORITY).get(0).getType());
        Message ns = answerer.answer(query("ns1.dns.shop.example.test.", Type.A, DClass.IN), CLIENT);
        assertEquals(List.of("127.0.0.1"), ns.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList());
        Message below = answerer.answer(query("x.shop.example.test.", Type.ANY, DClass.IN), CLIENT);
        assertEquals(Rcode.NXDOMAIN, below.getRcode());
    }

    @Test
    void shouldAnswerServfailForTheSitesWhenBlindAndTheConfiguredEmptyAnswerOtherwise() throws IOException {
        states.publish(SiteVerdict.of(Map.of("a", SiteState.UNAVAILABLE), 1, 1));
        Message empty = answerer.answer(query("shop.example.test.", Type.A, DClass.IN), CLIENT);
        assertEquals(Rcode.NOERROR, empty.getRcode(), "a peer answers: NODATA, as configured");
        assertEquals(Type.SOA, empty.getSection(Section.AUTHORITY).get(0).getType());
        states.publish(SiteVerdict.of(Map.of("a", SiteState.UNAVAILABLE), 1, 0));
        assertEquals(Rcode.SERVFAIL, answerer.answer(query("shop.example.test.", Type.A, DClass.IN), CLIENT).getRcode(),
                "no peer and no site: blind");
        assertEquals(Rcode.SERVFAIL, answerer.answer(query("shop.example.test.", Type.AAAA, DClass.IN), CLIENT).getRcode());
        Message soa = answerer.answer(query("shop.example.test.", Type.SOA, DClass.IN), CLIENT);
        assertEquals(Rcode.NOERROR, soa.getRcode(), "the zone itself is still answered (the peers' pings)");
        states.publish(SiteVerdict.of(Map.of("a", SiteState.AVAILABLE), 1, 0));
        Message isolated = answerer.answer(query("shop.example.test.", Type.A, DClass.IN), CLIENT);
        assertEquals(List.of("127.0.1.1"), isolated.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList(),
                "isolated, its own site up: answered");
    }

    private static int rcode(ZoneAnswerer.Reply r) throws IOException {
        return new Message(r.bytes().orElseThrow()).getRcode();
    }

    private static Message query(String name, int type, int dclass) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name), type, dclass));
    }
}
