package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.testing.ListeningSockets;
import org.qoscluster.testing.MultiHostCluster;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.TestHosts;
import org.qoscluster.testing.TestRuntime;

/**
 * One cluster spread over three simulated hosts (network namespaces on a test bridge): alpha runs
 * the router, the master and the replication agent, beta node-1 and replica-1, gamma node-2. Each
 * host's parts are started by {@code up --host NAME} inside its namespace; the test client, in the
 * root namespace, reaches the router over the bridge as a browser would reach another machine.
 * The last test cuts alpha off the network and brings it back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final Map<String, String> PLACEMENT = Map.of(
            "qos.place.router", "alpha", "qos.place.master", "alpha", "qos.place.replication-agent", "alpha",
            "qos.place.node-1", "beta", "qos.place.replica-1", "beta",
            "qos.place.node-2", "gamma");

    private static TestHosts hosts;
    private static MultiHostCluster cluster;

    @RegisterExtension
    static final TestExecutionExceptionHandler LOGS_ON_FAILURE = (ExtensionContext context, Throwable failure) -> {
        if (cluster != null) {
            System.err.println("Test " + context.getDisplayName() + " failed; the hosts' logs end with:\n" + cluster.logTails(30));
        }
        throw failure;
    };

    @BeforeAll
    static void startOnThreeHosts() {
        hosts = TestHosts.create(List.of("alpha", "beta", "gamma"));
        try {
            Map<String, String> p = new java.util.HashMap<>(PLACEMENT);
            p.put(ClusterConfig.CLUSTER_NAME, "multihost-" + hosts.hosts().get(0).namespace().split("-")[1]);
            p.put(ClusterConfig.DB_REPLICA_PORTS, "1528");
            // A 3 s health time-out: on two cores the agent's initial copy can stall a node past 1 s.
            p.put("qos.router.health.timeout-ms", "3000");
            cluster = MultiHostCluster.start(hosts, p, TestRuntime.stateDir(MultiHostIT.class), Duration.ofMinutes(5));
        } catch (RuntimeException e) {
            hosts.close();
            throw e;
        }
    }

    @AfterAll
    static void stopAndRemoveTheHosts() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            hosts.close();
        }
    }

    @Test
    @Order(1)
    void shouldListenOnlyOnEachPartsHostAddress() throws Exception {
        ClusterConfig config = cluster.config();
        Set<Integer> expected = new TreeSet<>();
        Set<Integer> seen = new TreeSet<>();
        List<String> elsewhere = new ArrayList<>();
        for (TestHosts.Host h : hosts.hosts()) {
            InetAddress address = InetAddress.getByName(h.address());
            List<PartStatus> parts = cluster.status(h.name());
            assertFalse(parts.isEmpty(), "host " + h.name() + " runs parts");
            for (PartStatus part : parts) {
                assertTrue(part.alive(), part.name() + " on " + h.name() + " runs");
                for (ListeningSockets.Listener l : ListeningSockets.of(part.pid())) {
                    seen.add(l.address().getPort());
                    if (!l.address().getAddress().equals(address)) {
                        elsewhere.add(h.name() + "/" + part.name() + ": " + l);
                    }
                }
            }
            for (MemberSpec m : config.members()) {
                if (config.hostOf(m.name()).name().equals(h.name())) {
                    expected.add(m.httpPort());
                    expected.add(m.hazelcastPort());
                }
            }
        }
        assertEquals(List.of(), elsewhere, "sockets listening elsewhere than their host's address");
        config.nodes().forEach(n -> expected.add(n.dbProxyPort()));
        config.databases().stream().map(DatabaseSpec::port).forEach(expected::add);
        assertTrue(seen.containsAll(expected), "listening on " + seen + ", configured " + expected);
        assertTrue(cluster.status("alpha").stream().anyMatch(p -> p.name().equals(Cluster.REPLICATION_AGENT)),
                "the agent runs on alpha: " + cluster.status("alpha"));
        assertEquals(Set.of("node-2"), names(cluster.status("gamma")));
        assertEquals(Set.of("node-1", "derby-replica-1"), names(cluster.status("beta")));
    }

    @Test
    @Order(2)
    void shouldBrowseFillTheCartAndCheckOutThroughTheRouterOnAnotherHost() {
        StoreClient shopper = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertEquals(hosts.host("alpha").address(), cluster.storeUri().getHost());
        assertEquals(1000, assertOk(shopper.get("api/products?limit=10")).path("total").asInt());
        assertOk(shopper.post("api/customers", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":7,\"quantity\":2}"));
        JsonNode cart = assertOk(shopper.post("api/cart/items", "{\"productId\":8,\"quantity\":1}"));
        assertEquals(3, cart.path("items").asInt());
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null);
        assertEquals(201, placed.status(), placed::toString);
        assertEquals(0, assertOk(shopper.get("api/cart")).path("items").asInt(), "checkout empties the cart");
        JsonNode history = assertOk(shopper.get("api/orders"));
        assertEquals(1, history.size());
        assertEquals(placed.json().path("id").asLong(), history.get(0).path("id").asLong());
    }

    @Test
    @Order(3)
    void shouldKeepTheCartAndServeFromTheOtherNodeWhenEveryProcessOfANodeHostIsKilled() throws Exception {
        awaitSite(Map.of("node-1", true, "node-2", true));
        StoreClient shopper = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(shopper.post("api/customers", "{\"name\":\"Dee\",\"email\":\"dee@example.org\"}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":21,\"quantity\":3}"));

        cluster.killHost("gamma"); // returns once nothing runs in gamma's namespace

        // A GET that meets the dead node is retried on the other one.
        StoreClient.Reply cart = shopper.get("api/cart");
        assertEquals(3, assertOk(cart).path("items").asInt(), "the cart outlives gamma");
        assertEquals("node-1", cart.node());
        awaitSite(Map.of("node-1", true, "node-2", false));
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null);
        assertEquals(201, placed.status(), placed::toString);
        assertEquals("node-1", placed.node());
    }

    @Test
    @Order(4)
    void shouldFailOverToTheReplicaOnAnotherHostWhenTheMastersHostIsCutOff() throws Exception {
        String beta = hosts.host("beta").address();
        JsonNode before = awaitGroup(s -> s.path("epoch").asLong() == 1 && "OPEN".equals(s.path("phase").asText())
                && "AVAILABLE".equals(s.path("copies").path("replica-1").path("status").asText()), "epoch 1 with replica-1 available", Duration.ofSeconds(90));
        assertEquals("master", before.path("master").asText());
        assertEquals(hosts.host("alpha").address() + ":1527", before.path("copies").path("master").path("address").asText());
        assertEquals(beta + ":1528", before.path("copies").path("replica-1").path("address").asText());

        hosts.linkDown("alpha"); // the master's host leaves the network; its processes run on
        JsonNode after = awaitGroup(s -> s.path("epoch").asLong() == 2 && "OPEN".equals(s.path("phase").asText()),
                "epoch 2 open after alpha was cut off", Duration.ofSeconds(90));
        assertEquals("replica-1", after.path("master").asText(), after::toString);
        StoreClient onNode1 = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        // node-1 writes to the new master, beside it on beta.
        assertOk(onNode1.post("api/customers", "{\"name\":\"Fay\",\"email\":\"fay@example.org\"}"));

        // alpha comes back: the data grid's two sides merge; the group keeps epoch 2 with
        // replica-1 its master, a node coordinates it, and the old master is listed as a replica.
        // (Its catching up is not asserted: it stays CATCHING_UP, see docs/hosts.md.)
        hosts.linkUp("alpha");
        // It answers the coordinator's heartbeat again (UNAVAILABLE while cut off): a node
        // coordinates after the merge.
        JsonNode back = awaitGroup(s -> !"none".equals(s.path("coordinator").asText())
                && "replica".equals(s.path("copies").path("master").path("role").asText())
                && List.of("CATCHING_UP", "AVAILABLE").contains(s.path("copies").path("master").path("status").asText()),
                "a coordinator hearing the old master again, listed as a replica", Duration.ofMinutes(3));
        assertEquals(2, back.path("epoch").asLong(), "its return opens no new epoch and keeps epoch 2: " + back);
        assertEquals("replica-1", back.path("master").asText(), back::toString);
    }

    /** Polls node-1's {@code /qos-group/status} until {@code done} holds, at most {@code within}. */
    private static JsonNode awaitGroup(java.util.function.Predicate<JsonNode> done, String what, Duration within) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(within);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                var r = http.send(java.net.http.HttpRequest.newBuilder(cluster.nodeUri("node-1").resolve("qos-group/status"))
                                .timeout(Duration.ofSeconds(3)).header("Authorization", "Bearer " + cluster.adminToken()).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200) {
                    JsonNode s = new ObjectMapper().readTree(r.body());
                    if (done.test(s)) {
                        return s;
                    }
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " within " + within.toSeconds() + " s; last status " + last);
    }

    /** Waits until the router's site page shows each node's health as given (at most 60 s). */
    private static void awaitSite(Map<String, Boolean> health) throws InterruptedException {
        StoreClient router = StoreClient.at(cluster.storeUri(), TIMEOUT);
        Instant deadline = Instant.now().plusSeconds(60);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            StoreClient.Reply site = router.get("qrs/site");
            last = site.body();
            try {
                JsonNode nodes = new ObjectMapper().readTree(site.body()).path("nodes");
                Map<String, Boolean> now = new java.util.HashMap<>();
                nodes.forEach(n -> now.put(n.path("name").asText(), n.path("healthy").asBoolean()));
                if (now.equals(health)) {
                    return;
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // not JSON yet: asked again
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the router's site page never showed " + health + "; last: " + last);
    }

    private static Set<String> names(List<PartStatus> parts) {
        Set<String> names = new TreeSet<>();
        parts.forEach(p -> names.add(p.name()));
        return names;
    }
}
