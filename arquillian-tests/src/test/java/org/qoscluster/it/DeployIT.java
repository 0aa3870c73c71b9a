package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.ByteArrayAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.SitePage;
import org.qoscluster.testing.StoreLoop;
import org.qoscluster.testing.TestRuntime;

/**
 * A user's own WAR on a running cluster, through the launcher's own command line
 * ({@code bin/qoscluster deploy|apps|undeploy}, run in its own JVM against the test cluster's
 * state directory): sent to every node, which keeps it in its own directory, and deployed next
 * to the store on every node, one node at a time, while a client
 * of the store sees no failure; listed per node; refused with a clear message for bad input;
 * a WAR Payara refuses reported by name while everything else keeps serving; deployed again by a
 * node that restarts; undeployed. And the router's health check is the project's own page: a
 * node whose database is down leaves rotation although its applications' pages still answer, and
 * the router's site page says the site is not available, naming each node and the group, until
 * the database is back.
 */
@QosCluster(nodes = 2, replicas = 0)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String HELLO = "<h1>hello from a throwaway application</h1>";

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
    @Order(1)
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
    @Order(2)
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
    @Order(3)
    void shouldListWhatIsDeployedOnWhichNode(Cluster cluster) throws Exception {
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("store\\s+/\\s+node-1: deployed, node-2: deployed")), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("hello\\s+/hello\\s+node-1: deployed, node-2: deployed")),
                apps.output());
    }

    @Test
    @Order(4)
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
    @Order(5)
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
    @Order(6)
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
    @Order(7)
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
        // Two nodes of 64 requests each (qos.router.node-capacity), less the few in flight lately.
        long spare = site.body().path("spareCapacity").asLong(-1);
        assertTrue(spare > 0 && spare <= 2 * 64, "the spare capacity of two healthy nodes: " + site);
        assertEquals(List.of(), site.reasons());
        JsonNode store = site.database("store").orElseThrow();
        assertEquals("master", store.path("master").asText(), site::toString);
        assertEquals("node-checks", store.path("judgedBy").asText(), "one copy, no coordinator: the nodes' checks judge it");
        assertTrue(store.path("writable").asBoolean(), site::toString);
    }

    @Test
    @Order(8)
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
            JsonNode admin = admin(cluster);
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

    private static JsonNode admin(Cluster cluster) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/admin/nodes"))
                .header("Authorization", "Bearer " + cluster.adminToken()).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
        return JSON.readTree(resp.body());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
