package org.qoscluster.sitedns;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.HINFORecord;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers DNS queries for the application's zone, without I/O: a query's bytes in, the
 * response's bytes (or nothing: drop) out. Authoritative only, never recursive. The apex's A and
 * AAAA records are the available sites' router addresses in the order of {@link SiteOrder}.
 */
public final class ZoneAnswerer {

    /** The UDP payload size this server advertises and accepts (the DNS flag day 2020 value). */
    public static final int UDP_PAYLOAD = 1232;
    /** The longest query accepted: a query is a question and an OPT record, well under this. */
    public static final int MAX_QUERY_BYTES = 512;
    private static final int CLASSIC_UDP = 512;
    private static final int TCP_LIMIT = 65_535;

    private final SiteDnsConfig config;
    private final SiteStates states;
    private final LongSupplier rotation;
    private final SOARecord soa;

    /** Over {@code config}, reading site states from {@code states}, rotating by {@code rotation}. */
    public ZoneAnswerer(SiteDnsConfig config, SiteStates states, LongSupplier rotation) {
        this.config = config;
        this.states = states;
        this.rotation = rotation;
        Name hostmaster;
        try {
            hostmaster = Name.concatenate(Name.fromConstantString("hostmaster"), config.zone());
        } catch (NameTooLongException e) {
            throw new IllegalArgumentException("zone " + config.zone() + " leaves no room for hostmaster.", e);
        }
        this.soa = new SOARecord(config.zone(), DClass.IN, config.ttlSeconds(), config.nameserver(), hostmaster,
                1, 3_600, 600, 1_209_600, config.ttlSeconds());
    }

    /** The outcome of one datagram or TCP message: bytes to send back, if any, and what was wrong with it. */
    public record Reply(Optional<byte[]> bytes, Optional<String> problem) {
    }

