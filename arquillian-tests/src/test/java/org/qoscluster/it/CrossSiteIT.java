package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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
import org.qoscluster.launcher.Sites;
import org.qoscluster.launcher.SitesConfig;
import org.qoscluster.launcher.internal.WanRelay;
import org.qoscluster.replication.Dialect;
import org.qoscluster.session.SessionTableSchema;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.TestRuntime;
import org.qoscluster.testing.TwoSites;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One database group across two sites on this machine ({@link TwoSites}: site a holds the
 * master, site b one copy, a replica of it; each site one node; everything between the sites
 * through {@link WanRelay}s, 20 ms each way). {@code dig} at both sites' DNS servers answers both
 * routers in policy order; a write at a reaches b's copy; a write through b's node lands on a's
 * master and b reads it back; a shopper of site a has their session row and order on b's copy;
 * after {@code kill -9} of every process of site a, {@code dig} at b answers b only, the shopper
 * at site b has the same cart and history and checks out, and site b's copy is promoted and takes
 * writes; site a started again follows b, its old master a replica of b's, and both DNS servers
 * answer both sites again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossSiteIT {

    private static final String A = TwoSites.A;
    private static final String B = TwoSites.B;
    private static final String ZONE = TwoSites.ZONE;
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** Generous; the times are printed, not asserted. */
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static TwoSites sites;
    /** The shopper of site a, their order placed there and their cart, as site a last answered them. */
    private static StoreClient shopper;
    private static long shopperOrder;
    private static Map<Long, Integer> shopperCart;

    @RegisterExtension
    static final TestExecutionExceptionHandler LOGS_ON_FAILURE = (ExtensionContext context, Throwable failure) -> {
        if (sites != null) {
            for (String site : List.of("a", "b")) {
                if (sites.cluster(site) != null) {
                    System.err.println(sites.cluster(site).logTails(60));
                }
            }
        }
        throw failure;
    };

    @BeforeAll
    static void twoSitesOneGroup() throws IOException {
        sites = TwoSites.start(TestRuntime.stateDir(CrossSiteIT.class), Map.of());
        assertEquals(sites.cluster("a").dbPassword(), sites.cluster("b").dbPassword(), "the sites share one database password");
    }

    @AfterAll
    static void stopEverything() {
        if (sites != null) {
            sites.close();
        }
    }

    @Test
    @Order(0)
    void shouldAnswerBothSitesRoutersInPolicyOrderFromEachSitesDnsServer() throws Exception {
        awaitDig("a", List.of(A, B));
        awaitDig("b", List.of(A, B));
        assertTrue(Sites.status(sites.state()).get("a").stream().anyMatch(part -> part.name().equals(Sites.DNS_PART) && part.alive()));
    }

    @Test
    @Order(1)
    void shouldShipAWriteAtSiteAToSiteBsCopy() throws Exception {
        StoreClient atA = StoreClient.at(sites.cluster("a").storeUri(), TIMEOUT);
        assertOk(atA.post("api/customers", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}"));
        assertEquals(1, customers("a", "ada@example.org"), "on site a's master");
        long t0 = System.nanoTime();
        awaitCustomer("b", "ada@example.org");
        System.out.printf("CrossSiteIT: a write at site a was on site b's copy %d ms after it was acknowledged%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertEquals(Optional.of(new Dialect.CopyEpoch(1, "a-master")), epoch("b"), "site b's copy is a replica of a-master, epoch 1");
        // Site b's node reads from its own copy (once site b's agent has published how far it is caught up).
        StoreClient atB = StoreClient.at(sites.cluster("b").storeUri(), TIMEOUT);
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
        StoreClient atB = StoreClient.at(sites.cluster("b").storeUri(), TIMEOUT);
        long id = assertOk(atB.post("api/customers", "{\"name\":\"Bea\",\"email\":\"bea@example.org\"}")).path("id").asLong();
        assertEquals(1, customers("a", "bea@example.org"), "the write through site b is on the master at site a");
        assertEquals(id, assertOk(atB.get("api/customers/me")).path("id").asLong(), "site b reads it back");
        awaitCustomer("b", "bea@example.org");
    }

    @Test
    @Order(3)
    void shouldHaveAShoppersSessionAndOrderOfSiteAOnSiteBsCopy() throws Exception {
        shopper = StoreClient.at(sites.cluster("a").storeUri(), TIMEOUT);
        assertOk(shopper.post("api/customers", "{\"name\":\"Sam\",\"email\":\"sam@example.org\"}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":11,\"quantity\":1}"));
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "sam-1"));
        assertEquals(201, placed.status(), placed::toString);
        shopperOrder = placed.json().path("id").asLong();
        assertOk(shopper.post("api/cart/items", "{\"productId\":42,\"quantity\":2}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":7,\"quantity\":3}"));
        shopperCart = StoreClient.cartLines(assertOk(shopper.get("api/cart")));
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
        long t0 = System.nanoTime();
        long deadline = t0 + 2 * DEADLINE.toNanos();
        int killed = sites.killSite("a", DEADLINE);
        awaitDig("b", List.of(B));
        long dns = System.nanoTime();
        // The shopper, sent by DNS to site b, has the same identity, cart and history, and checks out.
        StoreClient moved = shopper.movedTo(sites.cluster("b").storeUri(), TIMEOUT);
        StoreClient.Reply cart = StoreClient.await(() -> moved.get("api/cart"), 200, DEADLINE);
        assertEquals(shopperCart, StoreClient.cartLines(cart.json()), "the same cart at site b: " + cart);
        JsonNode history = assertOk(moved.get("api/orders"));
        assertEquals(1, history.size(), history::toString);
        assertEquals(shopperOrder, history.get(0).path("id").asLong(), "signed in as the same customer: the order placed at site a");
        StoreClient.Reply checkout = StoreClient.await(() -> moved.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "sam-2")),
                201, DEADLINE);
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
        StoreClient atB = StoreClient.at(sites.cluster("b").storeUri(), TIMEOUT);
        StoreClient.await(() -> atB.post("api/customers", "{\"name\":\"Cal\",\"email\":\"cal@example.org\"}"), 200, DEADLINE);
        System.out.printf("CrossSiteIT: kill -9 of site a's %d processes: site b's copy promoted after %d ms, a write through"
                + " site b acknowledged after %d ms (bound: twice the lease, %d ms, after the last answer, plus the detection)%n",
                killed, Duration.ofNanos(promoted - t0).toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                2 * SitesConfig.DEFAULT_MASTER_LEASE_MS);
        assertEquals(1, customers("b", "cal@example.org"));
        assertEquals(1, customers("b", "bea@example.org"), "what site a had shipped is on the new master");
    }

    @Test
    @Order(5)
    void shouldFollowSiteBOnceSiteAIsBack() throws Exception {
        sites.stop("a");
        System.out.printf("CrossSiteIT: site a up again in %d ms%n", sites.start("a").toMillis());
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
        StoreClient atA = StoreClient.at(sites.cluster("a").storeUri(), TIMEOUT);
        StoreClient.await(() -> atA.post("api/customers", "{\"name\":\"Dee\",\"email\":\"dee@example.org\"}"), 200, DEADLINE);
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

    private static Connection connect(String site) throws SQLException {
        return sites.connect(site);
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



    /**
     * Asks site {@code site}'s DNS server for the zone's A records with BIND's {@code dig}, as a
     * user would, until it answers {@code expected} in that order; fails with dig's last output.
     */
    private static void awaitDig(String site, List<String> expected) throws Exception {
        SitesConfig.Site s = sites.config().requireSite(site);
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
        fail("dig at site " + site + "'s DNS server: expected " + expected + " within " + DEADLINE.toSeconds() + " s, last: " + out
                + "; " + siteAnswers() + "; site " + site + "'s DNS server logged: "
                + org.qoscluster.launcher.internal.PartProcess.tail(org.qoscluster.launcher.internal.PartProcess.logFile(
                        Sites.siteDir(sites.state(), site), Sites.DNS_PART), 8).replace('\n', '|'));
    }

    /** What each running site's router answers on {@code /qrs/site} now (asked directly, not through a relay), on one line. */
    private static String siteAnswers() {
        StringBuilder out = new StringBuilder();
        for (String site : List.of("a", "b")) {
            if (sites.cluster(site) == null) {
                continue;
            }
            try {
                StoreClient.Reply r = StoreClient.at(sites.cluster(site).storeUri(), TIMEOUT).get("qrs/site");
                out.append("site ").append(site).append("'s router answers ").append(r.status()).append(' ')
                        .append(r.body().replaceAll("\\s+", " ")).append("; ");
            } catch (IllegalStateException e) {
                out.append("site ").append(site).append("'s router: ").append(e.getMessage()).append("; ");
            }
        }
        return out.toString();
    }
}
