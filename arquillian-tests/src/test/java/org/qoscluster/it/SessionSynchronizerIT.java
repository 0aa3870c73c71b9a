package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UidCookie;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;

/**
 * The Session Synchronizer on a real cluster (router and two nodes in one Hazelcast cluster):
 * overlapping requests of one user on two nodes, forged identities, attributes that cannot be
 * stored, cluster-wide expiry, and the state-change flag carried in the session record. Sessions
 * time out after 4 s here, so the expiry test need not wait long.
 */
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.node.test-switches=true", "qos.session.timeout-seconds=4"})
class SessionSynchronizerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient RAW = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private static HazelcastInstance hazelcast;

    @BeforeAll
    static void connect(Cluster cluster) {
        hazelcast = DataGridClient.connect(cluster);
    }

    @AfterAll
    static void disconnect() {
        if (hazelcast != null) {
            hazelcast.shutdown();
        }
    }

    @Test
    void shouldKeepBothItemsWhenTwoRequestsOfOneShopperOverlapOnTwoNodes(Cluster cluster) throws Exception {
        StoreClient onNode1 = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        StoreClient onNode2 = onNode1.at(cluster.nodeUri("node-2"));
        assertOk(onNode1.post("api/cart/items", "{\"productId\":100,\"quantity\":1}"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // Each node holds every request 300 ms after the session was read, so both requests of
            // a round read the same session and store over each other.
            setDelay(cluster, "node-1", 300);
            setDelay(cluster, "node-2", 300);
            Map<Long, Integer> expected = new HashMap<>(Map.of(100L, 1));
            for (int round = 0; round < 4; round++) {
                long a = 200L + round;
                long b = 300L + round;
                CompletableFuture<StoreClient.Reply> first = CompletableFuture.supplyAsync(
                        () -> onNode1.post("api/cart/items", "{\"productId\":" + a + ",\"quantity\":2}"), pool);
                CompletableFuture<StoreClient.Reply> second = CompletableFuture.supplyAsync(
                        () -> onNode2.post("api/cart/items", "{\"productId\":" + b + ",\"quantity\":1}"), pool);
                assertOk(first.get());
                assertOk(second.get());
                expected.put(a, 2);
                expected.put(b, 1);
            }
            // Both add to one product at once: the cart's own merge rule adds the quantities.
            CompletableFuture<StoreClient.Reply> first = CompletableFuture.supplyAsync(
                    () -> onNode1.post("api/cart/items", "{\"productId\":100,\"quantity\":3}"), pool);
            CompletableFuture<StoreClient.Reply> second = CompletableFuture.supplyAsync(
                    () -> onNode2.post("api/cart/items", "{\"productId\":100,\"quantity\":5}"), pool);
            assertOk(first.get());
            assertOk(second.get());
            expected.put(100L, 9);
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
            assertEquals(expected, StoreClient.cartLines(assertOk(onNode1.get("api/cart"))), "no change of either request is lost");
            assertEquals(expected, StoreClient.cartLines(assertOk(onNode2.get("api/cart"))));
        } finally {
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
            pool.shutdownNow();
        }
    }

    @Test
    void shouldShowAChangeOnOneNodeToTheNextRequestOnTheOtherNodeThatHadReadTheSessionJustBefore(Cluster cluster) {
        // Each node keeps copies of the sessions it read (near cache); a change on the other node
        // reaches those copies late, so the next request must not be served an older one.
        StoreClient onNode1 = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        StoreClient onNode2 = onNode1.at(cluster.nodeUri("node-2"));
        assertOk(onNode1.post("api/cart/items", "{\"productId\":400,\"quantity\":1}"));
        Map<Long, Integer> expected = new HashMap<>(Map.of(400L, 1));
        for (int i = 1; i <= 6; i++) {
            StoreClient writer = i % 2 == 0 ? onNode2 : onNode1;
            StoreClient reader = i % 2 == 0 ? onNode1 : onNode2;
            assertEquals(expected, StoreClient.cartLines(assertOk(reader.get("api/cart"))), "before change " + i);
            assertEquals(expected, StoreClient.cartLines(assertOk(reader.get("api/cart"))), "read again (from the node's copy)");
            assertOk(writer.post("api/cart/items", "{\"productId\":" + (400 + i) + ",\"quantity\":" + i + "}"));
            expected.put(400L + i, i);
            assertEquals(expected, StoreClient.cartLines(assertOk(reader.get("api/cart"))), "change " + i + " on the other node, seen at once");
        }
    }

    @Test
    void shouldKeepBothChangesOfTwoOverlappingRequestsOnTwoNodesToDifferentAttributes(Cluster cluster) throws Exception {
        StoreClient onNode1 = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        StoreClient onNode2 = onNode1.at(cluster.nodeUri("node-2"));
        assertOk(onNode1.post("api/cart/items", "{\"productId\":500,\"quantity\":1}"));
        assertEquals("-1", onNode2.get("test/session/blob").body(), "node 2 holds a copy of the session now");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Map<Long, Integer> expected = new HashMap<>(Map.of(500L, 1));
        try {
            // Both requests of a round read the same version (300 ms held after reading), one
            // changes the cart and the other the blob attribute.
            setDelay(cluster, "node-1", 300);
            setDelay(cluster, "node-2", 300);
            for (int round = 1; round <= 3; round++) {
                long product = 500L + round;
                int bytes = 100 * round;
                CompletableFuture<StoreClient.Reply> cart = CompletableFuture.supplyAsync(
                        () -> onNode1.post("api/cart/items", "{\"productId\":" + product + ",\"quantity\":1}"), pool);
                CompletableFuture<StoreClient.Reply> blob = CompletableFuture.supplyAsync(
                        () -> onNode2.send("PUT", "test/session/blob?bytes=" + bytes, null, null), pool);
                assertOk(cart.get());
                assertEquals(204, blob.get().status(), blob.get()::toString);
                expected.put(product, 1);
                setDelay(cluster, "node-1", 0);
                setDelay(cluster, "node-2", 0);
                for (StoreClient next : List.of(onNode1, onNode2)) {
                    assertEquals(expected, StoreClient.cartLines(assertOk(next.get("api/cart"))), "round " + round + ": the cart's change is kept");
                    assertEquals(String.valueOf(bytes), next.get("test/session/blob").body(), "round " + round + ": the blob's too");
                }
                setDelay(cluster, "node-1", 300);
                setDelay(cluster, "node-2", 300);
            }
        } finally {
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
            pool.shutdownNow();
        }
    }

    @Test
    void shouldNeverLetAForgedOrUnknownIdentityReachAnotherShoppersSession(Cluster cluster) throws Exception {
        StoreClient ann = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(ann.post("api/customers", "{\"name\":\"Ann\",\"email\":\"ann@example.org\"}"));
        assertOk(ann.post("api/cart/items", "{\"productId\":11,\"quantity\":2}"));
        String annUid = assertOk(ann.get("api/session")).path("uid").asText();
        UidCookie keyHolder = keyHolder(cluster);
        URI node = cluster.nodeUri("node-1");
        String forgedSignature = annUid + "." + "A".repeat(43);

        // Straight to a node with Ann's UID in the router's header, signature forged: refused.
        Raw refused = raw(node.resolve("api/cart"), Map.of("X-QoS-UID", forgedSignature));
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.body().contains("X-QoS-UID"), refused.body());
        assertFalse(refused.body().contains("\"lines\""), "no cart in a refusal");

        // The same forgery as a cookie, or Ann's bare UID: a new identity with an empty session.
        for (String cookie : List.of("QOSUID=" + forgedSignature, "QOSUID=" + annUid)) {
            for (URI base : List.of(node, cluster.storeUri())) {
                Raw r = raw(base.resolve("api/cart"), Map.of("Cookie", cookie));
                assertEquals(200, r.status(), r.body());
                assertEquals(0, JSON.readTree(r.body()).path("items").asInt(), base + " " + cookie + ": " + r.body());
                assertTrue(r.setCookie().startsWith("QOSUID="), "a new identity is issued: " + r.setCookie());
                assertFalse(r.setCookie().startsWith("QOSUID=" + annUid), r.setCookie());
            }
        }

        // Through the router, a client's own X-QoS-UID header is dropped, even a correctly signed one.
        Raw throughRouter = raw(cluster.storeUri().resolve("api/session"), Map.of("X-QoS-UID", keyHolder.sign(annUid)));
        assertNotEquals(annUid, JSON.readTree(throughRouter.body()).path("uid").asText());

        // A correctly signed UID nobody has used yet: a session of its own, empty.
        String stranger = keyHolder.newUid();
        Raw fresh = raw(node.resolve("api/cart"), Map.of("X-QoS-UID", keyHolder.sign(stranger)));
        assertEquals(0, JSON.readTree(fresh.body()).path("items").asInt(), fresh.body());

        // A user class the router did not sign is not believed.
        Raw classed = raw(node.resolve("api/session"), Map.of("X-QoS-UID", keyHolder.sign(stranger),
                "X-QoS-User-Class", "gold." + "A".repeat(43)));
        assertEquals("standard", JSON.readTree(classed.body()).path("userClass").asText(), classed.body());
        Raw signedClass = raw(node.resolve("api/session"), Map.of("X-QoS-UID", keyHolder.sign(stranger),
                "X-QoS-User-Class", keyHolder.signUserClass(stranger, "gold")));
        assertEquals("gold", JSON.readTree(signedClass.body()).path("userClass").asText(), signedClass.body());

        assertEquals(Map.of(11L, 2), StoreClient.cartLines(assertOk(ann.get("api/cart"))), "Ann's cart is untouched");
        assertEquals("ann@example.org", assertOk(ann.get("api/customers/me")).path("email").asText());
    }

    @Test
    void shouldEndTheWholeSessionAndTheOldIdentityOnSignOut(Cluster cluster) throws Exception {
        StoreClient bob = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(bob.post("api/customers", "{\"name\":\"Bob\",\"email\":\"bob@example.org\"}"));
        assertOk(bob.post("api/cart/items", "{\"productId\":15,\"quantity\":1}"));
        String oldUid = assertOk(bob.get("api/session")).path("uid").asText();

        assertEquals(204, bob.send("DELETE", "api/customers/me", null, null).status());
        assertNotEquals(oldUid, assertOk(bob.get("api/session")).path("uid").asText(), "a new identity after sign-out");
        assertEquals(401, bob.get("api/customers/me").status());
        assertEquals(0, assertOk(bob.get("api/cart")).path("items").asInt());

        UidCookie keyHolder = keyHolder(cluster);
        for (String node : List.of("node-1", "node-2")) {
            Raw old = raw(cluster.nodeUri(node).resolve("api/cart"), Map.of("Cookie", "QOSUID=" + keyHolder.sign(oldUid)));
            assertEquals(0, JSON.readTree(old.body()).path("items").asInt(), "the old identity's session is gone: " + old.body());
        }
    }

    @Test
    void shouldNotLetAUidCookiePlantedBeforeSignInReachTheSignedInSession(Cluster cluster) throws Exception {
        // The attacker gets an identity of their own from the router and plants it in the
        // victim's browser; the victim then signs in with that cookie.
        Raw visit = raw(cluster.storeUri().resolve("api/session"), Map.of());
        String planted = cookieValue(visit.setCookie());
        Raw signIn = send("POST", cluster.storeUri().resolve("api/customers"),
                Map.of("Cookie", "QOSUID=" + planted, "Content-Type", "application/json"),
                "{\"name\":\"Fay\",\"email\":\"fay@example.org\"}");
        assertEquals(200, signIn.status(), signIn.body());
        String victims = cookieValue(signIn.setCookie());
        assertNotEquals(planted, victims, "signing in issues a new identity: " + signIn.setCookie());

        for (URI base : List.of(cluster.storeUri(), cluster.nodeUri("node-1"), cluster.nodeUri("node-2"))) {
            Raw attacker = raw(base.resolve("api/customers/me"), Map.of("Cookie", "QOSUID=" + planted));
            assertEquals(401, attacker.status(), base + ": the planted cookie sees no signed-in customer: " + attacker.body());
        }
        Raw victim = raw(cluster.storeUri().resolve("api/customers/me"), Map.of("Cookie", "QOSUID=" + victims));
        assertEquals(200, victim.status(), victim.body());
        assertEquals("fay@example.org", JSON.readTree(victim.body()).path("email").asText());
    }

    @Test
    void shouldIssueOneIdentityToABrowserWhoseFirstRequestSignsIn(Cluster cluster) throws Exception {
        // No cookie yet: the router would issue a UID and the node rotates it at sign-in; the
        // browser must get one UID cookie, the one of its signed-in session.
        Raw signIn = send("POST", cluster.storeUri().resolve("api/customers"), Map.of("Content-Type", "application/json"),
                "{\"name\":\"Gus\",\"email\":\"gus@example.org\"}");
        assertEquals(200, signIn.status(), signIn.body());
        assertEquals(1, signIn.uidCookies(), "one Set-Cookie for the UID cookie: " + signIn);
        Raw me = raw(cluster.storeUri().resolve("api/customers/me"), Map.of("Cookie", "QOSUID=" + cookieValue(signIn.setCookie())));
        assertEquals(200, me.status(), me.body());
        assertEquals("gus@example.org", JSON.readTree(me.body()).path("email").asText());
    }

    @Test
    void shouldNameAnAttributeThatCannotBeStoredAndKeepTheRestOfTheSession(Cluster cluster) {
        // Not serializable (refused by setAttribute), holding something not serializable (found
        // at store time), too large for qos.session.max-bytes: each named, nothing else lost.
        StoreClient shopper = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        assertOk(shopper.post("api/cart/items", "{\"productId\":12,\"quantity\":1}"));

        StoreClient.Reply direct = shopper.send("PUT", "test/session/bad?kind=direct", null, null);
        assertEquals(500, direct.status(), direct::toString);
        assertTrue(direct.body().contains("'test.unserializable'") && direct.body().contains("not Serializable"), direct.body());

        StoreClient.Reply nested = shopper.send("PUT", "test/session/bad?kind=nested", null, null);
        assertEquals(500, nested.status(), nested::toString);
        assertTrue(nested.body().contains("'test.unserializable'") && nested.body().contains("NotSerializableException"),
                nested.body());

        StoreClient.Reply tooBig = shopper.send("PUT", "test/session/blob?bytes=1100000", null, null);
        assertEquals(500, tooBig.status(), tooBig::toString);
        assertTrue(tooBig.body().contains("qos.session.max-bytes") && tooBig.body().contains("'test.blob'"), tooBig.body());

        StoreClient onNode2 = shopper.at(cluster.nodeUri("node-2"));
        assertEquals("-1", onNode2.get("test/session/blob").body(), "a session over the limit is not stored");
        assertEquals(Map.of(12L, 1), StoreClient.cartLines(assertOk(onNode2.get("api/cart"))), "what was stored before is kept");
        assertOk(onNode2.post("api/cart/items", "{\"productId\":13,\"quantity\":1}"));
        assertEquals(Map.of(12L, 1, 13L, 1), StoreClient.cartLines(assertOk(shopper.get("api/cart"))), "and the session goes on working");
    }

    @Test
    void shouldExpireAnIdleSessionOnEveryNodeAndInTheSessionDatabase(Cluster cluster) throws Exception {
        StoreClient shopper = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        assertOk(shopper.post("api/cart/items", "{\"productId\":14,\"quantity\":1}"));
        String uid = assertOk(shopper.get("api/session")).path("uid").asText();
        var sessions = hazelcast.getMap("qos-sessions");
        assertTrue(sessions.containsKey(uid), "the record is in the session database");
        // Requests keep it alive past its 4 s time-out...
        for (int i = 0; i < 6; i++) {
            Thread.sleep(1_000);
            assertEquals(Map.of(14L, 1), StoreClient.cartLines(assertOk(shopper.at(cluster.nodeUri(i % 2 == 0 ? "node-2" : "node-1")).get("api/cart"))));
        }
        // ...4 s without one end it, everywhere.
        Thread.sleep(4_500);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sessions.containsKey(uid)) {
            assertTrue(System.nanoTime() < deadline, "the expired record leaves the session database");
            Thread.sleep(200);
        }
        assertEquals(0, assertOk(shopper.at(cluster.nodeUri("node-2")).get("api/cart")).path("items").asInt());
        assertEquals(0, assertOk(shopper.get("api/cart")).path("items").asInt());
    }

    @Test
    void shouldCarryTheStateChangeFlagInTheSessionToTheNextRequestOnAnotherNode(Cluster cluster) throws Exception {
        StoreClient shopper = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        JsonNode before = assertOk(shopper.get("api/session"));
        assertTrue(before.path("stateChange").isMissingNode() || before.path("stateChange").isNull(), before.toString());
        assertEquals(204, shopper.send("PUT", "test/session/write?sequence=42", null, null).status());

        JsonNode after = assertOk(shopper.at(cluster.nodeUri("node-2")).get("api/session"));
        assertEquals("node-2", after.path("node").asText());
        assertEquals("node-1", after.path("stateChange").path("node").asText(), after.toString());
        assertEquals(42, after.path("stateChange").path("sequence").asLong());
        assertEquals("node-1", after.path("lastWriteNode").asText());
        // Published where the router reads flags (its mirror keeps the user on node-1).
        String flag = (String) hazelcast.getMap(org.qoscluster.contract.ClusterMaps.FLAGS).get(before.path("uid").asText());
        assertEquals("node-1", StateChangeFlag.decode(flag).orElseThrow().node(), flag);
        assertEquals(42, StateChangeFlag.decode(flag).orElseThrow().sequence());
    }

    /** Signs identities with the cluster's own UID key, as only the router and the nodes can. */
    private static UidCookie keyHolder(Cluster cluster) throws IOException {
        return new UidCookie(Files.readString(cluster.secretsDir().resolve(ClusterConfig.SECRET_UID_KEY))
                .strip().getBytes(StandardCharsets.UTF_8), new SecureRandom());
    }

    /** A response: status, body, the UID cookie it sets (or "") and how many UID cookies it sets. */
    private record Raw(int status, String body, String setCookie, int uidCookies) {
    }

    private static Raw raw(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        return send("GET", uri, headers, null);
    }

    /** One request; {@code setCookie} is the last UID cookie the response sets. */
    private static Raw send(String method, URI uri, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<String> r = RAW.send(b.build(), HttpResponse.BodyHandlers.ofString());
        List<String> uidCookies = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("QOSUID=")).toList();
        return new Raw(r.statusCode(), r.body(), uidCookies.isEmpty() ? "" : uidCookies.get(uidCookies.size() - 1),
                uidCookies.size());
    }

    /** The value of a {@code Set-Cookie: NAME=VALUE; ...} header. */
    private static String cookieValue(String setCookie) {
        assertTrue(setCookie.contains("="), "a cookie is set: '" + setCookie + "'");
        int end = setCookie.indexOf(';');
        return setCookie.substring(setCookie.indexOf('=') + 1, end < 0 ? setCookie.length() : end);
    }

    private static void setDelay(Cluster cluster, String node, int millis) {
        StoreClient.Reply r = StoreClient.at(cluster.nodeUri(node), TIMEOUT).send("PUT", "test/delay?millis=" + millis, null, null);
        assertEquals(204, r.status(), r::toString);
    }

}
