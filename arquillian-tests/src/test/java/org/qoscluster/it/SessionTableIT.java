package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.LauncherException;
import org.qoscluster.session.SessionTableSchema;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;

/**
 * Session records kept in the session table too (write-through: the row is written before the
 * response, so the test need not wait for a write delay): a signed-in shopper
 * with an order placed and a cart filled keeps both after every node of the site is killed with
 * {@code kill -9} at once (the whole Hazelcast cluster and everything in its memory gone; the router
 * runs on Jetty, a client of the cluster, not a member) and started again: the restarted nodes load
 * the record from the table. The row is on the master before the response that stored it, and
 * reaches the replica like any replicated row.
 */
@QosCluster(nodes = 2, replicas = 1, properties = "qos.session.table.mode=write-through")
class SessionTableIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Duration START = Duration.ofMinutes(3);

    @Test
    void shouldKeepTheShoppersCartAndOrdersWhenEveryNodeOfTheSiteIsKilledAndStartedAgain(Cluster cluster) throws Exception {
        StoreClient shopper = StoreClient.at(cluster.storeUri(), TIMEOUT);
        long customer = assertOk(shopper.post("api/customers", "{\"name\":\"Tess\",\"email\":\"tess@example.org\"}"))
                .path("id").asLong();
        assertOk(shopper.post("api/cart/items", "{\"productId\":11,\"quantity\":1}"));
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "tess-1"));
        assertEquals(201, placed.status(), placed::toString);
        long order = placed.json().path("id").asLong();
        assertOk(shopper.post("api/cart/items", "{\"productId\":42,\"quantity\":2}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":7,\"quantity\":3}"));
        Map<Long, Integer> cart = StoreClient.cartLines(assertOk(shopper.get("api/cart")));
        assertEquals(Map.of(42L, 2, 7L, 3), cart);

        String uid = shopper.cookie("QOSUID").orElseThrow().split("\\.")[0];
        long answered = Long.parseLong(shopper.cookie("QOSUID_V").orElseThrow().split("\\.")[0]);
        assertEquals(answered, version(cluster, "master", uid),
                "write-through: the version the shopper was answered with is on the master before the answer");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (version(cluster, "replica-1", uid) != answered) {
            assertTrue(System.nanoTime() < deadline, "the session row reaches the replica within 30 s");
            Thread.sleep(50);
        }

        for (String node : new String[] {"node-1", "node-2"}) {
            cluster.kill(node);
        }
        for (String node : new String[] {"node-1", "node-2"}) {
            restart(cluster, node);
        }

        StoreClient.Reply again = awaitServed(shopper, "api/cart");
        assertEquals(cart, StoreClient.cartLines(assertOk(again)), "the same cart, with the same cookies, after the whole cluster restarted");
        assertEquals(cart, StoreClient.cartLines(assertOk(shopper.at(cluster.nodeUri("node-2")).get("api/cart"))), "on either node");
        JsonNode history = assertOk(shopper.get("api/orders"));
        assertEquals(1, history.size(), history::toString);
        assertEquals(order, history.get(0).path("id").asLong(), "still signed in as the same customer: the order is in the history");
        assertEquals(customer, history.get(0).path("customerId").asLong());
        JsonNode more = assertOk(shopper.post("api/cart/items", "{\"productId\":8,\"quantity\":1}"));
        Map<Long, Integer> grown = new HashMap<>(cart);
        grown.put(8L, 1);
        assertEquals(grown, StoreClient.cartLines(more), "the session goes on from the loaded record");
        assertTrue(version(cluster, "master", uid) > answered, "and its next version is written to the table");
    }

    /** A node killed a moment ago is started again once its pid file says it is gone. */
    private static void restart(Cluster cluster, String node) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                cluster.restart(node, START);
                return;
            } catch (LauncherException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** The reply once the router serves {@code path} again (its nodes back in rotation), within 60 s. */
    private static StoreClient.Reply awaitServed(StoreClient shopper, String path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            StoreClient.Reply r = shopper.get(path);
            if (r.status() == 200 || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    /** The session row's version on {@code copy}, -1 without a row. */
    private static long version(Cluster cluster, String copy, String uid) throws SQLException {
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(copy), ClusterConfig.DB_USER, cluster.dbPassword());
             PreparedStatement s = c.prepareStatement("SELECT " + SessionTableSchema.VERSION + " FROM "
                     + SessionTableSchema.TABLE + " WHERE " + SessionTableSchema.UID + " = ?")) {
            s.setString(1, uid);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : -1;
            }
        }
    }

}
