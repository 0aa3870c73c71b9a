package org.qoscluster.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.launcher.Sites;
import org.qoscluster.launcher.SitesConfig;
import org.qoscluster.launcher.internal.WanRelay;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Two sites on this machine sharing one database group, started as {@code up --site NAME} starts
 * them: site {@code a}'s router and DNS server on {@value #A}, site {@code b}'s on {@value #B},
 * the members and copies on 127.0.0.1, one node and one copy per site (a's the group's first
 * master, b's its replica). Everything one site does to the other goes through a {@link WanRelay}
 * (20 ms each way), as over a wide-area link: JDBC to the other site's copy, each DNS server's
 * pings of the other and its polls of both routers (policy {@code ordered}). Closing it stops
 * both sites and the relays.
 */
public final class TwoSites implements AutoCloseable {

    public static final String A = "127.0.31.1";
    public static final String B = "127.0.32.1";
    public static final String ZONE = "shop.example.test.";

    private final Path state;
    private final SitesConfig sites;
    private final List<WanRelay> relays;
    private final Map<String, Cluster> running = new HashMap<>();

    private TwoSites(Path state, SitesConfig sites, List<WanRelay> relays) {
        this.state = state;
        this.sites = sites;
        this.relays = relays;
    }

    /** Configures the two sites (with {@code extra} shared keys) and starts a, then b. */
    public static TwoSites start(Path state, Map<String, String> extra) throws IOException {
        List<WanRelay> relays = new ArrayList<>();
        TwoSites two;
        try {
            two = new TwoSites(state, SitesConfig.from(configure(extra, relays)), relays);
        } catch (IOException | RuntimeException e) {
            relays.forEach(WanRelay::close);
            throw e;
        }
        try {
            two.start("a");
            two.start("b");
        } catch (RuntimeException e) {
            two.close();
            throw e;
        }
        return two;
    }

    /**
     * The two sites' configuration ({@code qos.sites} and the rest, on free ports, with {@code
     * extra} shared keys), as a sites file holds it; the relays it starts go into {@code relays},
     * for the caller to close.
     */
    public static Map<String, String> configure(Map<String, String> extra, List<WanRelay> relays) throws IOException {
        Map<String, String> p = new HashMap<>();
        p.put(SitesConfig.SITES, "a,b");
        p.put("qos.site-dns.zone", ZONE);
        p.put("qos.site-dns.policy", "ordered");
        p.put(SitesConfig.DATABASE, "shared");
        // A 3 s health time-out: on two cores the agent's initial copy can stall a node past 1 s.
        p.put("qos.router.health.timeout-ms", "3000");
        p.putAll(extra);
        for (String[] site : new String[][] {{"a", A}, {"b", B}}) {
            String prefix = SitesConfig.SITE_PREFIX + site[0];
            String address = site[1];
            ClusterConfig free = TestRuntime.freePortConfig(1, 0);
            for (String key : List.of(ClusterConfig.ROUTER_HTTP_PORT, ClusterConfig.ROUTER_HAZELCAST_PORT, ClusterConfig.NODE_HTTP_PORTS,
                    ClusterConfig.NODE_HAZELCAST_PORTS, ClusterConfig.DB_MASTER_PORT, ClusterConfig.DB_REPLICA_PORTS,
                    ClusterConfig.NODE_DB_PROXY_PORTS)) {
                p.put(prefix + key.substring("qos".length()), free.properties().get(key));
            }
            p.put(prefix + ".cluster.name", free.clusterName() + "-" + site[0]);
            // The router and the DNS server on the site's own address, which DNS answers; the
            // members on 127.0.0.1 (Payara Micro's Hazelcast binds only an address an interface
            // has, and 127.0.31.1 is routed to lo, not assigned to it).
            p.put(prefix + ".hosts", "members=127.0.0.1,edge=" + address);
            p.put(prefix + ".place.router", "edge");
            int dnsPort = freeUdpAndTcpPort(address);
            p.put(prefix + ".dns.port", Integer.toString(dnsPort));
            p.put(prefix + ".dns.peer", relay(relays, new InetSocketAddress(address, dnsPort)));
            p.put(prefix + ".status-url", "http://" + relay(relays, new InetSocketAddress(address, free.router().httpPort()))
                    + "/qrs/site");
            p.put(prefix + ".wan.master", relay(relays, new InetSocketAddress("127.0.0.1", free.master().port())));
        }
        return p;
    }

    /** A relay to {@code target} on a loopback port of its own; its address as {@code host:port}. */
    private static String relay(List<WanRelay> relays, InetSocketAddress target) throws IOException {
        WanRelay r = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), target);
        relays.add(r);
        return "127.0.0.1:" + r.listenAddress().getPort();
    }

    /** Starts site {@code site} (again), as {@code up --site} does; returns how long it took. */
    public Duration start(String site) {
        long t0 = System.nanoTime();
        running.put(site, Sites.startSite(sites, site, TestRuntime.layout(), state, Duration.ofMinutes(5), List.of()));
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Stops every part of site {@code site} (after a kill: clears its records). */
    public void stop(String site) {
        Sites.stopSite(state, site);
    }

    public Cluster cluster(String site) {
        return running.get(site);
    }

    public SitesConfig config() {
        return sites;
    }

    public Path state() {
        return state;
    }

    /**
     * {@code kill -9} of every process of site {@code site} at once (all signalled before any is
     * waited for, as the site's death would take them), then again until none is alive (an agent
     * the supervisor started just before it died). How many processes it killed.
     */
    public int killSite(String site, Duration within) throws InterruptedException {
        Cluster c = running.get(site);
        List<PartStatus> parts = Cluster.status(Sites.siteDir(state, site));
        c.kill(parts.stream().filter(PartStatus::alive).map(PartStatus::name).toList());
        long deadline = System.nanoTime() + within.toNanos();
        List<PartStatus> alive = Cluster.status(Sites.siteDir(state, site)).stream().filter(PartStatus::alive).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            c.kill(alive.stream().map(PartStatus::name).toList());
            Thread.sleep(100);
            alive = Cluster.status(Sites.siteDir(state, site)).stream().filter(PartStatus::alive).toList();
        }
        if (!alive.isEmpty()) {
            throw new IllegalStateException("site " + site + " still has " + alive + " alive");
        }
        return parts.size();
    }

    /** A connection to site {@code site}'s copy, directly, not over the WAN. */
    public Connection connect(String site) throws SQLException {
        ClusterConfig c = sites.requireSite(site).cluster();
        return DriverManager.getConnection(c.jdbcUrl(c.master()), ClusterConfig.DB_USER, running.get("a").dbPassword());
    }

    /** The A records site {@code site}'s DNS server answers for the zone now, in order (dnsjava over UDP). */
    public List<String> answer(String site) throws IOException {
        SitesConfig.Site s = sites.requireSite(site);
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(s.dnsAddress(), s.dnsPort()));
        resolver.setTimeout(Duration.ofSeconds(1));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(ZONE), Type.A, DClass.IN)));
        return answer.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    /** Stops both sites and the relays; one line per part stopped, printed. */
    @Override
    public void close() {
        for (String site : List.of("a", "b")) {
            Sites.stopSite(state, site).forEach(line -> System.out.println("site " + site + ": " + line));
        }
        relays.forEach(WanRelay::close);
    }

    /** A port free for both TCP and UDP on {@code address}. */
    private static int freeUdpAndTcpPort(String address) throws IOException {
        for (int port : TestRuntime.freePorts(20)) {
            try (ServerSocket tcp = new ServerSocket(); DatagramSocket udp = new DatagramSocket(null)) {
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
