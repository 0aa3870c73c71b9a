package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.RouterAdmin.admin;
import static org.qoscluster.testing.RouterAdmin.setDelay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.it.members.MembersAuthentication;
import org.qoscluster.it.members.MembersIdentityStore;
import org.qoscluster.it.members.WhoAmIServlet;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.TestRuntime;

/**
 * The QoS-goal router in front of two real nodes: identity, robustness against malformed
 * requests, goal-based selection, shedding by priority, health checks under a kill -9, and
 * stickiness of a user with a database-state-change flag.
 * Node capacity is 8 here so that overload is reachable with a few dozen requests.
 *
 * <p>Last, goals per user class, through real processes: the launcher's {@code goal} command gives
 * the {@code gold} users of {@code checkout} a goal of their own; the store puts a user in
 * {@code gold} through the Session Synchronizer's API (a test switch calling
 * {@code SessionContext.setUserClass}), and from the next request on the router routes that
 * user by the gold goal (shown in {@code X-QoS-User-Class} and {@code X-QoS-Goal}), on either
 * node, also after sign-in gives the session a new id; nothing a client sends makes it gold. Under
 * overload the standard users of checkout are shed while the gold ones are all served. And the
 * principal source: a small members application, deployed with the launcher's {@code deploy},
 * signs its users in with standard Jakarta Security (HTTP BASIC, an application identity store);
 * {@code qos.user-class.role.gold=premium} puts its premium member in {@code gold}, routed by the
 * members class's gold goal, while its basic member, an anonymous visitor and a forger stay
 * {@code standard}. The default sources ({@code header,session,principal}) and no trusted
 * network, so no client may set its class by header. These run after every other test: they
 * change checkout's goals (its priority dropped to 10) and deploy an application.
 */
