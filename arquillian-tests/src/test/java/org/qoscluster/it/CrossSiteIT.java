package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
import org.qoscluster.replication.Dialect;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.TestRuntime;

/**
 * One database group across two sites on this machine ({@code qos.sites.database=shared}): site
 * a holds the master, site b one copy, a replica of it; each site one node, started as {@code up
 * --site NAME} starts them, the routers on loopback addresses of their own (127.0.31.1, 127.0.32.1),
 * the members and copies on 127.0.0.1. Every JDBC connection from one site to the other's copy
 * goes through a {@link WanRelay} (20 ms each way), as over a wide-area link: the heartbeats, the
 * master's agent shipping to b, b's write path relaying to a's master. A write at a reaches b's
 * copy; a write through b's node lands on a's master and b reads it back; after {@code kill -9}
 * of every process of site a, site b promotes its copy and takes writes; site a started again
 * follows b, its old master a replica of b's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossSiteIT {

    private static final String A = "127.0.31.1";
    private static final String B = "127.0.32.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** Generous; the times are printed, not asserted. */
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static Path state;
    private static SitesConfig sites;
    private static final List<WanRelay> RELAYS = new ArrayList<>();
    private static final Map<String, Cluster> RUNNING = new HashMap<>();
    private static String dbPassword;

    @RegisterExtension
    static final TestExecutionExceptionHandler LOGS_ON_FAILURE = (ExtensionContext context, Throwable failure) -> {
        RUNNING.values().forEach(c -> System.err.println(c.logTails(60)));
        throw failure;
    };

    @BeforeAll
    static void twoSitesOneGroup() throws IOException {
        state = TestRuntime.stateDir(CrossSiteIT.class);
        Map<String, String> p = new HashMap<>();
        p.put(SitesConfig.SITES, "a,b");
        p.put("qos.site-dns.zone", "shop.example.test.");
        p.put(SitesConfig.DATABASE, "shared");
        // A 3 s health time-out: on two cores the agent's initial copy can stall a node past 1 s.
        p.put("qos.router.health.timeout-ms", "3000");
        for (String[] site : new String[][] {{"a", A}, {"b", B}}) {
            String name = site[0];
            ClusterConfig free = TestRuntime.freePortConfig(1, 0);
            for (String key : List.of(ClusterConfig.ROUTER_HTTP_PORT, ClusterConfig.ROUTER_HAZELCAST_PORT, ClusterConfig.NODE_HTTP_PORTS,
                    ClusterConfig.NODE_HAZELCAST_PORTS, ClusterConfig.DB_MASTER_PORT, ClusterConfig.DB_REPLICA_PORTS,
                    ClusterConfig.NODE_DB_PROXY_PORTS)) {
                p.put(SitesConfig.SITE_PREFIX + name + key.substring("qos".length()), free.properties().get(key));
            }
            p.put(SitesConfig.SITE_PREFIX + name + ".cluster.name", free.clusterName() + "-" + name);
            p.put(SitesConfig.SITE_PREFIX + name + ".hosts", "members=127.0.0.1,edge=" + site[1]);
            p.put(SitesConfig.SITE_PREFIX + name + ".place.router", "edge");
            p.put(SitesConfig.SITE_PREFIX + name + ".dns.port", Integer.toString(TestRuntime.freePorts(1).get(0)));
            // The other site reaches this site's copy through a relay of its own: the WAN.
            WanRelay link = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress("127.0.0.1", free.master().port()));
            RELAYS.add(link);
            p.put(SitesConfig.SITE_PREFIX + name + ".wan.master", "127.0.0.1:" + link.listenAddress().getPort());
        }
        sites = SitesConfig.from(p);
        start("a");
        start("b");
        dbPassword = RUNNING.get("a").dbPassword();
        assertEquals(dbPassword, RUNNING.get("b").dbPassword(), "the sites share one database password");
    }

    private static void start(String site) {
        long t0 = System.nanoTime();
        RUNNING.put(site, Sites.startSite(sites, site, TestRuntime.layout(), state, Duration.ofMinutes(5), List.of()));
        System.out.printf("CrossSiteIT: site %s up in %d ms%n", site, Duration.ofNanos(System.nanoTime() - t0).toMillis());
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
    void shouldShipAWriteAtSiteAToSiteBsCopy() throws Exception {
        StoreClient atA = StoreClient.at(RUNNING.get("a").storeUri(), TIMEOUT);
        assertOk(atA.post("api/customers", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}"));
        assertEquals(1, customers("a", "ada@example.org"), "on site a's master");
        long t0 = System.nanoTime();
        awaitCustomer("b", "ada@example.org");
        System.out.printf("CrossSiteIT: a write at site a was on site b's copy %d ms after it was acknowledged%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertEquals(Optional.of(new Dialect.CopyEpoch(1, "a-master")), epoch("b"), "site b's copy is a replica of a-master, epoch 1");
        // Site b's node reads from its own copy (once site b's agent has published how far it is caught up).
        StoreClient atB = StoreClient.at(RUNNING.get("b").storeUri(), TIMEOUT);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        StoreClient.Reply read = atB.get("api/products?limit=5");
        while (System.nanoTime() < deadline && !(read.status() == 200 && read.readFrom().equals("b-master"))) {
            Thread.sleep(200);
            read = atB.get("api/products?limit=5");
        }
        assertEquals("b-master", read.readFrom(), "a read at site b: " + read);
    }

    @Test
    @Order(2)
    void shouldRelayAWriteThroughSiteBToTheMasterAtSiteA() throws Exception {
        StoreClient atB = StoreClient.at(RUNNING.get("b").storeUri(), TIMEOUT);
        long id = assertOk(atB.post("api/customers", "{\"name\":\"Bea\",\"email\":\"bea@example.org\"}")).path("id").asLong();
        assertEquals(1, customers("a", "bea@example.org"), "the write through site b is on the master at site a");
        assertEquals(id, assertOk(atB.get("api/customers/me")).path("id").asLong(), "site b reads it back");
        awaitCustomer("b", "bea@example.org");
    }

    @Test
    @Order(3)
    void shouldPromoteSiteBsCopyOnceEveryProcessOfSiteAIsKilled() throws Exception {
        List<PartStatus> parts = Cluster.status(Sites.siteDir(state, "a"));
        long t0 = System.nanoTime();
        // The agent's supervisor first: it would start the agent again.
        parts.stream().filter(p -> p.name().equals(Cluster.REPLICATION_SUPERVISOR)).forEach(p -> RUNNING.get("a").kill(p.name()));
        parts.stream().filter(p -> !p.name().equals(Cluster.REPLICATION_SUPERVISOR)).forEach(p -> RUNNING.get("a").kill(p.name()));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<PartStatus> alive = Cluster.status(Sites.siteDir(state, "a")).stream().filter(PartStatus::alive).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            alive.forEach(p -> RUNNING.get("a").kill(p.name())); // started by the supervisor just before it died
            Thread.sleep(100);
            alive = Cluster.status(Sites.siteDir(state, "a")).stream().filter(PartStatus::alive).toList();
        }
        assertEquals(List.of(), alive, "every process of site a killed");
        Optional<Dialect.CopyEpoch> seen = epoch("b");
        while (System.nanoTime() < deadline && !seen.equals(Optional.of(new Dialect.CopyEpoch(2, "b-master")))) {
            Thread.sleep(100);
            seen = epoch("b");
        }
        assertEquals(Optional.of(new Dialect.CopyEpoch(2, "b-master")), seen, "site b's copy promoted, epoch 2");
        long promoted = System.nanoTime();
        StoreClient atB = StoreClient.at(RUNNING.get("b").storeUri(), TIMEOUT);
        StoreClient.Reply written = null;
        while (System.nanoTime() < deadline) {
            written = atB.post("api/customers", "{\"name\":\"Cal\",\"email\":\"cal@example.org\"}");
            if (written.status() == 200) {
                break;
            }
            Thread.sleep(100);
        }
        assertOk(written);
        System.out.printf("CrossSiteIT: kill -9 of site a's %d processes: site b's copy promoted after %d ms, a write through"
                + " site b acknowledged after %d ms (bound: twice the lease, %d ms, after the last answer, plus the detection)%n",
                parts.size(), Duration.ofNanos(promoted - t0).toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                2 * SitesConfig.DEFAULT_MASTER_LEASE_MS);
        assertEquals(1, customers("b", "cal@example.org"));
        assertEquals(1, customers("b", "bea@example.org"), "what site a had shipped is on the new master");
    }

    @Test
    @Order(4)
    void shouldFollowSiteBOnceSiteAIsBack() throws Exception {
        Sites.stopSite(state, "a");
        start("a");
        long t0 = System.nanoTime();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Optional<Dialect.CopyEpoch> seen = epoch("a");
        while (System.nanoTime() < deadline && !seen.equals(Optional.of(new Dialect.CopyEpoch(2, "b-master")))) {
            Thread.sleep(200);
            seen = epoch("a");
        }
        assertEquals(Optional.of(new Dialect.CopyEpoch(2, "b-master")), seen, "site a's old master is a replica of b-master");
        System.out.printf("CrossSiteIT: site a's old master a replica of b-master %d ms after site a was up%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        awaitCustomer("a", "cal@example.org");
        StoreClient atA = StoreClient.at(RUNNING.get("a").storeUri(), TIMEOUT);
        StoreClient.Reply written = null;
        while (System.nanoTime() < deadline) {
            written = atA.post("api/customers", "{\"name\":\"Dee\",\"email\":\"dee@example.org\"}");
            if (written.status() == 200) {
                break;
            }
            Thread.sleep(200);
        }
        assertOk(written);
        assertEquals(1, customers("b", "dee@example.org"), "a write through site a lands on the master at site b");
    }

    /** The epoch site {@code site}'s copy records (empty: none, or it does not answer). */
    private static Optional<Dialect.CopyEpoch> epoch(String site) {
        try (Connection c = connect(site)) {
            return Dialect.derby().epoch(c);
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    private static long customers(String site, String email) throws SQLException {
        try (Connection c = connect(site); PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM CUSTOMER WHERE EMAIL = ?")) {
            s.setString(1, email);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static void awaitCustomer(String site, String email) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (customers(site, email) == 1) {
                    return;
                }
            } catch (SQLException e) {
                // not copied yet
            }
            Thread.sleep(100);
        }
        fail(email + " is not on site " + site + "'s copy within " + DEADLINE.toSeconds() + " s");
    }

    /** A connection to site {@code site}'s copy (its configured master), directly, not over the WAN. */
    private static Connection connect(String site) throws SQLException {
        ClusterConfig c = sites.requireSite(site).cluster();
        return DriverManager.getConnection(c.jdbcUrl(c.master()), ClusterConfig.DB_USER, dbPassword);
    }
}