    /**
     * Answers the query in {@code wire} from {@code source}. A packet whose header cannot be read, or
     * that is itself a response, is dropped; one whose header reads but whose rest does not parse is
     * answered FORMERR. Over UDP a response larger than the client's payload size (512 without EDNS)
     * is sent truncated: TC set, only the question and OPT record, so the client asks over TCP.
     */
    public Reply answer(byte[] wire, InetAddress source, boolean tcp) {
        if (wire.length < Header.LENGTH) {
            return new Reply(Optional.empty(), Optional.of("shorter than a DNS header (" + wire.length + " bytes)"));
        }
        Header header;
        try {
            header = new Header(wire);
        } catch (IOException e) {
            return new Reply(Optional.empty(), Optional.of("unreadable header: " + e.getMessage()));
        }
        if (header.getFlag(Flags.QR)) {
            return new Reply(Optional.empty(), Optional.of("a response, not a query"));
        }
        if (wire.length > MAX_QUERY_BYTES) {
            return new Reply(Optional.of(formerr(header).toWire()), Optional.of("oversized query (" + wire.length + " bytes)"));
        }
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            return new Reply(Optional.of(formerr(header).toWire()), Optional.of("malformed query: " + e.getMessage()));
        }
        Message response = answer(query, source);
        return new Reply(Optional.of(fit(response, query, tcp)), Optional.empty());
    }

    /** The response to a parsed query from {@code source}, before any truncation. */
    public Message answer(Message query, InetAddress source) {
        Header qh = query.getHeader();
        List<Record> questions = query.getSection(Section.QUESTION);
        Message r = reply(qh, questions.size() == 1 ? questions : List.of());
        if (qh.getOpcode() != Opcode.QUERY) {
            r.getHeader().setRcode(Rcode.NOTIMP);
            return r;
        }
        long opts = query.getSection(Section.ADDITIONAL).stream().filter(rec -> rec.getType() == Type.OPT).count();
        if (questions.size() != 1 || opts > 1) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r;
        }
        OPTRecord opt = query.getOPT();
        if (opt != null && opt.getVersion() > 0) {
            r.addRecord(new OPTRecord(UDP_PAYLOAD, Rcode.BADVERS >>> 4, 0, 0), Section.ADDITIONAL);
            // BADVERS is 16: its high bits go in the OPT record, its low four bits (0) in the header.
            r.getHeader().setRcode(Rcode.NOERROR);
            return r;
        }
        Optional<ClientSubnetOption> ecs = opt == null ? Optional.empty()
                : opt.getOptions(EDNSOption.Code.CLIENT_SUBNET).stream()
                        .map(ClientSubnetOption.class::cast).findFirst();
        Record q = questions.get(0);
        Name qname = q.getName();
        if (q.getDClass() != DClass.IN || !qname.subdomain(config.zone())) {
            r.getHeader().setRcode(Rcode.REFUSED);
        } else {
            r.getHeader().setFlag(Flags.AA);
            zoneAnswer(r, qname, q.getType(), client(ecs, source));
        }
        if (opt != null) {
            List<EDNSOption> options = new ArrayList<>();
            ecs.ifPresent(e -> options.add(new ClientSubnetOption(e.getSourcePrefixLength(),
                    config.policy() == SitePolicy.LOCALITY ? e.getSourcePrefixLength() : 0, e.getAddress())));
            r.addRecord(new OPTRecord(UDP_PAYLOAD, 0, 0, 0, options), Section.ADDITIONAL);
        }
        return r;
    }

    private void zoneAnswer(Message r, Name qname, int type, Subnet client) {
        boolean apex = qname.equals(config.zone());
        boolean nameserver = qname.equals(config.nameserver());
        if (!apex && !nameserver) {
            if (config.nameserver().subdomain(qname)) {
                r.addRecord(soa, Section.AUTHORITY); // an empty non-terminal above the name server: NODATA
            } else {
                r.getHeader().setRcode(Rcode.NXDOMAIN);
                r.addRecord(soa, Section.AUTHORITY);
            }
            return;
        }
        if (type == Type.ANY) {
            // RFC 8482: one synthesised HINFO record instead of every record set.
            r.addRecord(new HINFORecord(qname, DClass.IN, config.ttlSeconds(), "RFC8482", ""), Section.ANSWER);
            return;
        }
        if (apex && type == Type.SOA) {
            r.addRecord(soa.withName(qname), Section.ANSWER);
        } else if (apex && type == Type.NS) {
            r.addRecord(new NSRecord(qname, DClass.IN, config.ttlSeconds(), config.nameserver()), Section.ANSWER);
            if (config.nameserver().subdomain(config.zone())) {
                addresses(r, config.nameserver(), config.nameserverAddresses(), Section.ADDITIONAL, null);
            }
        } else if (type == Type.A || type == Type.AAAA) {
            Class<? extends InetAddress> family = type == Type.A ? Inet4Address.class : Inet6Address.class;
            if (nameserver) {
                addresses(r, qname, config.nameserverAddresses(), Section.ANSWER, family);
            } else {
                SiteStates.View view = states.view();
                List<Site> order = SiteOrder.order(config.policy(), config.sites(), view.states(), client,
                        rotation.getAsLong());
                if (order.isEmpty() && (config.servfailWhenEmpty() || view.blind())) {
                    r.getHeader().unsetFlag(Flags.AA);
                    r.getHeader().setRcode(Rcode.SERVFAIL);
                    return;
                }
                List<InetAddress> all = new ArrayList<>();
                order.forEach(s -> all.addAll(s.addresses()));
                addresses(r, qname, all, Section.ANSWER, family);
            }
        }
        if (r.getSection(Section.ANSWER).isEmpty()) {
            r.addRecord(soa, Section.AUTHORITY); // NODATA
        }
    }

    private void addresses(Message r, Name owner, List<InetAddress> addresses, int section,
            Class<? extends InetAddress> family) {
        for (InetAddress a : addresses) {
            if (a instanceof Inet4Address && (family == null || family == Inet4Address.class)) {
                r.addRecord(new ARecord(owner, DClass.IN, config.ttlSeconds(), a), section);
            } else if (a instanceof Inet6Address && (family == null || family == Inet6Address.class)) {
                r.addRecord(new AAAARecord(owner, DClass.IN, config.ttlSeconds(), a), section);
            }
        }
    }

    private static Subnet client(Optional<ClientSubnetOption> ecs, InetAddress source) {
        if (ecs.isPresent() && ecs.get().getSourcePrefixLength() > 0) {
            return new Subnet(ecs.get().getAddress(), ecs.get().getSourcePrefixLength());
        }
        return Subnet.host(source);
    }

    /** A response header for {@code qh}: same id and opcode, QR and AA per caller, RD and CD copied, RA clear. */
    private static Message reply(Header qh, List<Record> questions) {
        Header h = new Header(qh.getID());
        h.setFlag(Flags.QR);
        h.setOpcode(qh.getOpcode());
        if (qh.getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        if (qh.getFlag(Flags.CD)) {
            h.setFlag(Flags.CD);
        }
        Message m = new Message(h.getID()); // new Message() would draw an id from SecureRandom, replaced at once
        m.setHeader(h);
        questions.forEach(q -> m.addRecord(q, Section.QUESTION));
        return m;
    }

    private static Message formerr(Header qh) {
        Message m = reply(qh, List.of());
        m.getHeader().setRcode(Rcode.FORMERR);
        return m;
    }

    /** The response's bytes, truncated to the question and OPT record with TC set when over the client's limit. */
    private static byte[] fit(Message response, Message query, boolean tcp) {
        byte[] full = response.toWire();
        OPTRecord opt = query.getOPT();
        int limit = tcp ? TCP_LIMIT
                : opt == null ? CLASSIC_UDP : Math.min(UDP_PAYLOAD, Math.max(CLASSIC_UDP, opt.getPayloadSize()));
        if (full.length <= limit) {
            return full;
        }
        Message cut = response.clone();
        cut.removeAllRecords(Section.ANSWER);
        cut.removeAllRecords(Section.AUTHORITY);
        OPTRecord ours = cut.getOPT();
        cut.removeAllRecords(Section.ADDITIONAL);
        if (ours != null) {
            cut.addRecord(ours, Section.ADDITIONAL);
        }
        cut.getHeader().setFlag(Flags.TC);
        return cut.toWire();
    }
}