// The health time-out is raised from 1 s: the shedding test overloads both nodes (200 ms delay,
// 28 clients, two cores), and a health check stuck behind that must not take a node out.
// A stalled body is given the default 10 s: the stalled POSTs stay open while a normal client is
// served (60 requests, a second or two), and the test waits that long for their 408.
// The members class and its gold goal, and the role that makes a user gold, are for the user-class
// tests; no other test sends a request to /members/* or signs in with a role.
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.node-capacity=8", "qos.node.test-switches=true",
        "qos.router.health.timeout-ms=3000", "qos.user-class.role.gold=" + MembersIdentityStore.PREMIUM_ROLE,
        "qos.class.members.match=* /members/*", "qos.class.members.p95-ms=500", "qos.class.members.priority=30",
        "qos.class.members.user.gold.p95-ms=250", "qos.class.members.user.gold.priority=95"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** A client that never upgrades to HTTP/2, as browsers do over plain HTTP. */
    private static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private record Got(int status, String node, Optional<String> setCookie, String retryAfter, long millis) {
    }

    @Test
    @Order(1)
    void shouldIssueASignedIdentityAndReplaceEveryForgedOne(Cluster cluster) {
        Got first = get(cluster.storeUri(), "api/products?limit=1", null);
        assertEquals(200, first.status());
        String cookie = first.setCookie().orElseThrow();
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), cookie);
        String value = cookie.substring("QOSUID=".length(), cookie.indexOf(';'));
        String uid = value.substring(0, value.indexOf('.'));

        assertTrue(get(cluster.storeUri(), "api/products?limit=1", "QOSUID=" + value).setCookie().isEmpty(),
                "a valid identity is kept");
        String flipped = (uid.charAt(0) == 'A' ? 'B' : 'A') + value.substring(1);
        for (String forged : List.of(flipped, value.substring(0, value.length() - 5), "garbage", "", uid,
                value + "x", "../../etc", "\u00e9\u00e9.\u00e9")) {
            Got g = get(cluster.storeUri(), "api/products?limit=1", "QOSUID=" + forged);
            assertEquals(200, g.status(), "a forged cookie is no error: " + forged);
            String issued = g.setCookie().orElseThrow(() -> new AssertionError("no new identity for " + forged));
            assertFalse(issued.startsWith("QOSUID=" + uid), "a forged cookie never yields the original identity");
        }
    }

    @Test
    @Order(2)
    void shouldRefuseMalformedRequestsAndStayHealthy(Cluster cluster) throws Exception {
        int port = cluster.storeUri().getPort();
        assertTrue(raw(port, "GET /api/products HTTP/1.1\r\nHost: exa mple\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 400"),
                "bad Host");
        assertTrue(raw(port, "GET /api/products HTTP/1.1\r\nConnection: close\r\n\r\n").matches("HTTP/1.1 4\\d\\d.*"),
                "no Host");
        String big = "GET /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(64 * 1024)
                + "\r\nConnection: close\r\n\r\n";
        String bigReply = raw(port, big);
        assertTrue(bigReply.isEmpty() || bigReply.matches("HTTP/1.1 4\\d\\d.*"), "oversized header: " + bigReply);
        String manyHeaders = "GET /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "X-Filler: " + "b".repeat(4000) + "\r\n" + ("X-More: " + "c".repeat(4000) + "\r\n").repeat(4)
                + "Connection: close\r\n\r\n";
        String manyReply = raw(port, manyHeaders);
        assertTrue(manyReply.isEmpty() || manyReply.matches("HTTP/1.1 4\\d\\d.*"), "20 KB of headers: " + manyReply);
        String chunked = "POST /api/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{\"productId\"\r\n0\r\n\r\n";
        String chunkedReply = raw(port, chunked);
        assertTrue(chunkedReply.isEmpty() || chunkedReply.matches("HTTP/1.1 [45]\\d\\d.*"), "broken chunked: " + chunkedReply);

        // Slow clients: connections that send half a request and stall must not starve others.
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /api/products HTTP/1.1\r\nHost: 127.0".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            assertEquals(200, get(cluster.storeUri(), "api/products?limit=1", null).status(), "served beside stalled clients");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        assertEquals(200, get(cluster.storeUri(), "qrs/site", null).status(), "the router stays healthy");
    }

    @Test
    @Order(3)
    void shouldKeepASlowNodeForLooseGoalsOnly(Cluster cluster) throws Exception {
        // A settled view of both nodes first: each has answered the tight class and meets its
        // goal. A cold first answer can make a fast node look slow until it is probed again.
        for (int i = 0; i < 20 || (i < 500 && !bothMeetTheBrowseGoal(cluster)); i++) {
            get(cluster.storeUri(), "api/products?limit=1", null);
        }
        assertTrue(bothMeetTheBrowseGoal(cluster), "both nodes meet the browse goal before node-2 slows: " + nodesView(cluster));
        setDelay(cluster, "node-2", 300);
        try {
            List<String> browse = new ArrayList<>();
            List<String> loose = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                browse.add(get(cluster.storeUri(), "api/products?limit=1", null).node()); // goal 200 ms
                loose.add(get(cluster.storeUri(), "api/health", null).node());            // goal 1000 ms
            }
            List<String> settledBrowse = browse.subList(20, 40);
            assertTrue(Collections.frequency(settledBrowse, "node-2") <= 3,
                    "the slow node stops getting the tight class: " + browse + "; router's view: " + nodesView(cluster));
            assertTrue(Collections.frequency(loose, "node-2") >= 5, "the slow node still serves the loose class: " + loose);
        } finally {
            setDelay(cluster, "node-2", 0);
        }
    }

    /** Whether the router has measured the tight class on every node and predicts each within its goal. */
    private static boolean bothMeetTheBrowseGoal(Cluster cluster) {
        for (JsonNode n : nodesView(cluster).path("nodes")) {
            JsonNode browse = n.path("classes").path("browse");
            if (browse.path("samples").asLong() == 0 || browse.path("predictedMs").asDouble() > browse.path("goalP95Ms").asDouble()) {
                return false;
            }
        }
        return true;
    }

    @Test
    @Order(4)
    void shouldShedTheLowPriorityClassWhileTheHighOneMeetsItsGoal(Cluster cluster) throws Exception {
        setDelay(cluster, "node-1", 200);
        setDelay(cluster, "node-2", 200);
        ConcurrentLinkedQueue<Got> low = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Got> high = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Got> highWarmUp = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        // The goal is judged in steady state: requests begun in the first second (the router's
        // records filling, the JIT compiling both paths on two cores) only have to succeed.
        long steady = System.nanoTime() + 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(28);
        try {
            for (int i = 0; i < 24; i++) {
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        Got g = get(cluster.storeUri(), "api/health", null);       // default class, priority 10
                        low.add(g);
                        if (g.status() == 503) {
                            // A client that honours Retry-After backs off; a tight loop of 24 threads
                            // on instant 503s would only measure how busy two cores can get.
                            sleep(100);
                        }
                    }
                });
            }
            for (int i = 0; i < 4; i++) {
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        boolean warmUp = System.nanoTime() < steady;
                        Got g = get(cluster.storeUri(), "api/cart", null);           // checkout class, priority 90, goal 800 ms
                        (warmUp ? highWarmUp : high).add(g);
                    }
                });
            }
            Thread.sleep(5000);
        } finally {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
        }
        long lowShed = low.stream().filter(g -> g.status() == 503).count();
        assertTrue(lowShed > 0, "the low-priority class is shed under overload");
        assertTrue(low.stream().filter(g -> g.status() == 503).allMatch(g -> "1".equals(g.retryAfter())), "shed replies say when to retry");
        assertTrue(high.size() >= 8, "high-priority requests ran: " + high.size());
        List<Integer> highStatuses = java.util.stream.Stream.concat(highWarmUp.stream(), high.stream()).map(Got::status).toList();
        assertTrue(highStatuses.stream().allMatch(st -> st == 200), "no high-priority request is shed or fails: " + highStatuses);
        List<Long> latencies = high.stream().map(Got::millis).sorted().toList();
        long p95 = latencies.get((int) Math.ceil(latencies.size() * 0.95) - 1);
        assertTrue(p95 <= 800, "high-priority p95 " + p95 + " ms meets its 800 ms goal; all: " + latencies);
        assertTrue(nodesView(cluster).path("shed").path("default").asLong() >= lowShed, "shed requests are counted");
    }

    @Test
    @Order(5)
    void shouldTakeAKilledNodeOutWithinTwoSecondsWithoutFailingAGet(Cluster cluster) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<Got> failed = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long outAfterMillis;
        try {
            for (int i = 0; i < 4; i++) {
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        Got g = get(cluster.storeUri(), "api/products?limit=5", null);
                        if (g.status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failed.add(g);
                        }
                    }
                });
            }
            Thread.sleep(1000);
            long killedAt = System.nanoTime();
            cluster.kill("node-2");
            while (healthy(cluster, "node-2")) {
                assertTrue(System.nanoTime() - killedAt < 5_000_000_000L, "node-2 still in rotation 5 s after kill -9");
                Thread.sleep(50);
            }
            outAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
            Thread.sleep(1500);
        } finally {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertTrue(outAfterMillis <= 2000, "out of rotation after " + outAfterMillis + " ms");
        assertTrue(ok.get() > 20, "load kept flowing: " + ok.get());
        assertEquals(List.of(), new ArrayList<>(failed), "no GET failed while node-2 died");

        cluster.restart("node-2", Duration.ofMinutes(3));
        long back = System.nanoTime();
        while (!healthy(cluster, "node-2")) {
            assertTrue(System.nanoTime() - back < 10_000_000_000L, "node-2 not back in rotation 10 s after restart");
            Thread.sleep(100);
        }
        boolean served = false;
        for (int i = 0; i < 50 && !served; i++) {
            served = "node-2".equals(get(cluster.storeUri(), "api/health", null).node());
        }
        assertTrue(served, "the restarted node serves again");
    }

    @Test
    @Order(6)
    void shouldKeepAFlaggedUserOnTheNodeThatWroteUntilTheFlagClears(Cluster cluster) throws Exception {
        String cookie = get(cluster.storeUri(), "api/products?limit=1", null).setCookie().orElseThrow();
        String value = cookie.substring(0, cookie.indexOf(';'));
        String uid = value.substring("QOSUID=".length(), value.indexOf('.'));
        HazelcastInstance client = DataGridClient.connect(cluster);
        for (int i = 0; i < 20; i++) {
            // A settled view of both nodes first: node-2 was just restarted by the previous test,
            // and node-1 carried all the load meanwhile.
            get(cluster.storeUri(), "api/products?limit=1", null);
        }
        setDelay(cluster, "node-2", 300);
        try {
            IMap<String, String> flags = client.getMap(org.qoscluster.contract.ClusterMaps.FLAGS);
            flags.put(uid, "node-2|42|" + System.currentTimeMillis());
            // The router mirrors the map through a listener: allow it the delivery time, 1 s at most.
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (!"node-2".equals(get(cluster.storeUri(), "api/products?limit=1", value).node())) {
                assertTrue(System.nanoTime() < deadline, "the flag reached the router within 1 s");
            }
            for (int i = 0; i < 15; i++) {
                assertEquals("node-2", get(cluster.storeUri(), "api/products?limit=1", value).node(),
                        "a flagged user stays on the node that wrote, slow or not");
            }
            flags.remove(uid);
            // Once the flag clears the user is routed by goal again, and node-2 misses the
            // browse goal by 100 ms. A single slow answer of node-1 (seen in CI) raises its
            // estimate above node-2's for a few seconds, until it fades (half-life 5 s): the
            // router must come back to node-1, and stay there, within 20 s.
            List<String> after = new ArrayList<>();
            long settle = System.nanoTime() + 20_000_000_000L;
            int inARow = 0;
            while (inARow < 10) {
                assertTrue(System.nanoTime() < settle, "once the flag clears the tight class avoids the slow node"
                        + " again: " + after + "; router's view: " + nodesView(cluster));
                String node = get(cluster.storeUri(), "api/products?limit=1", value).node();
                after.add(node);
                inARow = "node-1".equals(node) ? inARow + 1 : 0;
            }
        } finally {
            setDelay(cluster, "node-2", 0);
            client.shutdown();
        }
    }

    @Test
    @Order(7)
    void shouldServeRequestsWithLargeCookiesAndKeepEveryNodeInRotation(Cluster cluster) {
        // 6 KB of cookies: within what the router's listener accepts (8 KB), over Jetty's default 4 KB.
        StringBuilder cookies = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            cookies.append(i == 0 ? "" : "; ").append("pref").append(i).append('=').append("v".repeat(500));
        }
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            // Half over HTTP/1.1, half from a client that upgrades to HTTP/2 (h2c), whose limit is its own.
            statuses.add(get(i % 2 == 0 ? HTTP1 : HTTP, cluster.storeUri(), "api/products?limit=1", cookies.toString()).status());
        }
        assertEquals(Collections.nCopies(50, 200), statuses, "every request with large cookies is served");
        JsonNode site = site(cluster);
        assertEquals(2, site.path("healthyNodes").asInt(), "both nodes stay in rotation: " + site);
        for (int i = 0; i < 10; i++) {
            assertEquals(200, get(cluster.storeUri(), "api/products?limit=1", null).status(), "ordinary requests are served");
        }
    }

    @Test
    @Order(8)
    void shouldRefuseA400MegabyteBodyWith413AtTheRouterAndAtTheNodesAndStayHealthy(Cluster cluster) throws Exception {
        long size = 400L * 1024 * 1024;
        for (URI base : List.of(cluster.storeUri(), cluster.nodeUri("node-1"))) {
            assertEquals("HTTP/1.1 413", statusOfHugePost(base.getPort(), size, false), "Content-Length " + size + " to " + base);
            assertEquals("HTTP/1.1 413", statusOfHugePost(base.getPort(), size, true), "chunked body of " + size + " to " + base);
        }
        assertEquals(2, site(cluster).path("healthyNodes").asInt(), "both nodes stay in rotation");
        for (String node : List.of("node-1", "node-2")) {
            HttpRequest r = HttpRequest.newBuilder(cluster.nodeUri(node).resolve("api/health")).timeout(Duration.ofSeconds(10)).build();
            assertEquals(200, HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode(), node + " healthy");
        }
        // A body within the limit still goes through, chunked or not.
        String item = "{\"productId\":3,\"quantity\":1}";
        String reply = rawResponse(cluster.storeUri().getPort(), "POST /api/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(item.length()) + "\r\n" + item + "\r\n0\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 2"), "a small chunked body is forwarded whole: " + reply);
    }

    @Test
    @Order(9)
    void shouldClassifyAndForwardTheNormalisedPath(Cluster cluster) throws Exception {
        int port = cluster.storeUri().getPort();
        for (String path : List.of("/api/cart/../products?limit=1", "//api//products?limit=1", "/api/./products?limit=1")) {
            String reply = rawResponse(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertTrue(reply.startsWith("HTTP/1.1 200"), path + ": " + reply);
            assertTrue(reply.contains("\nX-QoS-Class: browse\r"), path + " is a product request, classed as such: " + reply);
        }
        for (String path : List.of("/api/cart/%2e%2e/products", "/api/cart/%2E%2E/products", "/../api/products",
                "/api/..%2fcart", "/api/products/..;x/cart")) {
            String reply = rawResponse(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertTrue(reply.startsWith("HTTP/1.1 400"), path + " is refused: " + reply);
        }
    }

    @Test
    @Order(10)
    void shouldKeepAnsweringANormalClientBesideThreeHundredStalledPosts(Cluster cluster) throws Exception {
        int port = cluster.storeUri().getPort();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(60_000);
                // Headers and one byte of a 100-byte body, then nothing.
                s.getOutputStream().write(("POST /api/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                stalled.add(s);
            }
            long stalledSince = System.nanoTime();
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                for (String path : List.of("api/products?limit=1", "api/cart")) {
                    Got g = get(cluster.storeUri(), path, null);
                    if (g.status() != 200) {
                        failed.add(path + " -> " + g.status() + " " + g.node());
                    }
                }
            }
            System.out.printf("60 normal requests answered in %d ms beside 300 stalled POSTs%n",
                    (System.nanoTime() - stalledSince) / 1_000_000);
            assertEquals(List.of(), failed, "every normal request is answered while 300 POSTs stall");
            assertEquals(2, site(cluster).path("healthyNodes").asInt(), "the health checks go on: " + site(cluster));
            // A stalled body is given up after the idle time-out, with 408.
            InputStream in = stalled.get(0).getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            assertEquals("HTTP/1.1 408", line.toString().strip().substring(0, Math.min(12, line.toString().strip().length())));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    @Order(11)
    void shouldNotTrustALoopbackClientToSetItsUserClassUnlessConfigured(Cluster cluster) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("api/session"))
                .header("X-QoS-User-Class", "gold").timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
        assertEquals("standard", JSON.readTree(resp.body()).path("userClass").asText(), resp.body());
    }

    @Test
    @Order(12)
    void shouldLogABadCookieAtMostOncePerClientPerMinuteAndCountEveryOne(Cluster cluster) {
        long before = countIn(cluster.logTails(20_000), "does not verify");
        long countedBefore = nodesView(cluster).path("badUidCookies").asLong();
        for (int i = 0; i < 50; i++) {
            assertEquals(200, get(cluster.storeUri(), "api/products?limit=1", "QOSUID=forged" + i).status());
        }
        long logged = countIn(cluster.logTails(20_000), "does not verify") - before;
        assertTrue(logged <= 1, "50 bad cookies from one address in a minute log at most one line, logged " + logged);
        assertTrue(nodesView(cluster).path("badUidCookies").asLong() - countedBefore >= 50, "every bad cookie is counted");
    }

    @Test
    @Order(13)
    void shouldAnswerEveryPostOnAKeepAliveConnectionWhoseBodiesArriveAfterTheirHeaders(Cluster cluster) throws Exception {
        // As browsers and Java's HttpClient send them: the headers, then the body in a write of its
        // own. A request whose body came that way once left the connection unable to take the next.
        int port = cluster.storeUri().getPort();
        String cookies = "";
        Socket s = null;
        try {
            for (int i = 0; i < 200; i++) {
                if (s == null) {
                    s = new Socket("127.0.0.1", port);
                    s.setSoTimeout(90_000); // beyond every time-out of the router: no answer at all is the failure
                }
                byte[] body = ("{\"name\":\"K" + i + "\",\"email\":\"keepalive-" + i + "@example.org\"}")
                        .getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/customers HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                        + (cookies.isEmpty() ? "" : "Cookie: " + cookies + "\r\n")
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                out.write(body);
                out.flush();
                RawReply reply = RawReply.read(s.getInputStream());
                assertTrue(reply != null, "sign-up " + i + " on a kept-alive connection is answered; the router closed it instead");
                assertEquals(200, reply.status(), "sign-up " + i + ": " + reply);
                cookies = reply.cookies(cookies);
                if (reply.closes()) {
                    s.close();
                    s = null;
                }
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    /** One HTTP/1.1 response read off a kept-alive connection: status, headers, body. */
    private record RawReply(int status, List<String> headers, String body) {

        /** The next response on the connection, or null when it was closed before one came. */
        static RawReply read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            List<String> headers = new ArrayList<>();
            int length = 0;
            boolean chunked = false;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                headers.add(h);
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            StringBuilder body = new StringBuilder();
            if (chunked) {
                for (int size = Integer.parseInt(line(in).strip(), 16); size > 0; size = Integer.parseInt(line(in).strip(), 16)) {
                    body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                    line(in);
                }
                line(in);
            } else {
                body.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
            }
            return new RawReply(Integer.parseInt(statusLine.split(" ")[1]), headers, body.toString());
        }

        boolean closes() {
            return headers.stream().anyMatch(h -> h.toLowerCase(java.util.Locale.ROOT).replace(" ", "").equals("connection:close"));
        }

        /** {@code jar} with this response's Set-Cookie values put in (the last of a name wins). */
        String cookies(String jar) {
            java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
            for (String c : jar.isEmpty() ? new String[0] : jar.split("; ")) {
                all.put(c.substring(0, c.indexOf('=')), c);
            }
            for (String h : headers) {
                if (h.toLowerCase(java.util.Locale.ROOT).startsWith("set-cookie:")) {
                    String c = h.substring(11).strip();
                    c = c.indexOf(';') < 0 ? c : c.substring(0, c.indexOf(';'));
                    all.put(c.substring(0, c.indexOf('=')), c);
                }
            }
            return String.join("; ", all.values());
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return c < 0 && b.length() == 0 ? null : b.toString();
        }
    }

    private static long countIn(String text, String needle) {
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static JsonNode site(Cluster cluster) {
        try {
            HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/site")).timeout(Duration.ofSeconds(10)).build();
            return JSON.readTree(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new AssertionError("site endpoint failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * POSTs a body of {@code size} zero bytes (declared, or chunked) while reading the reply, and
     * returns the reply's status line; the body is written only until the server stops taking it.
     */
    private static String statusOfHugePost(int port, long size, boolean chunked) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            var unused = writer.submit(() -> {
                byte[] block = new byte[64 * 1024];
                byte[] head = (Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (long sent = 0; sent < size; sent += block.length) {
                        if (chunked) {
                            out.write(head);
                        }
                        out.write(block);
                        if (chunked) {
                            out.write(new byte[] {'\r', '\n'});
                        }
                    }
                } catch (IOException e) {
                    // the server refused the rest: expected
                }
                return null;
            });
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            String status = line.toString().strip();
            return status.length() > 12 ? status.substring(0, 12) : status;
        } finally {
            s.close(); // first: closing the socket ends a write blocked in it
            writer.shutdownNow();
            assertTrue(writer.awaitTermination(30, TimeUnit.SECONDS), "the writer stops");
        }
    }

    /** Sends raw bytes and returns the whole reply (status line, headers, body) up to the close. */
    private static String rawResponse(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean healthy(Cluster cluster, String node) {
        for (JsonNode n : nodesView(cluster).path("nodes")) {
            if (n.path("name").asText().equals(node)) {
                return n.path("healthy").asBoolean();
            }
        }
        throw new AssertionError("no node " + node + " in the admin view");
    }

    /** The router's view of its nodes ({@code /qrs/admin/nodes}). */
    private static JsonNode nodesView(Cluster cluster) {
        try {
            HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/admin/nodes"))
                    .header("Authorization", "Bearer " + cluster.adminToken()).timeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, resp.statusCode(), resp.body());
            return JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new AssertionError("admin endpoint failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(14)
    void shouldAnswerItsLivenessPageAndForwardTheCheapestRequest(Cluster cluster) throws Exception {
        HttpResponse<String> alive = HTTP.send(HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/alive"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, alive.statusCode(), "the router's liveness page");
        assertEquals("", alive.body());
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> ping = HTTP.send(HttpRequest.newBuilder(cluster.storeUri().resolve("api/ping"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ping.statusCode());
            String node = ping.headers().firstValue("X-QoS-Node").orElse("?");
            assertEquals("{\"node\":\"" + node + "\"}", ping.body(), "the node that answered says so");
        }
    }

    /**
     * Requests whose body length two parsers could read differently (RFC 9112 6.1, 6.3): both a
     * length and chunked coding, two different lengths, a coding hidden from a strict parser. The
     * router refuses each with 400 and closes the connection, so that the bytes past the body as
     * one parser would read it (here a second request) are never taken for a request of their
     * own. Its requests to the nodes are framed by the router itself, whatever the client sent.
     */
    @Test
    @Order(15)
    void shouldRefuseARequestOfAmbiguousLengthAndCloseItsConnection(Cluster cluster) throws Exception {
        int port = cluster.storeUri().getPort();
        String smuggled = "GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        String end = "0\r\n\r\n";
        String head = "POST /api/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
        Map<String, String> ambiguous = Map.of(
                "a length and chunked coding", head + "Content-Length: " + (end.length() + smuggled.length())
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + end + smuggled,
                "chunked coding and a length", head + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + end + smuggled,
                "two different lengths", head + "Content-Length: 0\r\nContent-Length: " + smuggled.length() + "\r\n\r\n" + smuggled,
                "a length as a list", head + "Content-Length: 0, " + smuggled.length() + "\r\n\r\n" + smuggled,
                "chunked coding in a folded line", head + "Content-Length: " + (end.length() + smuggled.length())
                        + "\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n" + end + smuggled);
        // Two plain requests sent together are both answered: the count below would see a second one.
        assertEquals(2, statusLines(port, "plain", smuggled.replace("Connection: close\r\n", "") + smuggled).size());
        for (Map.Entry<String, String> c : ambiguous.entrySet()) {
            List<String> statuses = statusLines(port, c.getKey(), c.getValue());
            assertEquals(1, statuses.size(), c.getKey() + ": answered once, the rest never read as a request: " + statuses);
            assertTrue(statuses.get(0).startsWith("HTTP/1.1 400 "), c.getKey() + ": refused as malformed: " + statuses);
        }
        assertEquals(200, get(cluster.storeUri(), "api/ping", null).status(), "and goes on serving");
    }

    /** The status lines of every answer to {@code request}, read until the router closes the connection. */
    private static List<String> statusLines(int port, String what, String request) throws IOException {
        try {
            // An answer's body need not end its line: its successor's status line may follow on it.
            return java.util.regex.Pattern.compile("HTTP/1\\.[01] \\d{3}[^\r]*").matcher(rawResponse(port, request))
                    .results().map(java.util.regex.MatchResult::group).toList();
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": the router kept the connection open after answering", e);
        }
    }

    private static Got get(URI base, String path, String cookie) {
        return get(HTTP, base, path, cookie);
    }

    private static Got get(HttpClient client, URI base, String path, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Got(r.statusCode(), r.headers().firstValue("X-QoS-Node").orElse(""),
                    r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("QOSUID=")).findFirst(),
                    r.headers().firstValue("Retry-After").orElse(""), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            return new Got(-1, e.toString(), Optional.empty(), "", (System.nanoTime() - t0) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Got(-2, "interrupted", Optional.empty(), "", 0);
        }
    }

    /** Sends raw bytes (what a well-behaved client library would refuse to send) and returns the status line, or "". */
    private static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // the router may close the connection before taking all of an oversized request
            }
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            try {
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    line.append((char) c);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                return line.toString().strip();
            }
            return line.toString().strip();
        }
    }

    /** Gold users in the overload: at most 2 x (7 - 4) so that, by the admission rule, none can be shed (see there). */
    private static final int GOLD_USERS = 6;
    private static final int STANDARD_CLIENTS = 20;

    /** What the user sees of how the router treated a request. */
    private record Seen(int status, String serviceClass, String userClass, String goal) {
    }

    /** What a members user sees: how the router treated the request, and the page. */
    private record Page(Seen seen, String body) {
    }

    @TempDir
    static Path wars;

    /** The members application: BASIC sign-in, two fixed users, a page that uses the HTTP session. */
    private static Path members;

    @BeforeAll
    static void buildMembersWar() {
        // As a Maven build of an application that depends on session-synchronizer packages it:
        // the jar and what it depends on in WEB-INF/lib (bundling it is what installs the filter).
        Path lib = Path.of(System.getProperty("qos.runtime.dir"), "cluster-lib");
        members = wars.resolve("members.war");
        ShrinkWrap.create(WebArchive.class, "members.war")
                .addClasses(MembersAuthentication.class, MembersIdentityStore.class, WhoAmIServlet.class)
                .addAsLibraries(lib.resolve("session-synchronizer.jar").toFile(), lib.resolve("cluster-contract.jar").toFile(),
                        lib.resolve("server-config.jar").toFile(), lib.resolve("entity-clone-annotations.jar").toFile())
                .addAsWebInfResource(new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"4.0\""
                        + " bean-discovery-mode=\"annotated\"/>"), "beans.xml")
                .as(ZipExporter.class).exportTo(members.toFile(), true);
    }

    /** A user with a cookie jar of their own (their signed QOSUID), speaking HTTP/1.1 only (see docs/router.md). */
    private static HttpClient user() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    @Order(21)
    void shouldRouteAUserByTheGoldGoalOnceTheApplicationPutsThemInGoldAndNeverOnAClientsWord(Cluster cluster) throws Exception {
        TestRuntime.Launched gold = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "checkout", "--user-class", "gold", "--p95-ms", "300",
                "--priority", "90");
        assertEquals(0, gold.exit(), gold.output());
        assertTrue(gold.output().contains("added checkout user gold (p95-ms 300, priority 90)"), gold.output());
        assertTrue(gold.output().contains("the router took the new goals"), gold.output());
        TestRuntime.Launched low = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "set", "checkout", "--priority", "10");
        assertEquals(0, low.exit(), low.output());
        TestRuntime.Launched list = TestRuntime.launcherOn(cluster, Duration.ofMinutes(1), "goal", "list");
        assertEquals(0, list.exit(), list.output());
        assertTrue(list.output().matches("(?s).*checkout +800 +10 +0 .*\n +user gold +300 +90 .*"), list.output());
        JsonNode checkout = null;
        for (JsonNode c : json(admin(cluster, "goals")).path("classes")) {
            if (c.path("name").asText().equals("checkout")) {
                checkout = c;
            }
        }
        assertEquals(300, checkout.path("userClasses").path("gold").path("p95Ms").asInt(), String.valueOf(checkout));
        assertEquals(90, checkout.path("userClasses").path("gold").path("priority").asInt(), String.valueOf(checkout));

        HttpClient ada = user();
        assertEquals(new Seen(200, "checkout", "standard", "p95-ms=800; priority=10"), send(ada, cluster, "GET", "api/cart"));
        assertEquals(204, send(ada, cluster, "PUT", "test/session/user-class?class=gold").status(), "the application's API");
        for (int i = 0; i < 10; i++) {
            // The very next request, and every one after it, on whichever node serves it.
            assertEquals(new Seen(200, "checkout", "gold", "p95-ms=300; priority=90"), send(ada, cluster, "GET", "api/cart"));
        }
        assertEquals("gold", session(ada, cluster).path("userClass").asText(), "the node is told the class, signed");
        assertEquals("gold", send(ada, cluster, "GET", "api/products?limit=1").userClass(), "a user class is the user's, in every class");
        assertEquals("p95-ms=200; priority=50", send(ada, cluster, "GET", "api/products?limit=1").goal(),
                "browse has no gold goal: the class's");

        // Sign-in gives the session a new id; the class goes with it. Sign-out ends it.
        HttpResponse<String> signIn = ada.send(HttpRequest.newBuilder(cluster.storeUri().resolve("api/customers"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Ada\",\"email\":\"ada-gold@example.org\"}"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, signIn.statusCode(), signIn.body());
        assertEquals("gold", send(ada, cluster, "GET", "api/cart").userClass(), "kept under the new session id");
        assertEquals(204, send(ada, cluster, "DELETE", "api/customers/me").status());
        assertEquals("standard", send(ada, cluster, "GET", "api/cart").userClass(), "signed out: the session and its class are gone");

        // A client cannot make itself gold: not by the header (no trusted network), not by the
        // node's announcement header, not on either node directly.
        HttpClient mallory = user();
        String uid = session(mallory, cluster).path("uid").asText();
        for (Map.Entry<String, String> forged : List.of(Map.entry("X-QoS-User-Class", "gold"),
                Map.entry("X-QoS-User-Classes", uid + " gold|gold"))) {
            HttpResponse<Void> r = mallory.send(HttpRequest.newBuilder(cluster.storeUri().resolve("api/cart"))
                    .header(forged.getKey(), forged.getValue()).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(200, r.statusCode());
            assertEquals("standard", r.headers().firstValue("X-QoS-User-Class").orElse(""), forged.getKey());
            assertEquals("standard", send(mallory, cluster, "GET", "api/cart").userClass(), "nor on the next request");
        }
        for (String node : List.of("node-1", "node-2")) {
            HttpResponse<String> direct = mallory.send(HttpRequest.newBuilder(cluster.nodeUri(node).resolve("api/session"))
                    .header("X-QoS-User-Class", "gold").timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("standard", json(direct.body()).path("userClass").asText(), node + ": an unsigned class is not believed");
        }
        assertEquals("standard", send(mallory, cluster, "GET", "api/cart").userClass());
    }

    @Test
    @Order(22)
    void shouldShedStandardUsersOfCheckoutWhileItsGoldUsersAreAllServed(Cluster cluster) throws Exception {
        List<HttpClient> golds = new ArrayList<>();
        for (int i = 0; i < GOLD_USERS; i++) {
            HttpClient g = user();
            assertEquals(204, send(g, cluster, "PUT", "test/session/user-class?class=gold").status());
            assertEquals("gold", send(g, cluster, "GET", "api/cart").userClass());
            golds.add(g);
        }
        setDelay(cluster, "node-1", 200);
        setDelay(cluster, "node-2", 200);
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(GOLD_USERS + STANDARD_CLIENTS);
        try {
            // Per node, standard checkout (priority 10) is admitted below 8 x 0.55 = 4 requests in
            // flight, gold (90) below 8 x 0.95 = 7. Standard requests thus hold at most 4 slots a
            // node; a gold one is shed only if both nodes have 7 in flight, at least 3 of them gold
            // on each: 6 gold in flight besides it, more than the 6 gold users minus itself.
            for (int i = 0; i < GOLD_USERS + STANDARD_CLIENTS; i++) {
                HttpClient client = i < GOLD_USERS ? golds.get(i) : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                var unused = pool.submit(() -> {
                    while (running.get()) {
                        Seen s = send(client, cluster, "GET", "api/cart");
                        counts.computeIfAbsent(s.userClass() + " " + s.status(), k -> new AtomicLong()).incrementAndGet();
                        if (s.status() == 503) {
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
            setDelay(cluster, "node-1", 0);
            setDelay(cluster, "node-2", 0);
        }
        System.out.println("RouterIT user-class overload, responses by user class and status: " + new java.util.TreeMap<>(counts));
        assertTrue(count(counts, "gold 200") > 0, "gold users were served: " + counts);
        assertEquals(0, count(counts, "gold 503"), "no gold request was shed: " + counts);
        assertTrue(count(counts, "standard 503") > 0, "standard users of the same class were shed: " + counts);
        assertEquals(List.of("gold 200", "standard 200", "standard 503"), new java.util.TreeSet<>(counts.keySet()).stream().toList(),
                "nothing else happened: " + counts);
        JsonNode shed = json(admin(cluster, "nodes")).path("shedByUserClass").path("checkout");
        assertTrue(shed.path("standard").asLong() >= count(counts, "standard 503"), shed.toString());
        assertEquals(0, shed.path("gold").asLong(), shed.toString());
        assertTrue(admin(cluster, "metrics").contains("qos_router_user_class_priority{class=\"checkout\",user_class=\"gold\"} 90"));
    }

    @Test
    @Order(23)
    void shouldRouteAnAuthenticatedPremiumMemberByTheGoldGoalThroughTheirRoleAndNoOneElse(Cluster cluster) throws Exception {
        TestRuntime.Launched deploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "deploy", members.toString());
        assertEquals(0, deploy.exit(), deploy.output());
        assertTrue(deploy.output().contains("node-2: deployed members on /members"), deploy.output());
        String gold = "p95-ms=250; priority=95";
        String standard = "p95-ms=500; priority=30";

        // The premium member: the container authenticates the first request, the node stores the
        // class of the principal's role, and the router routes every later request by it.
        HttpClient ada = user();
        String adaSignsIn = basic(MembersIdentityStore.PREMIUM_USER, MembersIdentityStore.PASSWORD);
        Page first = whoami(ada, cluster, adaSignsIn, Map.of());
        assertEquals(new Seen(200, "members", "standard", standard), first.seen(), first.body());
        assertEquals("user=ada user-class=standard visits=1", first.body(), "authenticated, no class known yet");
        for (int i = 2; i <= 11; i++) {
            // The very next request, and every one after it, on whichever node serves it.
            Page p = whoami(ada, cluster, adaSignsIn, Map.of());
            assertEquals(new Seen(200, "members", "gold", gold), p.seen(), p.body());
            assertEquals("user=ada user-class=gold visits=" + i, p.body(), "the node is told the class, signed; one session");
        }
        assertEquals(new Seen(200, "members", "gold", gold), whoami(ada, cluster, adaSignsIn,
                Map.of("X-QoS-User-Class", "standard")).seen(), "no header of hers changes it either");
        assertEquals("gold", send(ada, cluster, "GET", "api/cart").userClass(), "a user class is the user's, in every class");

        // The basic member is authenticated too, with a role no user class names.
        HttpClient bob = user();
        String bobSignsIn = basic(MembersIdentityStore.BASIC_USER, MembersIdentityStore.PASSWORD);
        for (int i = 1; i <= 3; i++) {
            Page p = whoami(bob, cluster, bobSignsIn, Map.of());
            assertEquals(new Seen(200, "members", "standard", standard), p.seen(), p.body());
            assertEquals("user=bob user-class=standard visits=" + i, p.body());
        }

        // An anonymous visitor, and one with a wrong password: on a public page the BASIC
        // mechanism leaves a caller whose credentials fail anonymous.
        HttpClient visitor = user();
        for (int i = 1; i <= 3; i++) {
            Page p = whoami(visitor, cluster, null, Map.of());
            assertEquals(new Seen(200, "members", "standard", standard), p.seen(), p.body());
            assertEquals("user= user-class=standard visits=" + i, p.body());
        }
        HttpClient guesser = user();
        for (int i = 1; i <= 2; i++) {
            Page p = whoami(guesser, cluster, basic(MembersIdentityStore.PREMIUM_USER, "guessed"), Map.of());
            assertEquals(new Seen(200, "members", "standard", standard), p.seen(), p.body());
            assertEquals("user= user-class=standard visits=" + i, p.body());
        }

        // A client cannot make itself gold: not by the user-class header (no trusted network),
        // not by the node's announcement header, anonymous or signed in as the basic member.
        HttpClient mallory = user();
        String uid = session(mallory, cluster).path("uid").asText();
        for (String signIn : Arrays.asList(null, bobSignsIn)) {
            for (Map.Entry<String, String> forged : List.of(Map.entry("X-QoS-User-Class", "gold"),
                    Map.entry("X-QoS-User-Classes", uid + " gold|gold"))) {
                Page p = whoami(mallory, cluster, signIn, Map.of(forged.getKey(), forged.getValue()));
                assertEquals(new Seen(200, "members", "standard", standard), p.seen(), forged.getKey() + ": " + p.body());
                assertTrue(p.body().startsWith((signIn == null ? "user=" : "user=bob") + " user-class=standard "), p.body());
                assertEquals(new Seen(200, "members", "standard", standard), whoami(mallory, cluster, signIn, Map.of()).seen(),
                        "nor on the next request");
            }
        }

        // Without credentials the premium member's session keeps the class it holds.
        Page later = whoami(ada, cluster, null, Map.of());
        assertEquals(new Seen(200, "members", "gold", gold), later.seen(), later.body());
        assertEquals("user= user-class=gold visits=13", later.body());
    }

    /** {@code GET /members/whoami} through the router, with BASIC credentials when {@code authorization} is given. */
    private static Page whoami(HttpClient client, Cluster cluster, String authorization, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(cluster.storeUri().resolve("members/whoami")).timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        headers.forEach(b::header);
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Page(new Seen(r.statusCode(), r.headers().firstValue("X-QoS-Class").orElse(""),
                r.headers().firstValue("X-QoS-User-Class").orElse(""), r.headers().firstValue("X-QoS-Goal").orElse("")), r.body());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static long count(Map<String, AtomicLong> counts, String key) {
        AtomicLong n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    private static Seen send(HttpClient client, Cluster cluster, String method, String path) {
        try {
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(cluster.storeUri().resolve(path))
                    .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return new Seen(r.statusCode(), r.headers().firstValue("X-QoS-Class").orElse(""),
                    r.headers().firstValue("X-QoS-User-Class").orElse(""), r.headers().firstValue("X-QoS-Goal").orElse(""));
        } catch (IOException e) {
            return new Seen(-1, e.toString(), "", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Seen(-2, "interrupted", "", "");
        }
    }

    /** What the Session Synchronizer told the request about its user ({@code GET /api/session}). */
    private static JsonNode session(HttpClient client, Cluster cluster) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(cluster.storeUri().resolve("api/session"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return json(r.body());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
