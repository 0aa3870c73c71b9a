package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UidCookie;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.StoreDatabase;

/**
 * What many users leave behind in the cluster's memory: new sessions per client address are
 * limited (behind the router, the address the router saw), and the state-change flags go once
 * every replica has the write, from the cluster's map and from the router's mirror. One node, so
 * the per-node limit is the whole cluster's.
 */
@QosCluster(nodes = 1, replicas = 1, properties = {"qos.node.test-switches=true",
        "qos.session.new-per-address-per-minute=30", "qos.router.health.timeout-ms=3000"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionGrowthIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();
    private static final String LIMIT_KEY = "qos.session.new-per-address-per-minute";
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
    void shouldRefuseNewSessionsOverTheLimitOfOneAddressAndKeepServingEveryoneElse(Cluster cluster) throws Exception {
        StoreClient ann = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(ann.post("api/customers", "{\"name\":\"Ann\",\"email\":\"ann@example.org\"}"));
        StoreDatabase db = new StoreDatabase(cluster.jdbcUrl("master"), cluster.dbPassword());

        // A loop of sign-ups through the router, every one a new browser from this address.
        Reply refused = null;
        for (int i = 0; i < 45 && refused == null; i++) {
            var before = db.snapshot();
            Reply r = send("POST", cluster.storeUri().resolve("api/customers"), Map.of(),
                    "{\"name\":\"Loop\",\"email\":\"loop" + i + "@example.org\"}");
            if (r.status() == 429) {
                refused = r;
                assertEquals(before, db.snapshot(), "a refused sign-up writes nothing");
            } else {
                assertEquals(200, r.status(), r.body());
            }
        }
        assertTrue(refused != null, "45 new sessions in a row from one address are not all allowed at 30 a minute");
        assertTrue(refused.body().contains(LIMIT_KEY), refused.body());
        assertTrue(Long.parseLong(refused.retryAfter()) >= 1, "Retry-After: " + refused.retryAfter());

        // A shopper who has a session goes on as before.
        assertOk(ann.post("api/cart/items", "{\"productId\":5,\"quantity\":1}"));
        assertEquals("ann@example.org", assertOk(ann.get("api/customers/me")).path("email").asText());

        // The node counts the address the router vouched for, not the connection's (the router's own).
        UidCookie keyHolder = keyHolder(cluster);
        URI node = cluster.nodeUri("node-1").resolve("api/customers");
        String uid = keyHolder.newUid();
        Reply elsewhere = send("POST", node, Map.of("X-QoS-UID", keyHolder.sign(uid),
                "X-QoS-Client", keyHolder.signClient(uid, "198.51.100.7")), "{\"name\":\"Bo\",\"email\":\"bo@example.org\"}");
        assertEquals(200, elsewhere.status(), "another client address may still sign up: " + elsewhere.body());
        // An address signed for another UID counts as the connection's address, which is over its limit
        // (it regains one session every 2 s; a believed new address would have 30 at once).
        Reply claimed = null;
        for (int i = 0; i < 10 && (claimed == null || claimed.status() != 429); i++) {
            String other = keyHolder.newUid();
            claimed = send("POST", node, Map.of("X-QoS-UID", keyHolder.sign(other),
                    "X-QoS-Client", keyHolder.signClient(uid, "198.51.100.8")), "{\"name\":\"Cy\",\"email\":\"cy" + i + "@example.org\"}");
        }
        assertEquals(429, claimed.status(), "an address signed for another UID is not believed: " + claimed.body());
    }

    @Test
    @Order(2)
    void shouldKeepOnlyTheFlagsOfRecentWritesAfterTwoThousandUsersWroteOnce(Cluster cluster) throws Exception {
        IMap<String, String> flags = hazelcast.getMap(org.qoscluster.contract.ClusterMaps.FLAGS);
        IMap<String, String> watermarks = hazelcast.getMap(org.qoscluster.contract.ClusterMaps.WATERMARKS);
        // A write of the store (a sign-up from an address of its own), so that the replica's watermark passes sequence 0.
        UidCookie keyHolder = keyHolder(cluster);
        String writer = keyHolder.newUid();
        Reply signUp = send("POST", cluster.nodeUri("node-1").resolve("api/customers"), Map.of("X-QoS-UID", keyHolder.sign(writer),
                "X-QoS-Client", keyHolder.signClient(writer, "198.51.100.30")), "{\"name\":\"Di\",\"email\":\"di@example.org\"}");
        assertEquals(200, signUp.status(), signUp.body());
        waitUntil(() -> ReplicaWatermark.decode(watermarks.get("replica-1")).map(w -> w.covers(0)).orElse(false),
                30, "replica-1 publishes a watermark");

        // 2,000 users, each with an identity of its own, each record one write on the node. They
        // write within seconds, well inside the flags' 60 s time-to-live: only the router's sweep
        // (a flag every replica has) can clear them within the wait below, not their expiry.
        URI write = cluster.nodeUri("node-1").resolve("test/session/write?sequence=0");
        int users = 2_000;
        // A few at a time: the test is about what the writes leave behind, not a load run. With
        // 32 in flight on one node of a loaded 2-core machine, the session loads of these
        // users (each a UID the node has no record of) once waited past their 1 s bound on
        // the replica, then on the master, and a thousand writes were answered 503.
        int parallel = 8;
        Semaphore inFlight = new Semaphore(parallel);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < users; i++) {
            inFlight.acquire();
            HttpRequest r = HttpRequest.newBuilder(write).timeout(TIMEOUT).PUT(HttpRequest.BodyPublishers.noBody())
                    .header("X-QoS-UID", keyHolder.sign(keyHolder.newUid())).build();
            CompletableFuture<HttpResponse<Void>> sent = HTTP.sendAsync(r, HttpResponse.BodyHandlers.discarding());
            var unused = sent.whenComplete((resp, failure) -> {
                statuses.computeIfAbsent(failure == null ? resp.statusCode() : -1, s -> new AtomicInteger()).incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(parallel);
        System.out.printf("%d users wrote once in %.1f s; statuses %s%n", users, (System.nanoTime() - start) / 1e9, statuses);
        assertEquals(users, statuses.getOrDefault(204, new AtomicInteger()).get(), "every write was recorded: " + statuses);

        // A write no replica has yet (its sequence is beyond any the replica reaches here).
        String recent = keyHolder.newUid();
        Reply last = send("PUT", cluster.nodeUri("node-1").resolve("test/session/write?sequence=" + Integer.MAX_VALUE),
                Map.of("X-QoS-UID", keyHolder.sign(recent)), null);
        assertEquals(204, last.status(), last.body());

        long written = System.nanoTime();
        int left = flags.size();
        waitUntil(() -> flags.size() == 1 && flags.containsKey(recent) && mirrored(cluster) == 1, 45,
                "the flag map and the router's mirror hold only the write no replica has yet");
        System.out.printf("%d flags left when the writes ended; the map and the mirror held only the recent one %.1f s later%n",
                left, (System.nanoTime() - written) / 1e9);
        assertEquals(recent, List.copyOf(flags.keySet()).get(0));
    }

    private static long mirrored(Cluster cluster) {
        try {
            HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/admin/metrics"))
                    .header("Authorization", "Bearer " + cluster.adminToken()).timeout(TIMEOUT).build();
            String metrics = HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^qos_router_state_change_flags (-?\\d+)$").matcher(metrics);
            assertTrue(m.find(), "the router reports how many flags it holds: " + metrics);
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException("router metrics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Condition condition, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.holds()) {
            assertTrue(System.nanoTime() < deadline, what + " (within " + seconds + " s)");
            Thread.sleep(200);
        }
    }

    /** Signs identities and client addresses with the cluster's own UID key, as only the router and the nodes can. */
    private static UidCookie keyHolder(Cluster cluster) throws IOException {
        return new UidCookie(Files.readString(cluster.secretsDir().resolve(ClusterConfig.SECRET_UID_KEY))
                .strip().getBytes(StandardCharsets.UTF_8), new SecureRandom());
    }

    private record Reply(int status, String body, String retryAfter) {
    }

    private static Reply send(String method, URI uri, Map<String, String> headers, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(""));
    }
}
