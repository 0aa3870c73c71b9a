package org.qoscluster.it;

import static org.qoscluster.testing.RouterAdmin.admin;
import static org.qoscluster.testing.RouterAdmin.setDelay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.CookieManager;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Goals per user class, through real processes: the launcher's {@code goal} command gives the
 * {@code gold} users of {@code checkout} a goal of their own; the store puts a user in
 * {@code gold} through the Session Synchronizer's API (a test switch calling
 * {@code SessionContext.setUserClass}), and from the next request on the router routes that
 * user by the gold goal (shown in {@code X-QoS-User-Class} and {@code X-QoS-Goal}), on either
 * node, also after sign-in gives the session a new id; nothing a client sends makes it gold. Under
 * overload the standard users of checkout are shed while the gold ones are all served. And the
 * principal source: a small members application, deployed with the launcher's {@code deploy},
 * signs its users in with standard Jakarta Security (HTTP BASIC, an application identity store);
 * {@code qos.user-class.role.gold=premium} puts its premium member in {@code gold}, routed by the
 * members class's gold goal, while its basic member, an anonymous visitor and a forger stay
 * {@code standard}. Node capacity 8, as in GoalsIT; the default sources
 * ({@code header,session,principal}) and no trusted network, so no client may set its class by
 * header.
 */
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.node-capacity=8", "qos.node.test-switches=true",
        "qos.router.health.timeout-ms=3000", "qos.user-class.role.gold=" + MembersIdentityStore.PREMIUM_ROLE,
        "qos.class.members.match=* /members/*", "qos.class.members.p95-ms=500", "qos.class.members.priority=30",
        "qos.class.members.user.gold.p95-ms=250", "qos.class.members.user.gold.priority=95"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserClassGoalsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
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
    @Order(1)
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
    @Order(2)
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
        System.out.println("UserClassGoalsIT overload, responses by user class and status: " + new java.util.TreeMap<>(counts));
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
    @Order(3)
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
