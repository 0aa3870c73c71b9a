package org.qoscluster.sitedns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.SettingsReader;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The site DNS server's configuration, validated and immutable. Read from properties:
 * <pre>
 * qos.site-dns.zone=shop.example.test.          the application's name, the zone's apex
 * qos.site-dns.policy=ordered                   active-passive, ordered, round-robin, load, response-time, locality
 * qos.site-dns.sites=a,b                        the sites, in configured order
 * qos.site-dns.site.a.addresses=127.0.1.1,::1   the site router's addresses (A and AAAA answers)
 * qos.site-dns.site.a.subnets=10.1.0.0/16       client subnets sent to the site first (locality)
 * qos.site-dns.ttl-seconds=5                    TTL of every record (default 5)
 * qos.site-dns.listen.address=127.0.0.1         where UDP and TCP listen (an address, never the wildcard)
 * qos.site-dns.listen.port=5353                 their port (0: a free one)
 * qos.site-dns.empty-answer=nodata              with no site available: nodata (NOERROR, SOA) or servfail
 * qos.site-dns.nameserver=ns1                   the zone's name server, relative to the zone or absolute (default ns1)
 * qos.site-dns.nameserver.addresses=            its addresses when inside the zone (default the listen address)
 * qos.site-dns.tcp.max-connections=64           TCP connections served at once
 * qos.site-dns.tcp.idle-timeout-ms=10000        a TCP connection without a query for this long is closed
 * </pre>
 * Every problem is reported at once, each naming its key.
 */
public record SiteDnsConfig(Name zone, SitePolicy policy, List<Site> sites, long ttlSeconds,
        InetAddress listenAddress, int listenPort, boolean servfailWhenEmpty, Name nameserver,
        List<InetAddress> nameserverAddresses, int maxTcpConnections, int tcpIdleTimeoutMillis) {

    public static final String PREFIX = "qos.site-dns.";
    private static final Pattern SITE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    public SiteDnsConfig {
        sites = List.copyOf(sites);
        nameserverAddresses = List.copyOf(nameserverAddresses);
    }

    /**
     * Reads and validates {@code properties}.
     *
     * @throws InvalidConfigException listing every problem, each with its key
     */
    public static SiteDnsConfig read(Map<String, String> properties) {
        SettingsReader r = new SettingsReader(properties);
        Name zone = name(r, PREFIX + "zone", r.raw(PREFIX + "zone"));
        String policyKey = r.raw(PREFIX + "policy");
        SitePolicy policy = SitePolicy.of(policyKey.isEmpty() ? "ordered" : policyKey).orElseGet(() -> r.problem(
                PREFIX + "policy: '" + policyKey + "' is not one of active-passive, ordered, round-robin, load, response-time, locality",
                SitePolicy.ORDERED));
        List<Site> sites = new ArrayList<>();
        List<String> names = list(r.raw(PREFIX + "sites"));
        if (names.isEmpty()) {
            r.problem(PREFIX + "sites: missing; name the sites, in order, separated by commas", null);
        }
        for (String n : names) {
            if (!SITE_NAME.matcher(n).matches()) {
                r.problem(PREFIX + "sites: '" + n + "' is not a site name (lower-case letters, digits, '-')", null);
            } else if (sites.stream().anyMatch(s -> s.name().equals(n))) {
                r.problem(PREFIX + "sites: '" + n + "' is named twice", null);
            } else {
                List<InetAddress> addresses = addresses(r, PREFIX + "site." + n + ".addresses");
                List<Subnet> subnets = new ArrayList<>();
                String subnetsKey = PREFIX + "site." + n + ".subnets";
                for (String s : list(r.raw(subnetsKey))) {
                    try {
                        subnets.add(Subnet.parse(s));
                    } catch (IllegalArgumentException e) {
                        r.problem(subnetsKey + ": " + e.getMessage(), null);
                    }
                }
                if (addresses.isEmpty()) {
                    r.problem(PREFIX + "site." + n + ".addresses: missing; the site router's IPv4 and/or IPv6 addresses", null);
                } else {
                    sites.add(new Site(n, addresses, subnets));
                }
            }
        }
        long ttl = properties.containsKey(PREFIX + "ttl-seconds") ? r.intIn(PREFIX + "ttl-seconds", 0, 86_400) : 5;
        InetAddress listen = null;
        String listenKey = PREFIX + "listen.address";
        if (r.raw(listenKey).isEmpty()) {
            r.problem(listenKey + ": missing; the address to listen on (never the wildcard)", null);
        } else {
            try {
                listen = Subnet.literal(r.raw(listenKey));
                if (listen.isAnyLocalAddress()) {
                    listen = r.problem(listenKey + ": '" + r.raw(listenKey) + "' is the wildcard; name the one address to listen on", null);
                }
            } catch (IllegalArgumentException e) {
                r.problem(listenKey + ": " + e.getMessage(), null);
            }
        }
        int port = r.intIn(PREFIX + "listen.port", 0, 65_535);
        String empty = r.raw(PREFIX + "empty-answer");
        if (!empty.isEmpty() && !empty.equals("nodata") && !empty.equals("servfail")) {
            r.problem(PREFIX + "empty-answer: '" + empty + "' is not nodata or servfail", null);
        }
        String nsText = r.raw(PREFIX + "nameserver");
        Name ns = name(r, PREFIX + "nameserver", nsText.isEmpty() ? relative("ns1", zone) : relative(nsText, zone));
        List<InetAddress> nsAddresses = addresses(r, PREFIX + "nameserver.addresses");
        if (nsAddresses.isEmpty() && listen != null) {
            nsAddresses = List.of(listen);
        }
        int maxTcp = properties.containsKey(PREFIX + "tcp.max-connections") ? r.intIn(PREFIX + "tcp.max-connections", 1, 10_000) : 64;
        int idle = properties.containsKey(PREFIX + "tcp.idle-timeout-ms") ? r.intIn(PREFIX + "tcp.idle-timeout-ms", 100, 600_000) : 10_000;
        r.check();
        return new SiteDnsConfig(zone, policy, sites, ttl, listen, port, empty.equals("servfail"), ns, nsAddresses, maxTcp, idle);
    }

    private static String relative(String name, Name zone) {
        return name.endsWith(".") ? name : name + "." + zone;
    }

    private static Name name(SettingsReader r, String key, String text) {
        if (text.isEmpty()) {
            return r.problem(key + ": missing; the application's name, for example shop.example.test.", Name.root);
        }
        try {
            return Name.fromString(text.endsWith(".") ? text : text + ".");
        } catch (TextParseException e) {
            return r.problem(key + ": '" + text + "' is not a domain name: " + e.getMessage(), Name.root);
        }
    }

    private static List<InetAddress> addresses(SettingsReader r, String key) {
        List<InetAddress> out = new ArrayList<>();
        for (String a : list(r.raw(key))) {
            try {
                out.add(Subnet.literal(a));
            } catch (IllegalArgumentException e) {
                r.problem(key + ": " + e.getMessage(), null);
            }
        }
        return out;
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }
}
