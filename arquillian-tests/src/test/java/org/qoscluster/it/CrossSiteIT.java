package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import org.qoscluster.session.SessionTableSchema;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.TestRuntime;

import com.fasterxml.jackson.databind.JsonNode;

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
    private static final String ZONE = "shop.example.test.";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** Generous; the times are printed, not asserted. */
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static Path state;
    private static SitesConfig sites;
    private static final List<WanRelay> RELAYS = new ArrayList<>();
    private static final Map<String, Cluster> RUNNING = new HashMap<>();
    private static String dbPassword;
    /** The shopper of site a, their order placed there and their cart, as site a last answered them. */
    private static StoreClient shopper;
    private static long shopperOrder;
    private static Map<Long, Integer> shopperCart;

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
        p.put("qos.site-dns.zone", ZONE);
        p.put("qos.site-dns.policy", "ordered");
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
            int dnsPort = freeUdpAndTcpPort(site[1]);
            p.put(SitesConfig.SITE_PREFIX + name + ".dns.port", Integer.toString(dnsPort));
            // The other site's DNS server pings this one, and every DNS server polls this site's
            // router, through relays of their own: the WAN.
            WanRelay dnsLink = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(site[1], dnsPort));
            WanRelay routerLink = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(site[1], free.router().httpPort()));
            RELAYS.add(dnsLink);
            RELAYS.add(routerLink);
            p.put(SitesConfig.SITE_PREFIX + name + ".dns.peer", "127.0.0.1:" + dnsLink.listenAddress().getPort());
            p.put(SitesConfig.SITE_PREFIX + name + ".status-url", "http://127.0.0.1:" + routerLink.listenAddress().getPort()
                    + "/qrs/site");
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

    @Test
    @Order(0)
    void shouldAnswerBothSitesRoutersInPolicyOrderFromEachSitesDnsServer() throws Exception {
        awaitDig("a", List.of(A, B));
        awaitDig("b", List.of(A, B));
        assertTrue(Sites.status(state).get("a").stream().anyMatch(part -> part.name().equals(Sites.DNS_PART) && part.alive()));
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
    void shouldHaveAShoppersSessionAndOrderOfSiteAOnSiteBsCopy() throws Exception {
        shopper = StoreClient.at(RUNNING.get("a").storeUri(), TIMEOUT);
        assertOk(shopper.post("api/customers", "{\"name\":\"Sam\",\"email\":\"sam@example.org\"}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":11,\"quantity\":1}"));
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "sam-1"));
        assertEquals(201, placed.status(), placed::toString);
        shopperOrder = placed.json().path("id").asLong();
        assertOk(shopper.post("api/cart/items", "{\"productId\":42,\"quantity\":2}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":7,\"quantity\":3}"));
        shopperCart = lines(assertOk(shopper.get("api/cart")));
        assertEquals(Map.of(42L, 2, 7L, 3), shopperCart);
        // The session record reaches site b's copy as the table's row (written behind, then
        // replicated over the WAN); the test waits for it: what a site's death loses of the last
        // moment's changes is the session-loss benchmark's to measure.
        String uid = shopper.cookie("QOSUID").orElseThrow().split("\\.")[0];
        long answered = Long.parseLong(shopper.cookie("QOSUID_V").orElseThrow().split("\\.")[0]);
        long t0 = System.nanoTime();
        long deadline = t0 + DEADLINE.toNanos();
        while (sessionVersion("b", uid) != answered) {
            assertTrue(System.nanoTime() < deadline, "the shopper's session row, version " + answered + ", on site b's copy");
            Thread.sleep(100);
        }
        System.out.printf("CrossSiteIT: the shopper's session row was on site b's copy %d ms after site a answered%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        awaitRows("b", "SELECT COUNT(*) FROM CUSTOMER_ORDER WHERE ID = " + shopperOrder, "the order on site b's copy");
    }

    @Test
    @Order(4)
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
        awaitDig("b", List.of(B));
        long dns = System.nanoTime();
        // The shopper, sent by DNS to site b, has the same identity, cart and history, and checks out.
        StoreClient moved = shopper.movedTo(RUNNING.get("b").storeUri(), TIMEOUT);
        StoreClient.Reply cart = awaitStatus(() -> moved.get("api/cart"), 200);
        assertEquals(shopperCart, lines(cart.json()), "the same cart at site b: " + cart);
        JsonNode history = assertOk(moved.get("api/orders"));
        assertEquals(1, history.size(), history::toString);
        assertEquals(shopperOrder, history.get(0).path("id").asLong(), "signed in as the same customer: the order placed at site a");
        StoreClient.Reply checkout = awaitStatus(() -> moved.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "sam-2")),
                201);
        long checkedOut = System.nanoTime();
        assertEquals(2, assertOk(moved.get("api/orders")).size(), "both orders in the history: " + checkout);
        System.out.printf("CrossSiteIT: kill -9 of site a: site b's DNS server answered b only after %d ms; the shopper's first"
                + " checkout at site b succeeded after %d ms%n", Duration.ofNanos(dns - t0).toMillis(),
                Duration.ofNanos(checkedOut - t0).toMillis());
        Optional<Dialect.CopyEpoch> seen = epoch("b");
        while (System.nanoTime() < deadline && !seen.equals(Optional.of(new Dialect.CopyEpoch(2, "b-master")))) {
            Thread.sleep(100);
            seen = epoch("b");
        }
        assertEquals(Optional.of(new Dialect.CopyEpoch(2, "b-master")), seen, "site b's copy promoted, epoch 2");
        long promoted = System.nanoTime();
        StoreClient atB = StoreClient.at(RUNNING.get("b").storeUri(), TIMEOUT);
        awaitStatus(() -> atB.post("api/customers", "{\"name\":\"Cal\",\"email\":\"cal@example.org\"}"), 200);
        System.out.printf("CrossSiteIT: kill -9 of site a's %d processes: site b's copy promoted after %d ms, a write through"
                + " site b acknowledged after %d ms (bound: twice the lease, %d ms, after the last answer, plus the detection)%n",
                parts.size(), Duration.ofNanos(promoted - t0).toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                2 * SitesConfig.DEFAULT_MASTER_LEASE_MS);
        assertEquals(1, customers("b", "cal@example.org"));
        assertEquals(1, customers("b", "bea@example.org"), "what site a had shipped is on the new master");
    }

    @Test
    @Order(5)
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
        awaitStatus(() -> atA.post("api/customers", "{\"name\":\"Dee\",\"email\":\"dee@example.org\"}"), 200);
        assertEquals(1, customers("b", "dee@example.org"), "a write through site a lands on the master at site b");
        awaitDig("b", List.of(A, B));
        awaitDig("a", List.of(A, B));
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

    /** The session row's version on site {@code site}'s copy, -1 without a row (or no answer). */
    private static long sessionVersion(String site, String uid) {
        try (Connection c = connect(site); PreparedStatement s = c.prepareStatement("SELECT " + SessionTableSchema.VERSION + " FROM "
                + SessionTableSchema.TABLE + " WHERE " + SessionTableSchema.UID + " = ?")) {
            s.setString(1, uid);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : -1;
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    private static void awaitRows(String site, String countQuery, String what) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = connect(site); PreparedStatement s = c.prepareStatement(countQuery); ResultSet r = s.executeQuery()) {
                if (r.next() && r.getLong(1) > 0) {
                    return;
                }
            } catch (SQLException e) {
                // not copied yet
            }
            Thread.sleep(100);
        }
        fail(what + ": not within " + DEADLINE.toSeconds() + " s");
    }

    /** The reply once {@code request} is answered with {@code status} (the site may be changing masters), within the deadline. */
    private static StoreClient.Reply awaitStatus(java.util.function.Supplier<StoreClient.Reply> request, int status)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        StoreClient.Reply r = request.get();
        while (r.status() != status && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = request.get();
        }
        assertEquals(status, r.status(), r::toString);
        return r;
    }

    private static Map<Long, Integer> lines(JsonNode cart) {
        Map<Long, Integer> lines = new HashMap<>();
        cart.path("lines").forEach(l -> lines.put(l.path("productId").asLong(), l.path("quantity").asInt()));
        return lines;
    }

    /**
     * Asks site {@code site}'s DNS server for the zone's A records with BIND's {@code dig}, as a
     * user would, until it answers {@code expected} in that order; fails with dig's last output.
     */
    private static void awaitDig(String site, List<String> expected) throws Exception {
        SitesConfig.Site s = sites.requireSite(site);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String out = "";
        while (System.nanoTime() < deadline) {
            Process dig = new ProcessBuilder("dig", "+short", "+time=1", "+tries=1", "@" + s.dnsAddress(), "-p",
                    String.valueOf(s.dnsPort()), ZONE, "A").redirectErrorStream(true).start();
            assertTrue(dig.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "dig did not end");
            out = new String(dig.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (dig.exitValue() == 0 && List.of(out.split("\\s+")).equals(expected)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("dig at site " + site + "'s DNS server: expected " + expected + " within " + DEADLINE.toSeconds() + " s, last: " + out);
    }

    /** A port free for both TCP and UDP on {@code address}. */
    private static int freeUdpAndTcpPort(String address) throws IOException {
        for (int port : TestRuntime.freePorts(20)) {
            try (java.net.ServerSocket tcp = new java.net.ServerSocket(); java.net.DatagramSocket udp = new java.net.DatagramSocket(null)) {
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
