package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.net.InetAddress;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.management.BadAttributeValueExpException;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.LauncherException;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.session.SessionTableSchema;
import org.qoscluster.testing.ListeningSockets;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;

/**
 * What a running cluster exposes: every part listens only on the address it is configured with;
 * its data grid admits only processes that know the cluster's secret name, and its members
 * deserialize only the classes the project stores; its databases answer only the cluster's user
 * with its generated password; its state directory is its owner's alone.
 *
 * <p>Last, on the same cluster, session records kept in the session table too (write-through: the
 * row is written before the response, so the test need not wait for a write delay): a signed-in
 * shopper with an order placed and a cart filled keeps both after every node of the site is
 * killed with {@code kill -9} at once (the whole Hazelcast cluster and everything in its memory
 * gone; the router runs on Jetty, a client of the cluster, not a member) and started again: the
 * restarted nodes load the record from the table. The row is on the master before the response
 * that stored it, and reaches the replica like any replicated row.
 */
// One cluster for both: what it exposes does not depend on where session records are kept, and
// the session table's test, which kills every node, runs last.
@QosCluster(nodes = 2, replicas = 1, properties = "qos.session.table.mode=write-through")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterExposureIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Duration START = Duration.ofMinutes(3);

    @Test
    @Order(1)
    void shouldListenOnlyOnTheConfiguredAddress(Cluster cluster) throws Exception {
        ClusterConfig config = cluster.config();
        InetAddress host = InetAddress.getByName(config.host());
        List<ListeningSockets.Listener> all = new ArrayList<>();
        List<PartStatus> parts = cluster.status();
        assertTrue(parts.stream().anyMatch(p -> p.name().equals(Cluster.REPLICATION_AGENT)), parts.toString());
        for (PartStatus part : parts) {
            assertTrue(part.alive(), part.name() + " runs");
            all.addAll(ListeningSockets.of(part.pid()));
        }
        List<String> elsewhere = all.stream().filter(l -> !l.address().getAddress().equals(host)).map(Object::toString).toList();
        assertEquals(List.of(), elsewhere, "sockets listening elsewhere than " + config.host() + "; all: " + all);

        // The check above must have seen every configured port, or it proves nothing.
        Set<Integer> expected = new TreeSet<>();
        for (MemberSpec m : config.members()) {
            expected.add(m.httpPort());
        }
        // The data grid's members: the nodes (the router is one only when it runs on Payara Micro).
        config.nodes().forEach(n -> expected.add(n.hazelcastPort()));
        config.nodes().forEach(n -> expected.add(n.dbProxyPort()));
        config.databases().stream().map(DatabaseSpec::port).forEach(expected::add);
        Set<Integer> seen = new TreeSet<>();
        all.forEach(l -> seen.add(l.address().getPort()));
        assertTrue(seen.containsAll(expected), "listening on " + seen + ", configured " + expected);
    }

    @Test
    @Order(2)
    void shouldRefuseAClientThatDoesNotKnowTheSecretClusterName(Cluster cluster) {
        ClusterConfig config = cluster.config();
        String sessions = config.properties().get("qos.session.map");
        for (String guess : List.of(config.clusterName(), "dev")) {
            // The member refuses the name at once; the client retries for 2 s before it gives up.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> client(cluster, guess, 2_000).shutdown(),
                    "a client calling itself '" + guess + "' connects");
            assertTrue(e.getMessage().contains("Unable to connect"), e.getMessage());
        }
        HazelcastInstance knowing = client(cluster, cluster.hazelcastClusterName());
        try {
            assertDoesNotThrow(() -> knowing.getMap(sessions).size(), "the same client, with the secret, reads the session map");
        } finally {
            knowing.shutdown();
        }
    }

    @Test
    @Order(3)
    void shouldKeepAMemberThatDoesNotKnowTheSecretClusterNameOutside(Cluster cluster) {
        ClusterConfig config = cluster.config();
        Config c = new Config();
        c.setClusterName(config.clusterName());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.join.seconds", "10");
        var network = c.getNetworkConfig();
        network.setPort(org.qoscluster.testing.TestRuntime.freePorts(1).get(0)).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(config.host());
        network.getJoin().getMulticastConfig().setEnabled(false);
        network.getJoin().getAutoDetectionConfig().setEnabled(false);
        network.getJoin().getTcpIpConfig().setEnabled(true)
                .setMembers(List.of(PayaraMemberConfig.tcpipMembers(config).split(",")));
        HazelcastInstance outsider = Hazelcast.newHazelcastInstance(c);
        try {
            assertEquals(1, outsider.getCluster().getMembers().size(), "the outsider forms a cluster of its own");
            assertEquals(0, outsider.getMap(config.properties().get("qos.session.map")).size());
        } finally {
            outsider.shutdown();
        }
    }

    @Test
    @Order(4)
    void shouldRefuseToDeserializeAGadgetClassOnAMember(Cluster cluster) throws Exception {
        HazelcastInstance client = client(cluster, cluster.hazelcastClusterName());
        try {
            // A query on the value makes the owning member deserialize it.
            IMap<String, Object> allowed = client.getMap("qos-exposure-allowed");
            java.net.URI uri = java.net.URI.create("http://example.com/");
            allowed.set("k", uri);
            assertEquals(1, allowed.values(Predicates.equal("this", uri)).size(), "a Java value type is read on the member");
            allowed.destroy();

            IMap<String, Object> refused = client.getMap("qos-exposure-refused");
            refused.set("k", new BadAttributeValueExpException("x"));
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> refused.values(Predicates.equal("this", uri)));
            assertTrue(String.valueOf(e).contains("REJECTED") || String.valueOf(e.getCause()).contains("REJECTED"), e.toString());
            refused.destroy();
        } finally {
            client.shutdown();
        }
    }

    @Test
    @Order(5)
    void shouldRefuseADatabaseConnectionWithoutThePassword(Cluster cluster) throws Exception {
        for (DatabaseSpec db : cluster.config().databases()) {
            String url = cluster.jdbcUrl(db.name());
            for (String[] credentials : List.of(new String[] {null, null}, new String[] {ClusterConfig.DB_USER, null},
                    new String[] {ClusterConfig.DB_USER, "qos"}, new String[] {"APP", "APP"})) {
                java.sql.SQLException e = assertThrows(java.sql.SQLException.class, () -> {
                    java.util.Properties p = new java.util.Properties();
                    if (credentials[0] != null) {
                        p.setProperty("user", credentials[0]);
                    }
                    if (credentials[1] != null) {
                        p.setProperty("password", credentials[1]);
                    }
                    java.sql.DriverManager.getConnection(url, p).close();
                }, db.name() + " accepts user " + credentials[0] + " with password " + credentials[1]);
                assertEquals("08004", e.getSQLState(), db.name() + ": " + e);
            }
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, ClusterConfig.DB_USER, cluster.dbPassword());
                 java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet r = s.executeQuery("SELECT COUNT(*) FROM SYS.SYSTABLES")) {
                assertTrue(r.next(), db.name() + " answers the cluster's user with its password");
            }
        }
    }

    @Test
    @Order(6)
    void shouldKeepTheStateDirectoryFromOtherUsers(Cluster cluster) throws Exception {
        java.nio.file.Path state = cluster.stateDir();
        assertOwnerOnly(state);
        assertOwnerOnly(cluster.secretsDir());
        for (String secret : ClusterConfig.SECRETS) {
            assertOwnerOnly(cluster.secretsDir().resolve(secret));
        }
        for (DatabaseSpec db : cluster.config().databases()) {
            assertOwnerOnly(state.resolve("derby").resolve(db.name()));
            assertOwnerOnly(state.resolve("derby").resolve(db.name()).resolve("derby.properties"));
        }
        for (MemberSpec m : cluster.config().members()) {
            assertOwnerOnly(state.resolve("members").resolve(m.name()).resolve("domain.xml"));
        }
    }

    @Test
    @Order(7)
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

        cluster.kill(List.of("node-1", "node-2"));
        // Both started again at once, as after a power cut (a thread each: the common pool may have one).
        ExecutorService starters = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture.allOf(CompletableFuture.runAsync(() -> restart(cluster, "node-1"), starters),
                    CompletableFuture.runAsync(() -> restart(cluster, "node-2"), starters)).join();
        } finally {
            starters.shutdown();
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
    private static void restart(Cluster cluster, String node) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                cluster.restart(node, START);
                return;
            } catch (LauncherException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(interrupted);
                }
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

    private static void assertOwnerOnly(java.nio.file.Path p) throws java.io.IOException {
        Set<java.nio.file.attribute.PosixFilePermission> perms = java.nio.file.Files.getPosixFilePermissions(p);
        assertTrue(perms.stream().allMatch(x -> x.name().startsWith("OWNER_")),
                p + " is " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
    }

    private static HazelcastInstance client(Cluster cluster, String clusterName) {
        return client(cluster, clusterName, 5_000);
    }

    private static HazelcastInstance client(Cluster cluster, String clusterName, long connectTimeoutMillis) {
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.getNetworkConfig().addAddress(PayaraMemberConfig.tcpipMembers(cluster.config()).split(","));
        c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(connectTimeoutMillis);
        return HazelcastClient.newHazelcastClient(c);
    }
}
