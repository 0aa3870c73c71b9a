package org.qoscluster.launcher;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.HostSpec;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.sitedns.SiteDnsConfig;

/**
 * The sites of a multi-site configuration: validated and immutable. Each site is a cluster of its
 * own (its router, nodes, database group, replication agent, its own Hazelcast cluster name and
 * member list) and a site DNS server that answers the application's name with the available
 * sites' routers.
 *
 * <p>Keys, in the one configuration file every site reads:
 * <ul>
 * <li>{@value #SITES}: the sites, in configured order (the DNS policy's order);</li>
 * <li>{@code qos.site.NAME.X=V}: {@code qos.X=V} for that site's cluster only (for example
 * {@code qos.site.east.host=127.0.1.1}, {@code qos.site.east.hosts=...}, {@code qos.site.east.place.router=...});
 * every other {@code qos.*} key is shared by all sites;</li>
 * <li>the site's DNS server: {@code qos.site.NAME.dns.address} (default: the router's address),
 * {@code qos.site.NAME.dns.port} (default {@value #DEFAULT_DNS_PORT}), {@code qos.site.NAME.dns.peer}
 * (where the other sites' DNS servers ping it, {@code ADDRESS:PORT}; default its own address and port),
 * {@code qos.site.NAME.addresses} (what DNS answers for the site; default the router's address),
 * {@code qos.site.NAME.status-url} (the router's status page as the other sites reach it; default
 * {@code http://ROUTER:PORT/qrs/site});</li>
 * <li>{@code qos.site-dns.*}: the settings every site's DNS server shares ({@code zone} required,
 * {@code policy}, {@code ttl-seconds}, probe timings ...); the sites, addresses, status pages, listen
 * address and peers are derived from the keys above and refused there.</li>
 * </ul>
 * A bad configuration fails with an {@link InvalidConfigException} naming every bad key.
 */
public final class SitesConfig {

    public static final String SITES = "qos.sites";
    /**
     * {@code shared} (the default): the application's database group spans the sites, its master
     * at one site and replicas at the others; {@code separate}: each site has a group of its own.
     */
    public static final String DATABASE = "qos.sites.database";
    /** How long the master's site keeps its write path without reaching another site (the promotion bound is twice that). */
    public static final String MASTER_LEASE = "qos.sites.master-lease-ms";
    public static final int DEFAULT_MASTER_LEASE_MS = 2000;
    public static final String SITE_PREFIX = "qos.site.";
    public static final int DEFAULT_DNS_PORT = 5353;
    private static final String DNS = SiteDnsConfig.PREFIX;
    private static final Pattern SITE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");
    /** The site keys that are the site's own, not a cluster key for it. */
    private static final Set<String> OWN_KEYS = Set.of("dns.address", "dns.port", "dns.peer", "addresses", "status-url");
    /** A site's own key prefix: where the other sites reach one of its copies, {@code wan.COPY=ADDRESS:PORT}. */
    private static final String WAN = "wan.";
    /** {@code qos.site-dns.*} keys every site's server shares. */
    private static final Set<String> SHARED_DNS_KEYS = Set.of("zone", "policy", "ttl-seconds", "empty-answer", "nameserver",
            "tcp.max-connections", "tcp.idle-timeout-ms", "probe.interval-ms", "probe.timeout-ms", "down-after-ms",
            "up-after-successes");
    private static final Pattern SUBNETS_KEY = Pattern.compile(Pattern.quote(DNS) + "site\\.([a-z0-9-]+)\\.subnets");

    /**
     * One site.
     *
     * @param name       its name ({@value #SITES})
     * @param cluster    its cluster's configuration
     * @param dnsAddress the address its DNS server listens on (UDP and TCP)
     * @param dnsPort    the port, both protocols
     * @param dnsPeer    where the other sites' DNS servers ping it, {@code ADDRESS:PORT} or {@code [IPv6]:PORT}
     * @param addresses  what DNS answers for the site (its router's addresses)
     * @param statusUrl  its router's status page, as the DNS servers poll it
     */
    public record Site(String name, ClusterConfig cluster, String dnsAddress, int dnsPort, String dnsPeer,
                       List<String> addresses, URI statusUrl) {

        public Site {
            addresses = List.copyOf(addresses);
        }

        /** {@code ADDRESS:PORT} of its DNS server, {@code [IPv6]:PORT} for IPv6. */
        public String dnsEndpoint() {
            return HostSpec.uriHost(dnsAddress) + ":" + dnsPort;
        }
    }

