package org.qoscluster.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.ByteArrayAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
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
import org.qoscluster.config.DeploySettings;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.contract.WarUpload;
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
 * The last tests cut alpha off the network and bring it back: the old master returns as a replica.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String HELLO = "<h1>hello, sent from another host</h1>";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
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
            p.put(DeploySettings.MAX_WAR_MB, "1");
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
                    if (m.role() == org.qoscluster.config.Role.NODE) {
                        expected.add(m.hazelcastPort()); // the router is a Hazelcast client, no member
                    }
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
    void shouldDeployAWarSentFromAnotherHostThatEachNodeKeepsThroughACrashAndUndeployIt() throws Exception {
        Path dir = Files.createTempDirectory("multihost-war");
        Path war = dir.resolve("hello.war");
        ShrinkWrap.create(WebArchive.class, "hello.war").addAsWebResource(new StringAsset(HELLO), "index.html")
                .setWebXML(new StringAsset("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\"/>"))
                .as(ZipExporter.class).exportTo(war.toFile(), true);
        // From alpha, which runs no node: each node gets the WAR's bytes over the network.
        TestRuntime.Launched deploy = cluster.launcher("alpha", Duration.ofMinutes(5), "deploy", war.toString(), "--context", "/hello");
        assertEquals(0, deploy.exit(), deploy.output());
        assertTrue(deploy.output().contains("node-1: deployed hello on /hello"), deploy.output());
        assertTrue(deploy.output().contains("node-2: deployed hello on /hello"), deploy.output());
        System.out.println("deploy from alpha: " + deploy.output().lines().filter(l -> l.startsWith("deployed hello")).findFirst()
                .orElse(""));
        Files.delete(war);
        Files.delete(dir);
        for (String node : List.of("node-1", "node-2")) {
            assertEquals(HELLO, assertServes(cluster.nodeUri(node).resolve("hello/index.html")), node);
        }
        assertEquals(HELLO, assertServes(cluster.storeUri().resolve("hello/index.html")), "through the router");
        Path ownCopy = cluster.stateDir("beta").resolve("members/node-1/apps/hello.war");
        assertTrue(Files.isRegularFile(ownCopy), "node-1 keeps the WAR in its own directory on beta: " + ownCopy);
        assertTrue(Files.readString(cluster.stateDir("beta").resolve("members/node-1/apps.list")).contains("hello\t/hello\t" + ownCopy),
                "node-1's own record deploys its own copy");

        // Uploads the node refuses, each naming the application; nothing of them is kept.
        URI apps = cluster.nodeUri("node-2").resolve("qos-group/apps?name=other&contextroot=/other");
        byte[] hello = Files.readAllBytes(ownCopy);
        HttpResponse<String> wrongSum = upload(apps, hello, WarUpload.digestValue(sha256("something else".getBytes(UTF_8))));
        assertEquals(400, wrongSum.statusCode(), wrongSum.body());
        assertTrue(wrongSum.body().contains("the WAR of application other arrived with SHA-256 ")
                && wrongSum.body().contains("cut short or changed on the way"), wrongSum.body());
        byte[] text = "not a zip".getBytes(UTF_8);
        HttpResponse<String> notWar = upload(apps, text, WarUpload.digestValue(sha256(text)));
        assertEquals(400, notWar.statusCode(), notWar.body());
        assertTrue(notWar.body().contains("the upload of application other is not a WAR: not a zip archive"), notWar.body());
        String tooLarge = announce(cluster.nodeUri("node-2"), "/qos-group/apps?name=other&contextroot=/other", 2 * 1024 * 1024);
        assertTrue(tooLarge.startsWith("HTTP/1.1 413"), tooLarge);
        assertTrue(tooLarge.contains("the WAR of application other is 2097152 bytes; a node takes at most 1048576 bytes (1 MB,"
                + " qos.deploy.max-war-mb)"), tooLarge);
        Path big = Files.createTempFile("multihost-big", ".war");
        try {
            byte[] noise = new byte[1_200_000];
            new Random(42).nextBytes(noise); // incompressible: the WAR stays over 1 MB
            ShrinkWrap.create(WebArchive.class, "big.war").addAsWebResource(new ByteArrayAsset(noise), "noise.bin")
                    .setWebXML(new StringAsset("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\"/>"))
                    .as(ZipExporter.class).exportTo(big.toFile(), true);
            TestRuntime.Launched refused = cluster.launcher("alpha", Duration.ofMinutes(2), "deploy", big.toString(), "--name", "big");
            assertEquals(2, refused.exit(), refused.output());
            assertTrue(refused.output().contains("a node takes at most 1048576 bytes (1 MB, qos.deploy.max-war-mb); nothing sent"),
                    refused.output());
        } finally {
            Files.deleteIfExists(big);
        }
        try (var left = Files.list(cluster.stateDir("gamma").resolve("members/node-2/apps"))) {
            assertEquals(List.of("hello.war"), left.map(f -> f.getFileName().toString()).toList(), "no refused upload is kept");
        }
        assertEquals(HELLO, assertServes(cluster.nodeUri("node-2").resolve("hello/index.html")), "node-2 still serves hello");
        assertOk(StoreClient.at(cluster.storeUri(), TIMEOUT).get("api/products?limit=1"));

        // node-1 crashes and its launcher on beta brings it back: it deploys hello from its own copy.
        cluster.kill("beta", "node-1");
        TestRuntime.Launched start = cluster.launcher("beta", Duration.ofMinutes(4), "start", "node-1", "--timeout", "180");
        assertEquals(0, start.exit(), start.output());
        System.out.println("node-1 killed, then on beta: " + start.output().lines().filter(l -> l.startsWith("node-1:")).findFirst()
                .orElse(""));
        assertEquals(HELLO, assertServes(cluster.nodeUri("node-1").resolve("hello/index.html")), "node-1 after its restart");
        TestRuntime.Launched list = cluster.launcher("alpha", Duration.ofMinutes(2), "apps");
        assertEquals(0, list.exit(), list.output());
        assertTrue(list.output().lines().anyMatch(l -> l.matches("hello\\s+/hello\\s+node-1: deployed, node-2: deployed")), list.output());

        TestRuntime.Launched undeploy = cluster.launcher("alpha", Duration.ofMinutes(5), "undeploy", "hello");
        assertEquals(0, undeploy.exit(), undeploy.output());
        for (String node : List.of("node-1", "node-2")) {
            HttpResponse<String> gone = HTTP.send(HttpRequest.newBuilder(cluster.nodeUri(node).resolve("hello/index.html")).timeout(TIMEOUT)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, gone.statusCode(), node);
        }
        assertFalse(Files.exists(ownCopy), "node-1's own copy is gone");
        assertFalse(Files.exists(cluster.stateDir("gamma").resolve("members/node-2/apps/hello.war")), "node-2's own copy is gone");
        assertOk(StoreClient.at(cluster.storeUri(), TIMEOUT).get("api/products?limit=1"));
    }

    @Test
    @Order(4)
    void shouldKeepTheCartAndServeFromTheOtherNodeWhenEveryProcessOfANodeHostIsKilled() throws Exception {
        awaitSite(Map.of("node-1", true, "node-2", true));
        StoreClient shopper = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(shopper.post("api/customers", "{\"name\":\"Dee\",\"email\":\"dee@example.org\"}"));
        assertOk(shopper.post("api/cart/items", "{\"productId\":21,\"quantity\":3}"));

        long lost = System.nanoTime();
        cluster.killHost("gamma"); // returns once nothing runs in gamma's namespace

        // A GET that meets the dead node is retried on the other one.
        StoreClient.Reply cart = shopper.get("api/cart");
        assertEquals(3, assertOk(cart).path("items").asInt(), "the cart outlives gamma");
        assertEquals("node-1", cart.node());
        System.out.printf("host loss: gamma killed (kill -9 of every process), first request served again through the"
                + " router %d ms later%n", Duration.ofNanos(System.nanoTime() - lost).toMillis());
        awaitSite(Map.of("node-1", true, "node-2", false));
        StoreClient.Reply placed = shopper.send("POST", "api/orders", null, null);
        assertEquals(201, placed.status(), placed::toString);
        assertEquals("node-1", placed.node());
    }

    @Test
    @Order(5)
    void shouldFailOverToTheReplicaOnAnotherHostWhenTheMastersHostIsCutOff() throws Exception {
        String beta = hosts.host("beta").address();
        JsonNode before = awaitGroup(s -> s.path("epoch").asLong() == 1 && "OPEN".equals(s.path("phase").asText())
                && "AVAILABLE".equals(s.path("copies").path("replica-1").path("status").asText()), "epoch 1 with replica-1 available", Duration.ofSeconds(90));
        assertEquals("master", before.path("master").asText());
        assertEquals(hosts.host("alpha").address() + ":1527", before.path("copies").path("master").path("address").asText());
        assertEquals(beta + ":1528", before.path("copies").path("replica-1").path("address").asText());

        // The agent (and its supervisor, which would replace it) held back on alpha: what the
        // master acknowledges from now on reaches no replica, the asynchronous tail the failover loses.
        cluster.signal("alpha", Cluster.REPLICATION_SUPERVISOR, "STOP");
        cluster.signal("alpha", Cluster.REPLICATION_AGENT, "STOP");
        StoreClient router = StoreClient.at(cluster.storeUri(), TIMEOUT);
        for (int i = 1; i <= 3; i++) {
            assertOk(router.post("api/customers", "{\"name\":\"Tail " + i + "\",\"email\":\"tail-" + i + "@example.org\"}"));
            TAIL.add("tail-" + i + "@example.org");
        }

        long lost = System.nanoTime();
        hosts.linkDown("alpha"); // the master's host leaves the network; its processes run on
        cluster.signal("alpha", Cluster.REPLICATION_AGENT, "CONT");
        cluster.signal("alpha", Cluster.REPLICATION_SUPERVISOR, "CONT");
        // The router is on alpha too: the other side serves through node-1 directly.
        StoreClient onNode1 = StoreClient.at(cluster.nodeUri("node-1"), TIMEOUT);
        Instant deadline = Instant.now().plusSeconds(90);
        StoreClient.Reply written = null;
        for (int i = 1; written == null || written.status() != 200; i++) {
            assertTrue(Instant.now().isBefore(deadline), "node-1 takes a write within 90 s after alpha was cut off: " + written);
            try {
                written = onNode1.post("api/customers", "{\"name\":\"Fay\",\"email\":\"fay-" + i + "@example.org\"}");
            } catch (IllegalStateException e) {
                written = null; // no answer within the time-out: asked again
                continue;
            }
            if (written.status() == 200) {
                NEW_MASTER.add("fay-" + i + "@example.org");
            } else {
                Thread.sleep(100);
            }
        }
        System.out.printf("host loss: alpha cut off (link down), first write served again on the other side (node-1)"
                + " %d ms later%n", Duration.ofNanos(System.nanoTime() - lost).toMillis());
        JsonNode after = awaitGroup(s -> s.path("epoch").asLong() == 2 && "OPEN".equals(s.path("phase").asText()),
                "epoch 2 open after alpha was cut off", Duration.ofSeconds(90));
        assertEquals("replica-1", after.path("master").asText(), after::toString);
        assertEquals("replica-1", onNode1.get("api/health").json().path("database").asText(), "node-1 writes to the new master");
        cutOff = lost;
    }

    @Test
    @Order(6)
    void shouldReintroduceTheOldMasterAsAReplicaWithItsTailSetAsideWhenThePartitionHeals() throws Exception {
        long down = cutOff;
        assertTrue(down != 0, "alpha was cut off and the group failed over (the test before)");
        hosts.linkUp("alpha");
        long up = System.nanoTime();
        // The router (on alpha) serves again once it hears node-1.
        StoreClient router = StoreClient.at(cluster.storeUri(), TIMEOUT);
        Instant deadline = Instant.now().plusSeconds(120);
        StoreClient.Reply served = null;
        while (served == null || served.status() != 200) {
            assertTrue(Instant.now().isBefore(deadline), "the router serves within 120 s after alpha came back: " + served);
            try {
                served = router.get("api/products?limit=1");
            } catch (IllegalStateException e) {
                served = null; // not reachable yet
            }
            if (served == null || served.status() != 200) {
                Thread.sleep(100);
            }
        }
        long serving = System.nanoTime();
        System.out.printf("host loss: alpha back (link up), first request served through the router %d ms later"
                + " (%d ms after it was cut off)%n", Duration.ofNanos(serving - up).toMillis(),
                Duration.ofNanos(serving - down).toMillis());
        assertOk(router.post("api/customers", "{\"name\":\"Gil\",\"email\":\"gil@example.org\"}"));
        NEW_MASTER.add("gil@example.org");

        // The two sides of the data grid merge; the agent follows epoch 2 and reintroduces the old
        // master: tail set aside, capture off, copied afresh from replica-1, then a replica.
        JsonNode back = awaitGroup(s -> s.path("epoch").asLong() == 2
                && "replica".equals(s.path("copies").path("master").path("role").asText())
                && "AVAILABLE".equals(s.path("copies").path("master").path("status").asText()),
                "the old master available again as a replica of epoch 2", Duration.ofMinutes(3));
        System.out.printf("partition healed: the old master available as a replica %d ms after alpha came back%n",
                Duration.ofNanos(System.nanoTime() - up).toMillis());
        assertEquals("replica-1", back.path("master").asText(), back::toString);
        assertEquals(1, back.path("tails").path("master").path("epoch").asLong(), "its tail is reported: " + back);

        Set<String> expected = new TreeSet<>(NEW_MASTER);
        Set<String> onOld = awaitEmails("master", expected);
        assertTrue(onOld.containsAll(expected), "the old master holds the writes made on the new master during and after"
                + " the partition: " + expected + " vs " + onOld);
        assertEquals(Set.of(), intersection(onOld, TAIL), "its own writes that never reached the group are not merged");
        assertEquals(TAIL, strings("master", "SELECT EMAIL FROM QOS_TAIL_1_CUSTOMER"),
                "its tail holds exactly the writes it acknowledged that never reached the group: none made after the epoch moved");
        // A demoted master keeps (or gets back) its capture switched off, readied for a later
        // promotion as every replica is: it captures nothing while it follows the new master.
        Set<String> triggers = strings("master", "SELECT T.TRIGGERNAME FROM SYS.SYSTRIGGERS T");
        if (!triggers.isEmpty()) {
            assertEquals(Set.of("0"), strings("master", "SELECT CAST(COUNT(*) AS CHAR(20)) FROM QOS_CAPTURING"),
                    "capture on the old master is switched off: " + triggers);
        }
        assertEquals(Set.of("2"), strings("master", "SELECT CAST(QOS_EPOCH AS CHAR(20)) FROM QOS_EPOCH"),
                "it follows epoch 2");
        Set<String> onNewMaster = strings("replica-1", "SELECT EMAIL FROM CUSTOMER");
        assertEquals(onNewMaster, awaitEmails("master", onNewMaster), "the old master holds what the new master holds");
    }

    private static final Set<String> TAIL = new TreeSet<>();
    private static final Set<String> NEW_MASTER = new TreeSet<>();
    private static long cutOff;

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        return both;
    }

    /** Polls {@code copy}'s customers (at most 60 s) until they include {@code expected}; returns them then. */
    private static Set<String> awaitEmails(String copy, Set<String> expected) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        Set<String> now = strings(copy, "SELECT EMAIL FROM CUSTOMER");
        while (!now.containsAll(expected) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            now = strings(copy, "SELECT EMAIL FROM CUSTOMER");
        }
        return now;
    }

    /** The first column of {@code sql}'s rows on {@code copy}, read over its own Derby port. */
    private static Set<String> strings(String copy, String sql) throws java.sql.SQLException {
        Set<String> out = new TreeSet<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(cluster.jdbcUrl(copy), ClusterConfig.DB_USER,
                cluster.dbPassword()); java.sql.Statement st = c.createStatement(); java.sql.ResultSet r = st.executeQuery(sql)) {
            while (r.next()) {
                out.add(r.getString(1).strip());
            }
        }
        return out;
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

    /** GETs {@code uri} and returns the body of its 200. */
    private static String assertServes(URI uri) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), uri + ": " + r.body());
        return r.body();
    }

    /** POSTs {@code body} as a WAR upload, with {@code digest} as its {@code Content-Digest}, and the admin token. */
    private static HttpResponse<String> upload(URI uri, byte[] body, String digest) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", "Bearer " + cluster.adminToken())
                .header("Content-Type", WarUpload.CONTENT_TYPE).header(WarUpload.DIGEST_HEADER, digest)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Announces an upload of {@code length} bytes to {@code path} on {@code node}, sends only a few
     * of them, and returns what the node answers (status line, headers and body).
     */
    private static String announce(URI node, String path, long length) throws Exception {
        try (Socket s = new Socket(node.getHost(), node.getPort())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + node.getHost() + ":" + node.getPort() + "\r\nAuthorization: Bearer "
                    + cluster.adminToken() + "\r\nContent-Type: " + WarUpload.CONTENT_TYPE + "\r\n" + WarUpload.DIGEST_HEADER + ": "
                    + WarUpload.digestValue(new byte[32]) + "\r\nContent-Length: " + length + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(UTF_8));
            s.getOutputStream().write(new byte[16]);
            s.getOutputStream().flush();
            // Up to the end of the answer (its JSON body, plain or as the last chunk), not the
            // connection's: the test does not depend on when the node closes it.
            StringBuilder answer = new StringBuilder();
            var in = s.getInputStream();
            int b;
            while ((b = in.read()) >= 0) {
                answer.append((char) b);
                String a = answer.toString();
                if (a.contains("\r\n\r\n") && (a.endsWith("}") || a.endsWith("\r\n0\r\n\r\n"))) {
                    break;
                }
            }
            return answer.toString();
        }
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static Set<String> names(List<PartStatus> parts) {
        Set<String> names = new TreeSet<>();
        parts.forEach(p -> names.add(p.name()));
        return names;
    }
}
