package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.RouterAdmin.admin;
import static org.qoscluster.testing.RouterAdmin.setDelay;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.ByteArrayAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UidCookie;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.SitePage;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.StoreLoop;
import org.qoscluster.testing.TestRuntime;

/**
 * First the Session Synchronizer on a real cluster (router and two nodes in one Hazelcast
 * cluster): overlapping requests of one user on two nodes, forged identities, attributes that
 * cannot be stored, cluster-wide expiry, and the state-change flag carried in the session record.
 * Sessions time out after 4 s here, so the expiry test need not wait long.
 *
 * <p>Then a user's own WAR on a running cluster, through the launcher's own command line
 * ({@code bin/qoscluster deploy|apps|undeploy}, run in its own JVM against the test cluster's
 * state directory): sent to every node, which keeps it in its own directory, and deployed next
 * to the store on every node, one node at a time, while a client
 * of the store sees no failure; listed per node; refused with a clear message for bad input;
 * a WAR Payara refuses reported by name while everything else keeps serving; deployed again by a
 * node that restarts; undeployed. And the router's health check is the project's own page: a
 * node whose database is down leaves rotation although its applications' pages still answer, and
 * the router's site page says the site is not available, naming each node and the group, until
 * the database is back.
 *
 * <p>Then, on the same cluster, QoS goals changed while the router runs, through real processes:
 * an edit of the router's {@code domain.xml} on disk and the launcher's {@code goal} command (its
 * Main, in a JVM of its own, against this cluster's state directory) change how requests are
 * classified and shed under load, with no restart; an invalid change is refused, reported by the
 * router's admin endpoint and by the command, and routing stays as it was; {@code down} and
 * {@code up} keep the admin's goals. Node capacity is 8 so that overload is reachable with a few
 * dozen clients (as in RouterIT). The goals' tests run last: the deployment's leave the store
 * alone on both nodes, every part running, and the goals as shipped.
 */
