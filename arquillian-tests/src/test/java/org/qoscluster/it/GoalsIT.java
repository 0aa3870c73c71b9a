package org.qoscluster.it;

import static org.qoscluster.testing.RouterAdmin.admin;
import static org.qoscluster.testing.RouterAdmin.setDelay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.TestRuntime;

/**
 * QoS goals changed while the router runs, through real processes: an edit of the router's
 * {@code domain.xml} on disk and the launcher's {@code goal} command (its Main, in a JVM of its
 * own, against this cluster's state directory) change how requests are classified and shed under
 * load, with no restart; an invalid change is refused, reported by the router's admin endpoint
 * and by the command, and routing stays as it was; {@code down} and {@code up} keep the admin's goals.
 * Node capacity is 8 so that overload is reachable with a few dozen clients (as in RouterIT).
 */
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.node-capacity=8", "qos.node.test-switches=true",
        "qos.router.health.timeout-ms=3000"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GoalsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1 only: an h2c upgrade can hang a Payara listener (see docs/router.md). */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** How long a change may take to show, generously: the router looks at its file every 0.5 s. */
    private static final Duration BOUND = Duration.ofSeconds(20);

    private record Got(int status, String serviceClass) {
    }

    @Test
    @Order(1)
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
    @Order(2)
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
    @Order(3)
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
    @Order(4)
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
