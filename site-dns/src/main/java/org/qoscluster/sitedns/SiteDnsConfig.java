package org.qoscluster.sitedns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 * qos.site-dns.site.a.status-url=http://127.0.1.1:8080/qrs/site   the site router's status page, polled
 * qos.site-dns.ttl-seconds=5                    TTL of every record (default 5)
 * qos.site-dns.listen.address=127.0.0.1         where UDP and TCP listen (an address, never the wildcard)
 * qos.site-dns.listen.port=5353                 their port (0: a free one)
 * qos.site-dns.empty-answer=nodata              with no site available: nodata (NOERROR, SOA) or servfail
 * qos.site-dns.nameserver=ns1                   the zone's name server, relative to the zone or absolute (default ns1)
 * qos.site-dns.nameserver.addresses=            its addresses when inside the zone (default the listen address)
 * qos.site-dns.tcp.max-connections=64           TCP connections served at once
 * qos.site-dns.tcp.idle-timeout-ms=10000        a TCP connection without a query for this long is closed
 * qos.site-dns.probe.interval-ms=500            how often each status page and each peer is asked
 * qos.site-dns.probe.timeout-ms=1000            one probe's time limit (connect, answer, body)
 * qos.site-dns.down-after-ms=2000               a site or peer without a successful probe for this long is down
 * qos.site-dns.up-after-successes=1             successful probes in a row that bring a down site or peer back
 * qos.site-dns.peers=127.0.2.53:5353            the other sites' DNS servers (ADDRESS:PORT, [IPv6]:PORT), pinged
 *                                               from the listen address (so of its family)
 * </pre>
 * Every problem is reported at once, each naming its key.
 */
public record SiteDnsConfig(Name zone, SitePolicy policy, List<Site> sites, long ttlSeconds,
        InetAddress listenAddress, int listenPort, boolean servfailWhenEmpty, Name nameserver,
        List<InetAddress> nameserverAddresses, int maxTcpConnections, int tcpIdleTimeoutMillis, Health health) {

    /**
     * How the server watches the sites and its peers.
     *
     * @param statusUrls each site's status page ({@code GET}, 200 with {@code "available":true} when it can serve), by site name
     * @param interval how often each status page and each peer is probed
     * @param timeout one probe's time limit
     * @param downAfter a site or peer without a successful probe for this long is down
     * @param upAfterSuccesses successful probes in a row that bring a down site or peer back
     * @param peers the other sites' DNS servers, pinged with a query for the zone's SOA
     */
    public record Health(Map<String, URI> statusUrls, Duration interval, Duration timeout, Duration downAfter,
            int upAfterSuccesses, List<InetSocketAddress> peers) {

        public Health {
            statusUrls = Collections.unmodifiableMap(new LinkedHashMap<>(statusUrls));
            peers = List.copyOf(peers);
        }
    }

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
        Map<String, URI> statusUrls = new LinkedHashMap<>();
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
                URI status = statusUrl(r, PREFIX + "site." + n + ".status-url");
                if (addresses.isEmpty()) {
                    r.problem(PREFIX + "site." + n + ".addresses: missing; the site router's IPv4 and/or IPv6 addresses", null);
                } else {
                    sites.add(new Site(n, addresses, subnets));
                }
                if (status != null) {
                    statusUrls.put(n, status);
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
        int interval = properties.containsKey(PREFIX + "probe.interval-ms") ? r.intIn(PREFIX + "probe.interval-ms", 50, 60_000) : 500;
        int timeout = properties.containsKey(PREFIX + "probe.timeout-ms") ? r.intIn(PREFIX + "probe.timeout-ms", 50, 60_000) : 1_000;
        int downAfter = properties.containsKey(PREFIX + "down-after-ms") ? r.intIn(PREFIX + "down-after-ms", 100, 600_000) : 2_000;
        int upAfter = properties.containsKey(PREFIX + "up-after-successes") ? r.intIn(PREFIX + "up-after-successes", 1, 100) : 1;
        if (interval >= downAfter) {
            r.problem(PREFIX + "probe.interval-ms: " + interval + " is not below down-after-ms (" + downAfter
                    + "): a site would be down between two probes", null);
        }
        if (timeout > downAfter) {
            r.problem(PREFIX + "probe.timeout-ms: " + timeout + " is above down-after-ms (" + downAfter
                    + "): a slow probe would outlast the silence that takes a site down", null);
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String peer : list(r.raw(PREFIX + "peers"))) {
            try {
                InetSocketAddress a = peer(peer);
                if (a.getAddress().equals(listen) && a.getPort() == port) {
                    r.problem(PREFIX + "peers: '" + peer + "' is this server's own listen address and port", null);
                } else if (listen != null && a.getAddress().getClass() != listen.getClass()) {
                    r.problem(PREFIX + "peers: '" + peer + "' is not of the listen address's family; peers are pinged from "
                            + listen.getHostAddress(), null);
                } else if (peers.contains(a)) {
                    r.problem(PREFIX + "peers: '" + peer + "' is named twice", null);
                } else {
                    peers.add(a);
                }
            } catch (IllegalArgumentException e) {
                r.problem(PREFIX + "peers: " + e.getMessage(), null);
            }
        }
        r.check();
        return new SiteDnsConfig(zone, policy, sites, ttl, listen, port, empty.equals("servfail"), ns, nsAddresses, maxTcp, idle,
                new Health(statusUrls, Duration.ofMillis(interval), Duration.ofMillis(timeout), Duration.ofMillis(downAfter),
                        upAfter, peers));
    }

    /** A site's status page: an absolute http or https URL whose host is an address literal. */
    private static URI statusUrl(SettingsReader r, String key) {
        String text = r.raw(key);
        if (text.isEmpty()) {
            return r.problem(key + ": missing; the site router's status page, for example http://127.0.1.1:8080/qrs/site", null);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return r.problem(key + ": '" + text + "' is not a URL: " + e.getMessage(), null);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            return r.problem(key + ": '" + text + "' is not an http or https URL", null);
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return r.problem(key + ": '" + text + "' is not http://ADDRESS[:PORT]/PATH (no user, no fragment)", null);
        }
        try {
            Subnet.literal(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (IllegalArgumentException e) {
            return r.problem(key + ": '" + text + "' names host '" + host + "'; name the router by its address, not a name to resolve", null);
        }
        return uri;
    }

    /** {@code ADDRESS:PORT} or {@code [IPV6]:PORT}, the address a literal. */
    private static InetSocketAddress peer(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS:PORT (write an IPv6 address as [ADDRESS]:PORT)");
        }
        InetAddress address = Subnet.literal(host);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no whole-number port", e);
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port + ", not from 1 to 65535");
        }
        if (address.isAnyLocalAddress()) {
            throw new IllegalArgumentException("'" + text + "' is the wildcard address; name the peer's address");
        }
        return new InetSocketAddress(address, port);
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