    private final List<Site> sites;
    private final Map<String, String> sharedDns;

    /** Whether the application's database group spans the sites ({@value #DATABASE}{@code =shared}). */
    public boolean sharedDatabase() {
        return sites.get(0).cluster().groupSite().isPresent();
    }

    private SitesConfig(List<Site> sites, Map<String, String> sharedDns) {
        this.sites = List.copyOf(sites);
        this.sharedDns = Collections.unmodifiableMap(new TreeMap<>(sharedDns));
    }

    /** Whether {@code properties} configure sites ({@value #SITES} given). */
    public static boolean isSites(Map<String, String> properties) {
        return properties.containsKey(SITES);
    }

    /**
     * Reads the sites from {@code properties} (a configuration file's {@code qos.*} keys and any
     * overrides; the shipped defaults fill the rest of each site's cluster).
     *
     * @throws InvalidConfigException naming every bad key
     */
    public static SitesConfig from(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String n : properties.getOrDefault(SITES, "").split(",")) {
            String name = n.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (!SITE_NAME.matcher(name).matches()) {
                problems.add(SITES + ": '" + name + "' is not a site name (lower-case letters, digits, '-'; at most 31)");
            } else if (names.contains(name)) {
                problems.add(SITES + ": '" + name + "' is named twice");
            } else {
                names.add(name);
            }
        }
        if (names.isEmpty() && problems.isEmpty()) {
            problems.add(SITES + ": missing or empty; name the sites, in order, separated by commas (for example east,west)");
        }
        Map<String, String> shared = new LinkedHashMap<>();
        Map<String, String> sharedDns = new LinkedHashMap<>();
        Map<String, Map<String, String>> perSite = new LinkedHashMap<>();
        names.forEach(n -> perSite.put(n, new LinkedHashMap<>()));
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("qos.") || key.equals(SITES) || key.equals(DATABASE) || key.equals(MASTER_LEASE)) {
                continue;
            }
            if (key.startsWith(SITES + ".")) {
                problems.add(key + ": unknown key (value '" + e.getValue() + "'); the sites' own keys are " + SITES + ", "
                        + DATABASE + " and " + MASTER_LEASE);
                continue;
            }
            if (key.startsWith("qos.shared-group.")) {
                problems.add(key + ": derived from the sites (value '" + e.getValue() + "'); set " + DATABASE + ", " + MASTER_LEASE
                        + " and " + SITE_PREFIX + "NAME.wan.COPY instead");
                continue;
            }
            if (key.startsWith(DNS)) {
                String rest = key.substring(DNS.length());
                var subnets = SUBNETS_KEY.matcher(key);
                if (SHARED_DNS_KEYS.contains(rest)) {
                    sharedDns.put(key, e.getValue());
                } else if (subnets.matches() && names.contains(subnets.group(1))) {
                    sharedDns.put(key, e.getValue());
                } else if (rest.equals("sites") || rest.startsWith("site.") || rest.startsWith("listen.") || rest.equals("peers")
                        || rest.startsWith("nameserver.addresses")) {
                    problems.add(key + ": derived from the sites (value '" + e.getValue() + "'); set " + SITES + " and "
                            + SITE_PREFIX + "NAME.dns.address|dns.port|dns.peer|addresses|status-url instead");
                } else {
                    problems.add(key + ": unknown key (value '" + e.getValue() + "'); the shared site DNS keys are "
                            + DNS + "{" + String.join(",", new java.util.TreeSet<>(SHARED_DNS_KEYS)) + "} and "
                            + DNS + "site.NAME.subnets");
                }
                continue;
            }
            if (key.startsWith(SITE_PREFIX)) {
                String rest = key.substring(SITE_PREFIX.length());
                int dot = rest.indexOf('.');
                String site = dot < 0 ? rest : rest.substring(0, dot);
                if (dot < 0 || !perSite.containsKey(site)) {
                    problems.add(key + ": '" + site + "' is not a site of " + SITES + " (value '" + e.getValue() + "')");
                    continue;
                }
                String sub = rest.substring(dot + 1);
                if (sub.startsWith("site.") || sub.startsWith("site-dns.") || sub.equals("sites") || sub.startsWith("sites.")
                        || sub.startsWith("secret.") || sub.startsWith("shared-group.")) {
                    problems.add(key + ": not a key a site can set (value '" + e.getValue() + "')");
                    continue;
                }
                perSite.get(site).put(sub, e.getValue());
                continue;
            }
            shared.put(key, e.getValue());
        }
        if (!sharedDns.containsKey(DNS + "zone")) {
            problems.add(DNS + "zone: missing; the application's domain name, for example shop.example.test.");
        }
        List<Site> sites = new ArrayList<>();
        for (String name : names) {
            Site site = site(name, shared, perSite.get(name), problems);
            if (site != null) {
                sites.add(site);
            }
        }
        String database = properties.getOrDefault(DATABASE, "shared").strip();
        if (!database.equals("shared") && !database.equals("separate")) {
            problems.add(DATABASE + ": '" + database + "' is not shared or separate");
        }
        int lease = DEFAULT_MASTER_LEASE_MS;
        if (properties.containsKey(MASTER_LEASE)) {
            try {
                lease = Integer.parseInt(properties.get(MASTER_LEASE).strip());
                if (lease < 100 || lease > 600_000) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.add(MASTER_LEASE + ": '" + properties.get(MASTER_LEASE) + "' is not a whole number of ms from 100 to 600000");
            }
        }
        if (problems.isEmpty()) {
            checkDistinct(sites, problems);
        }
        if (problems.isEmpty() && database.equals("shared")) {
            sites = org.qoscluster.launcher.internal.SharedGroup.derive(sites, perSite, lease, problems);
        } else if (problems.isEmpty()) {
            perSite.forEach((name, own) -> own.keySet().stream().filter(k -> k.startsWith(WAN)).forEach(k -> problems.add(SITE_PREFIX
                    + name + "." + k + ": the sites' database groups are separate (" + DATABASE + "=separate): no copy is reached across sites")));
        }
        if (problems.isEmpty()) {
            for (Site s : sites) {
                try {
                    SiteDnsConfig.read(dnsProperties(s, sites, sharedDns));
                } catch (InvalidConfigException e) {
                    e.problems().forEach(p -> problems.add("site " + s.name() + "'s DNS server: " + p));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new SitesConfig(sites, sharedDns);
    }

    private static Site site(String name, Map<String, String> shared, Map<String, String> own, List<String> problems) {
        String prefix = SITE_PREFIX + name + ".";
        Map<String, String> cluster = new LinkedHashMap<>(shared);
        own.forEach((k, v) -> {
            if (!OWN_KEYS.contains(k) && !k.startsWith(WAN)) {
                cluster.put("qos." + k, v);
            }
        });
        if (!own.containsKey("cluster.name")) {
            cluster.put(ClusterConfig.CLUSTER_NAME, shared.getOrDefault(ClusterConfig.CLUSTER_NAME,
                    ClusterConfig.defaults().clusterName()) + "-" + name);
        }
        ClusterConfig config;
        try {
            config = ClusterConfig.from(cluster);
        } catch (InvalidConfigException e) {
            for (String p : e.problems()) {
                // A key a site set is named as the site's key; a shared one as it is.
                int colon = p.indexOf(':');
                String key = colon < 0 ? "" : p.substring(0, colon);
                problems.add(key.startsWith("qos.") && own.containsKey(key.substring(4))
                        ? prefix + key.substring(4) + p.substring(colon) : "site " + name + ": " + p);
            }
            return null;
        }
        String router = config.address(config.router().name());
        String dnsAddress = own.getOrDefault("dns.address", router).strip();
        int dnsPort = DEFAULT_DNS_PORT;
        if (own.containsKey("dns.port")) {
            try {
                dnsPort = Integer.parseInt(own.get("dns.port").strip());
                if (dnsPort < 1 || dnsPort > 65_535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.add(prefix + "dns.port: '" + own.get("dns.port") + "' is not a port number (1-65535)");
                return null;
            }
        }
        try {
            InetAddress a = org.qoscluster.sitedns.Subnet.literal(dnsAddress);
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                problems.add(prefix + "dns.address: '" + dnsAddress + "' is not one address to listen on");
                return null;
            }
        } catch (IllegalArgumentException e) {
            problems.add(prefix + "dns.address: '" + dnsAddress + "' is not an IP address literal");
            return null;
        }
        String endpoint = HostSpec.uriHost(dnsAddress) + ":" + dnsPort;
        String peer = own.getOrDefault("dns.peer", endpoint).strip();
        List<String> addresses = new ArrayList<>();
        for (String a : own.getOrDefault("addresses", router).split(",")) {
            if (!a.isBlank()) {
                addresses.add(a.strip());
            }
        }
        String routerUriHost = HostSpec.uriHost(router);
        URI status;
        try {
            status = URI.create(own.getOrDefault("status-url", "http://" + routerUriHost + ":" + config.router().httpPort()
                    + "/qrs/site").strip());
        } catch (IllegalArgumentException e) {
            problems.add(prefix + "status-url: '" + own.get("status-url") + "' is not a URL: " + e.getMessage());
            return null;
        }
        return new Site(name, config, dnsAddress, dnsPort, peer, addresses, status);
    }

    /** Two sites never share a Hazelcast cluster name, nor an address and port. */
    private static void checkDistinct(List<Site> sites, List<String> problems) {
        Map<String, String> clusterNames = new LinkedHashMap<>();
        Map<String, String> endpoints = new LinkedHashMap<>();
        for (Site s : sites) {
            String other = clusterNames.putIfAbsent(s.cluster().clusterName(), s.name());
            if (other != null) {
                problems.add(SITE_PREFIX + s.name() + ".cluster.name: '" + s.cluster().clusterName() + "' is site " + other
                        + "'s cluster name too; sites never share a Hazelcast cluster");
            }
            for (Map.Entry<String, String> use : endpoints(s).entrySet()) {
                String before = endpoints.putIfAbsent(use.getKey(), s.name() + " " + use.getValue());
                if (before != null && !before.startsWith(s.name() + " ")) {
                    problems.add("site " + s.name() + ": " + use.getValue() + " listens on " + use.getKey() + ", as site "
                            + before + " does; give the sites addresses of their own (" + SITE_PREFIX + s.name()
                            + ".host) or other ports");
                }
            }
        }
    }

    /** Every address and port a site's parts listen on, with what listens there. */
    private static Map<String, String> endpoints(Site s) {
        ClusterConfig c = s.cluster();
        Map<String, String> out = new LinkedHashMap<>();
        for (DatabaseSpec db : c.databases()) {
            out.put(c.address(db.name()) + ":" + db.port(), "Derby " + db.name());
        }
        for (GroupSpec g : c.furtherGroups()) {
            for (DatabaseSpec db : g.copies()) {
                out.put(c.address(db.name()) + ":" + db.port(), "Derby " + db.name());
            }
        }
        for (MemberSpec m : c.members()) {
            out.put(c.address(m.name()) + ":" + m.httpPort(), m.name() + " HTTP");
            out.put(c.address(m.name()) + ":" + m.hazelcastPort(), m.name() + " Hazelcast");
            if (m.dbProxyPort() > 0) {
                out.put(c.address(m.name()) + ":" + m.dbProxyPort(), m.name() + " write-path proxy");
            }
        }
        out.put(s.dnsAddress() + ":" + s.dnsPort(), "the site DNS server");
        return out;
    }

    /** The sites, in configured order. */
    public List<Site> sites() {
        return sites;
    }

    /** The site named {@code name}, if any. */
    public Optional<Site> site(String name) {
        return sites.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The site named {@code name}; an {@link IllegalArgumentException} naming the sites when there is none. */
    public Site requireSite(String name) {
        return site(name).orElseThrow(() -> new IllegalArgumentException("--site: '" + name + "' is not a site of " + SITES
                + " (sites: " + String.join(", ", sites.stream().map(Site::name).toList()) + ")"));
    }

    /** The {@code qos.site-dns.*} properties of {@code site}'s DNS server ({@link SiteDnsConfig}). */
    public Map<String, String> dnsProperties(Site site) {
        return dnsProperties(site, sites, sharedDns);
    }

    private static Map<String, String> dnsProperties(Site site, List<Site> sites, Map<String, String> sharedDns) {
        Map<String, String> p = new TreeMap<>(sharedDns);
        p.put(DNS + "sites", String.join(",", sites.stream().map(Site::name).toList()));
        for (Site s : sites) {
            p.put(DNS + "site." + s.name() + ".addresses", String.join(",", s.addresses()));
            p.put(DNS + "site." + s.name() + ".status-url", s.statusUrl().toString());
        }
        p.put(DNS + "listen.address", site.dnsAddress());
        p.put(DNS + "listen.port", Integer.toString(site.dnsPort()));
        p.put(DNS + "peers", String.join(",", sites.stream().filter(s -> !s.name().equals(site.name())).map(Site::dnsPeer).toList()));
        return p;
    }
}