// One cluster for the three: no test of the deployment or the goals keeps a session idle for 4 s,
// and none of the sessions' tests comes near a node's capacity of 8.
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.node-capacity=8", "qos.node.test-switches=true",
        "qos.router.health.timeout-ms=3000", "qos.session.timeout-seconds=4"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String HELLO = "<h1>hello from a throwaway application</h1>";

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
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
    @Order(1)
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
    @Order(3)
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
    @Order(2)
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
    @Order(7)
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
    @Order(9)
    void shouldEndTheWholeSessionAndTheOldIdentityOnSignOut(Cluster cluster) throws Exception {
        StoreClient bob = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(bob.post("api/customers", "{\"name\":\"Bob\",\"email\":\"bob@example.org\"}"));
        assertOk(bob.post("api/cart/items", "{\"productId\":15,\"quantity\":1}"));
        String oldUid = assertOk(bob.get("api/session")).path("uid").asText();
        String oldVersion = bob.cookie("QOSUID_V").orElseThrow(); // the version of the session Bob was answered with

        assertEquals(204, bob.send("DELETE", "api/customers/me", null, null).status());
        assertNotEquals(oldUid, assertOk(bob.get("api/session")).path("uid").asText(), "a new identity after sign-out");
        assertEquals(401, bob.get("api/customers/me").status());
        assertEquals(0, assertOk(bob.get("api/cart")).path("items").asInt());

        UidCookie keyHolder = keyHolder(cluster);
        for (String node : List.of("node-1", "node-2")) {
            Raw old = raw(cluster.nodeUri(node).resolve("api/cart"), Map.of("Cookie", "QOSUID=" + keyHolder.sign(oldUid)));
            assertEquals(0, JSON.readTree(old.body()).path("items").asInt(), "the old identity's session is gone: " + old.body());
            // Both of the old cookies replayed (as a stolen or shared browser would): no node serves
            // the ended session from a copy it kept, nor puts it back from the session table, and
            // the version cookie of a session that is gone is dropped.
            Map<String, String> replayed = Map.of("Cookie", "QOSUID=" + keyHolder.sign(oldUid) + "; QOSUID_V=" + oldVersion);
            Raw cart = raw(cluster.nodeUri(node).resolve("api/cart"), replayed);
            assertEquals(0, JSON.readTree(cart.body()).path("items").asInt(), node + " served the ended session: " + cart.body());
            assertTrue(cart.setCookies().stream().anyMatch(c -> c.startsWith("QOSUID_V=;") && c.contains("Max-Age=0")),
                    node + ": the version cookie of an ended session is dropped: " + cart.setCookies());
            assertEquals(401, raw(cluster.nodeUri(node).resolve("api/customers/me"), replayed).status(), node + ": signed out");
        }
    }

    @Test
    @Order(4)
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
    @Order(10)
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
    @Order(6)
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
    @Order(8)
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
    @Order(5)
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

    /** A response: status, body, the UID cookie it sets (or ""), how many UID cookies it sets, and every cookie it sets. */
    private record Raw(int status, String body, String setCookie, int uidCookies, List<String> setCookies) {
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
                uidCookies.size(), r.headers().allValues("Set-Cookie"));
    }

    /** The value of a {@code Set-Cookie: NAME=VALUE; ...} header. */
    private static String cookieValue(String setCookie) {
        assertTrue(setCookie.contains("="), "a cookie is set: '" + setCookie + "'");
        int end = setCookie.indexOf(';');
        return setCookie.substring(setCookie.indexOf('=') + 1, end < 0 ? setCookie.length() : end);
    }

    @TempDir
    static Path wars;

    private static Path hello;
    private static Path broken;

    @BeforeAll
    static void buildWars() {
        hello = wars.resolve("hello.war");
        // 3 MB that do not compress: the upload is larger than a form post may be (Payara: 2 MB).
        byte[] noise = new byte[3_000_000];
        new Random(3).nextBytes(noise);
        ShrinkWrap.create(WebArchive.class, "hello.war").addAsWebResource(new StringAsset(HELLO), "index.html")
                .addAsWebResource(new ByteArrayAsset(noise), "noise.bin")
                .setWebXML(new StringAsset("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\"/>"))
                .as(ZipExporter.class).exportTo(hello.toFile(), true);
        // A deployment descriptor that is not XML: Payara refuses the WAR.
        broken = wars.resolve("broken.war");
        ShrinkWrap.create(WebArchive.class, "broken.war").addAsWebResource(new StringAsset("x"), "index.html")
                .setWebXML(new StringAsset("<web-app><unclosed>"))
                .as(ZipExporter.class).exportTo(broken.toFile(), true);
    }

    @Test
    @Order(11)
    void shouldServeEachNodesHealthPageFromTheClusterItself(Cluster cluster) throws Exception {
        for (String node : List.of("node-1", "node-2")) {
            HttpResponse<String> r = get(cluster.nodeUri(node).resolve("qos-group/health"));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode health = JSON.readTree(r.body());
            assertEquals("UP", health.path("status").asText(), r.body());
            assertEquals(node, health.path("node").asText());
            assertEquals("master", health.path("database").asText(), "read from the database itself: " + r.body());
            assertEquals("store", health.path("applications").path(0).path("name").asText(), r.body());
            assertTrue(health.path("applications").path(0).path("deployed").asBoolean(), r.body());
        }
    }

    @Test
    @Order(12)
    void shouldDeployAWarOnEveryNodeWhileTheStoreKeepsServing(Cluster cluster) throws Exception {
        TestRuntime.Launched deploy;
        try (StoreLoop store = new StoreLoop(cluster.storeUri())) {
            deploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "deploy", hello.toString(), "--context", "/hello");
            assertNoFailure(store);
        }
        assertEquals(0, deploy.exit(), deploy.output());
        assertTrue(deploy.output().contains("node-1: deployed hello on /hello"), deploy.output());
        assertTrue(deploy.output().contains("node-2: deployed hello on /hello"), deploy.output());
        System.out.println("DeployIT: " + deploy.output().lines().filter(l -> l.startsWith("deployed hello")).findFirst().orElse(""));
        for (String node : List.of("node-1", "node-2")) {
            HttpResponse<String> direct = get(cluster.nodeUri(node).resolve("hello/index.html"));
            assertEquals(200, direct.statusCode(), node + ": " + direct.body());
            assertEquals(HELLO, direct.body());
            assertTrue(Files.isRegularFile(cluster.stateDir().resolve("members/" + node + "/apps/hello.war")),
                    node + " keeps the WAR it was sent in its own directory");
        }
        HttpResponse<String> routed = get(cluster.storeUri().resolve("hello/index.html"));
        assertEquals(200, routed.statusCode(), routed.body());
        assertEquals(HELLO, routed.body());
        assertEquals(200, get(cluster.storeUri().resolve("api/products?limit=1")).statusCode(), "the store still serves");
    }

    @Test
    @Order(13)
    void shouldListWhatIsDeployedOnWhichNode(Cluster cluster) throws Exception {
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("store\\s+/\\s+node-1: deployed, node-2: deployed")), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("hello\\s+/hello\\s+node-1: deployed, node-2: deployed")),
                apps.output());
    }

    @Test
    @Order(14)
    void shouldRefuseBadInputNamingWhatIsWrong(Cluster cluster) throws Exception {
        Path text = Files.writeString(wars.resolve("notes.war"), "not a zip");
        Path jar = wars.resolve("plain.war");
        ShrinkWrap.create(JavaArchive.class, "plain.war").addAsResource(new StringAsset("x"), "x.txt")
                .as(ZipExporter.class).exportTo(jar.toFile(), true);
        Map<List<String>, String> cases = Map.of(
                List.of(wars.resolve("missing.war").toString()), "no such file: " + wars.resolve("missing.war"),
                List.of(text.toString()), "is not a WAR: not a zip archive",
                List.of(jar.toString()), "is a zip archive but not a WAR: it has no WEB-INF/ folder",
                List.of(hello.toString(), "--name", "../evil"), "'../evil' is not an application name",
                List.of(hello.toString(), "--name", "other", "--context", "/"), "context root / is application store's",
                List.of(hello.toString(), "--name", "other", "--context", "/qos-group"), "context root /qos-group is the cluster's own",
                List.of(hello.toString(), "--context", "/elsewhere"), "an application named hello is deployed already");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("deploy"));
            args.addAll(c.getKey());
            TestRuntime.Launched r = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), args.toArray(String[]::new));
            assertEquals(2, r.exit(), c.getKey() + ": " + r.output());
            assertTrue(r.output().contains(c.getValue()), c.getKey() + ": " + r.output());
        }
        TestRuntime.Launched unknown = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "undeploy", "nothing-here");
        assertEquals(2, unknown.exit(), unknown.output());
        assertTrue(unknown.output().contains("no application named 'nothing-here' is deployed"), unknown.output());
    }

    @Test
    @Order(15)
    void shouldReportAWarThatFailsToDeployByNameWhileEverythingElseServes(Cluster cluster) throws Exception {
        TestRuntime.Launched deploy;
        try (StoreLoop store = new StoreLoop(cluster.storeUri())) {
            deploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "deploy", broken.toString());
            assertNoFailure(store);
        }
        assertEquals(1, deploy.exit(), deploy.output());
        assertTrue(deploy.output().contains("application broken failed to deploy on node-1: "), deploy.output());
        assertTrue(deploy.output().contains("web.xml"), "the server's message names what is wrong: " + deploy.output());
        assertTrue(deploy.output().contains("broken is deployed on no node"), deploy.output());
        assertEquals(200, get(cluster.storeUri().resolve("api/products?limit=1")).statusCode(), "the store serves");
        assertEquals(200, get(cluster.storeUri().resolve("hello/index.html")).statusCode(), "hello serves");
        assertEquals(404, get(cluster.nodeUri("node-1").resolve("broken/index.html")).statusCode());
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertFalse(apps.output().contains("broken"), apps.output());
        awaitHealthy(cluster, List.of("node-1", "node-2"), true);
    }

    @Test
    @Order(16)
    void shouldDeployTheRecordedApplicationsWhenANodeRestarts(Cluster cluster) throws Exception {
        cluster.kill("node-2");
        cluster.restart("node-2", Duration.ofMinutes(3));
        HttpResponse<String> r = get(cluster.nodeUri("node-2").resolve("hello/index.html"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(HELLO, r.body());
        assertEquals(200, get(cluster.nodeUri("node-2").resolve("api/products?limit=1")).statusCode());
        awaitHealthy(cluster, List.of("node-1", "node-2"), true);
    }

    @Test
    @Order(17)
    void shouldTakeNodesWhoseDatabaseIsDownOutOfRotationAndCallTheSiteUnavailableUntilItIsBack(Cluster cluster) throws Exception {
        cluster.kill("derby-master");
        try {
            awaitHealthy(cluster, List.of("node-1", "node-2"), false);
            for (String node : List.of("node-1", "node-2")) {
                assertEquals(200, get(cluster.nodeUri(node).resolve("hello/index.html")).statusCode(),
                        node + "'s application needs no database and still answers");
                HttpResponse<String> health = get(cluster.nodeUri(node).resolve("qos-group/health"));
                assertEquals(503, health.statusCode(), health.body());
                assertTrue(JSON.readTree(health.body()).path("reason").asText().startsWith("database not reached"), health.body());
            }
            assertEquals(503, get(cluster.storeUri().resolve("hello/index.html")).statusCode(), "no node in rotation");
            // The site page a site DNS server polls: not available, naming each node and the group.
            SitePage.Reply site = SitePage.get(cluster.storeUri());
            assertEquals(503, site.status(), site::toString);
            assertFalse(site.available(), site::toString);
            assertTrue(site.body().path("router").asBoolean(), "the router itself is fine: " + site);
            assertEquals(0, site.body().path("healthyNodes").asInt(), site::toString);
            assertEquals(0, site.body().path("spareCapacity").asInt(-1), "an unavailable site has no room: " + site);
            assertFalse(site.body().path("database").asBoolean(), site::toString);
            List<String> reasons = site.reasons();
            assertEquals(3, reasons.size(), site::toString);
            assertTrue(reasons.get(0).startsWith("node node-1 is out of rotation ("), site::toString);
            assertTrue(reasons.get(1).startsWith("node node-2 is out of rotation ("), site::toString);
            assertEquals("group store has no master to write to: its only copy, master, answers no node's database check",
                    reasons.get(2));
            assertFalse(site.database("store").orElseThrow().path("writable").asBoolean(), site::toString);
        } finally {
            cluster.restart("derby-master", Duration.ofMinutes(1));
        }
        awaitHealthy(cluster, List.of("node-1", "node-2"), true);
        assertEquals(200, get(cluster.storeUri().resolve("api/products?limit=1")).statusCode(), "the store serves again");
        SitePage.Reply site = SitePage.get(cluster.storeUri());
        assertEquals(200, site.status(), site::toString);
        assertTrue(site.available() && site.body().path("router").asBoolean() && site.body().path("database").asBoolean(), site::toString);
        assertEquals(2, site.body().path("healthyNodes").asInt(), site::toString);
        // Two nodes of qos.router.node-capacity requests each, less the few in flight lately.
        long spare = site.body().path("spareCapacity").asLong(-1);
        long capacity = Long.parseLong(cluster.config().properties().get("qos.router.node-capacity"));
        assertTrue(spare > 0 && spare <= 2 * capacity, "the spare capacity of two healthy nodes: " + site);
        assertEquals(List.of(), site.reasons());
        JsonNode store = site.database("store").orElseThrow();
        assertEquals("master", store.path("master").asText(), site::toString);
        assertEquals("node-checks", store.path("judgedBy").asText(), "one copy, no coordinator: the nodes' checks judge it");
        assertTrue(store.path("writable").asBoolean(), site::toString);
    }

    @Test
    @Order(18)
    void shouldUndeployFromEveryNode(Cluster cluster) throws Exception {
        TestRuntime.Launched undeploy;
        try (StoreLoop store = new StoreLoop(cluster.storeUri())) {
            undeploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "undeploy", "hello");
            assertNoFailure(store);
        }
        assertEquals(0, undeploy.exit(), undeploy.output());
        for (String node : List.of("node-1", "node-2")) {
            assertEquals(404, get(cluster.nodeUri(node).resolve("hello/index.html")).statusCode(), node);
        }
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertFalse(apps.output().contains("hello"), apps.output());
        assertFalse(Files.exists(cluster.stateDir().resolve("apps/hello.war")), "its copy in the state directory is gone");
        for (String node : List.of("node-1", "node-2")) {
            assertFalse(Files.exists(cluster.stateDir().resolve("members/" + node + "/apps/hello.war")), node + "'s own copy is gone");
            assertFalse(Files.readString(cluster.stateDir().resolve("members/" + node + "/apps.list")).contains("hello"), node);
        }
    }

    /** A client of the store through the router: every answer must be 200, and there were some. */
    private static void assertNoFailure(StoreLoop store) {
        assertEquals(List.of(), store.failures(), "the store answered every request");
        assertTrue(store.served() > 0, "the store was read meanwhile");
    }

    private static void awaitHealthy(Cluster cluster, List<String> nodes, boolean healthy) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode admin = nodesView(cluster);
            List<String> now = new ArrayList<>();
            admin.path("nodes").forEach(n -> {
                if (nodes.contains(n.path("name").asText()) && n.path("healthy").asBoolean() == healthy) {
                    now.add(n.path("name").asText());
                }
            });
            if (now.size() == nodes.size()) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, nodes + " not " + (healthy ? "in" : "out of") + " rotation within 30 s: " + admin);
            Thread.sleep(100);
        }
    }

    /** The router's view of its nodes ({@code /qrs/admin/nodes}). */
    private static JsonNode nodesView(Cluster cluster) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/admin/nodes"))
                .header("Authorization", "Bearer " + cluster.adminToken()).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
        return JSON.readTree(resp.body());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** How long a change may take to show, generously: the router looks at its file every 0.5 s. */
    private static final Duration BOUND = Duration.ofSeconds(20);

    private record Got(int status, String serviceClass) {
    }

    @Test
    @Order(21)
    void shouldMoveRequestsToANewClassWhenTheDomainXmlIsEditedOnDiskUnderLoad(Cluster cluster) throws Exception {
        long routerPid = routerPid(cluster);
        for (int i = 0; i < 10; i++) {
            assertEquals(new Got(200, "browse"), get(cluster, "api/products?limit=1"));
        }
        long browseSamples = samples(cluster, "browse");
        assertTrue(browseSamples >= 10, "browse is measured: " + browseSamples);
        Instant loadedBefore = Instant.parse(goals(cluster).path("loadedAt").asText());
        assertEquals("default", get(cluster, "api/health").serviceClass(), "no rule matches the health page yet");

        ConcurrentLinkedQueue<Got> seen = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 4; i++) {
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        seen.add(get(cluster, "api/health"));
                    }
                });
            }
            // What an admin does with an editor: the file rewritten in place, a class added.
            Path file = routerXml(cluster);
            String xml = Files.readString(file, StandardCharsets.UTF_8);
            String anchor = xml.lines().filter(l -> l.contains("payara.microprofile.qos.class.default.p95-ms")).findFirst().orElseThrow();
            String indent = anchor.substring(0, anchor.indexOf('<'));
            Files.writeString(file, xml.replace(anchor, anchor + "\n"
                    + indent + "<property name=\"payara.microprofile.qos.class.health.p95-ms\" value=\"500\"/>\n"
                    + indent + "<property name=\"payara.microprofile.qos.class.health.priority\" value=\"70\"/>\n"
                    + indent + "<property name=\"payara.microprofile.qos.class.health.match\" value=\"GET /api/health\"/>"),
                    StandardCharsets.UTF_8);
            await(() -> "health".equals(get(cluster, "api/health").serviceClass()), "the health page in the new class");
            int after = seen.size();
            await(() -> seen.size() > after + 20, "load keeps flowing after the change");
        } finally {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        List<Got> all = new ArrayList<>(seen);
        assertTrue(all.stream().allMatch(g -> g.status() == 200), "no request failed while the goals changed: "
                + all.stream().filter(g -> g.status() != 200).limit(10).toList());
        assertTrue(all.stream().allMatch(g -> g.serviceClass().equals("default") || g.serviceClass().equals("health")),
                "each request had the old class or the new one");

        JsonNode goals = goals(cluster);
        assertTrue(Instant.parse(goals.path("loadedAt").asText()).isAfter(loadedBefore), goals.toString());
        assertEquals(1, goals.path("reloads").asInt(), goals.toString());
        assertTrue(samples(cluster, "health") > 0, "the new class is measured per node: " + admin(cluster, "nodes"));
        assertTrue(samples(cluster, "browse") >= browseSamples, "a class that survived the change keeps its records");
        assertTrue(admin(cluster, "metrics").contains("qos_router_class_priority{class=\"health\"} 70"));
        assertEquals(routerPid, routerPid(cluster), "no restart");
    }

    @Test
    @Order(22)
    void shouldShedAClassFirstOnceTheGoalCommandDropsItsPriority(Cluster cluster) throws Exception {
        long routerPid = routerPid(cluster);
        setDelay(cluster, "node-1", 200);
        setDelay(cluster, "node-2", 200);
        try {
            // checkout (priority 90) may fill 7 of a node's 8 slots, browse (50) only 6: 24 checkout
            // clients leave the 4 browse clients little room.
            long[] before = overload(cluster);
            assertTrue(before[1] > 0, "with checkout at priority 90, browse is shed: " + before[1]);

            TestRuntime.Launched r = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "checkout", "--priority", "0");
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("checkout: priority 90 -> 0"), r.output());
            assertTrue(r.output().contains("the router took the new goals"), r.output());

            // Now checkout may fill 4 slots a node, browse still 6: checkout is shed, browse is not.
            long[] after = overload(cluster);
            assertTrue(after[0] > 0, "checkout, priority 0 now, is shed: " + after[0]);
            assertEquals(0, after[1], "browse is not shed any more");
        } finally {
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
        }
        TestRuntime.Launched list = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "list");
        assertEquals(0, list.exit(), list.output());
        assertTrue(list.output().matches("(?s).*checkout +800 +0 +0 .*"), list.output());
        assertTrue(list.output().contains("the same as the file's"), list.output());
        assertEquals(routerPid, routerPid(cluster), "no restart");
    }

    @Test
    @Order(23)
    void shouldRefuseAnInvalidChangeAndKeepRoutingAsItWas(Cluster cluster) throws Exception {
        Path file = routerXml(cluster);
        String fingerprint = goals(cluster).path("fingerprint").asText();
        byte[] bytes = Files.readAllBytes(file);

        TestRuntime.Launched bad = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "browse", "--p95-ms", "fast");
        assertEquals(2, bad.exit(), bad.output());
        assertTrue(bad.output().contains("qos.class.browse.p95-ms: 'fast' is not a whole number"), bad.output());
        TestRuntime.Launched dead = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "checkout", "--match", "GET /api/products*");
        assertEquals(2, dead.exit(), dead.output());
        assertTrue(dead.output().contains("qos.class.checkout.match: 'GET /api/products*' can never match: class 'browse'"),
                dead.output());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(file)), "a refused command writes nothing");

        // A bad hand edit: the router refuses it, says why, and routes as before.
        String xml = new String(bytes, StandardCharsets.UTF_8);
        String line = xml.lines().filter(l -> l.contains("payara.microprofile.qos.class.browse.priority")).findFirst().orElseThrow();
        Files.writeString(file, xml.replace(line, line.replaceAll("value=\"[^\"]*\"", "value=\"high\"")), StandardCharsets.UTF_8);
        await(() -> goals(cluster).path("refused").asBoolean(), "the router refuses the edit");
        JsonNode goals = goals(cluster);
        assertTrue(goals.path("lastError").path("message").asText().contains("qos.class.browse.priority: 'high' is not a whole number"),
                goals.toString());
        assertEquals(fingerprint, goals.path("fingerprint").asText(), "the last valid goals stay");
        assertEquals(new Got(200, "browse"), get(cluster, "api/products?limit=1"));
        assertEquals(new Got(200, "checkout"), get(cluster, "api/cart"));
        assertTrue(admin(cluster, "metrics").contains("qos_router_goal_change_refused 1"));
        TestRuntime.Launched list = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "list");
        assertEquals(1, list.exit(), list.output());
        assertTrue(list.output().contains("INVALID") && list.output().contains("qos.class.browse.priority: 'high'"), list.output());
        assertTrue(list.output().contains("router: refuses the file's goals: qos.class.browse.priority: 'high'"), list.output());

        // The command repairs it.
        TestRuntime.Launched fix = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "browse", "--priority", "50");
        assertEquals(0, fix.exit(), fix.output());
        assertFalse(goals(cluster).path("refused").asBoolean());
        assertEquals(fingerprint, goals(cluster).path("fingerprint").asText(), "back to the goals it had");
    }

    @Test
    @Order(24)
    void shouldKeepTheAdminsGoalsThroughDownAndUp(Cluster cluster) throws Exception {
        TestRuntime.Launched removed = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "remove", "browse");
        assertEquals(0, removed.exit(), removed.output());
        assertEquals("default", get(cluster, "api/products?limit=1").serviceClass(), "no class for the catalogue any more");

        // down, then up from the same configuration, which still has browse and checkout at priority 90.
        Cluster.stop(cluster.stateDir());
        Cluster again = Cluster.start(cluster.config(), TestRuntime.layout(), cluster.stateDir(), Duration.ofMinutes(4));
        JsonNode goals = goals(again);
        List<String> names = new ArrayList<>();
        goals.path("classes").forEach(c -> names.add(c.path("name").asText()));
        assertEquals(List.of("checkout", "health", "default"), names, "the admin's classes, no shipped one added back: " + goals);
        assertEquals(0, goals.path("classes").get(0).path("priority").asInt(), "the admin's priority, not the configuration's");
        assertEquals("default", get(again, "api/products?limit=1").serviceClass());
        assertEquals("health", get(again, "api/health").serviceClass());
        assertTrue(Files.readString(routerXml(again)).contains("payara.microprofile.qos.router.node-capacity\" value=\"8\""),
                "the other settings are written anew from the configuration");
    }

    /** 24 clients of checkout and 4 of browse for 4 s; how many of each the router shed. */
    private static long[] overload(Cluster cluster) throws Exception {
        long checkoutBefore = shed(cluster, "checkout");
        long browseBefore = shed(cluster, "browse");
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(28);
        try {
            for (int i = 0; i < 28; i++) {
                String path = i < 24 ? "api/cart" : "api/products?limit=1";
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        if (get(cluster, path).status() == 503) {
                            sleep(100); // a client that honours Retry-After backs off
                        }
                    }
                });
            }
            Thread.sleep(4000);
        } finally {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        return new long[] {shed(cluster, "checkout") - checkoutBefore, shed(cluster, "browse") - browseBefore};
    }

    private static Path routerXml(Cluster cluster) {
        return cluster.stateDir().resolve("members").resolve("router").resolve("domain.xml");
    }

    private static long routerPid(Cluster cluster) {
        return cluster.status().stream().filter(p -> p.name().equals("router")).mapToLong(PartStatus::pid).findFirst().orElseThrow();
    }

    private static long shed(Cluster cluster, String serviceClass) {
        return json(admin(cluster, "nodes")).path("shed").path(serviceClass).asLong();
    }

    /** Requests of the class measured by the router, over both nodes. */
    private static long samples(Cluster cluster, String serviceClass) {
        long n = 0;
        for (JsonNode node : json(admin(cluster, "nodes")).path("nodes")) {
            n += node.path("classes").path(serviceClass).path("samples").asLong();
        }
        return n;
    }

    private static JsonNode goals(Cluster cluster) {
        return json(admin(cluster, "goals"));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static Got get(Cluster cluster, String path) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(cluster.storeUri().resolve(path)).timeout(Duration.ofSeconds(20))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return new Got(r.statusCode(), r.headers().firstValue("X-QoS-Class").orElse(""));
        } catch (IOException e) {
            return new Got(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Got(-2, "interrupted");
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within " + BOUND.toSeconds() + " s: " + what);
            Thread.sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
