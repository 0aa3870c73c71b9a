package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.StoreDatabase;
import org.qoscluster.testing.StoreLoop;
import org.qoscluster.testing.TestRuntime;

/**
 * Read/write routing with read-your-writes, through the router, on two nodes each reading its own
 * replica, with replication held back to one round every 2 s: first for the store (which copy
 * answered a read is what the copy itself says, {@code X-Qos-Read-From}, from the database property
 * {@code qos.copy.name} read in the same query's connection), then for the ledger sample.
 *
 * <p>The ledger sample, an application written as a plain Jakarta EE WAR and changed only as
 * docs/your-app.md says, put on a running store cluster the way a user puts their own:
 * {@code bin/qoscluster deploy ledger-app.war --name ledger} next to the store, which keeps
 * serving; its tables listed in {@code qos.replication.tables} by {@code down} and {@code up
 * --config} over the same state directory, which deploys the recorded ledger again; then,
 * through the router, its reads served by replicas, a user's own writes read back at once, its
 * HTTP session kept after {@code kill -9} of the node that served it; and {@code undeploy}.
 *
 * <p>Which copy answered a read shows in what it returns: replication runs one round every 2 s,
 * so a replica lacks for a moment an account the master already holds. A read that does not find
 * an account the master has was answered by a replica; a read of one's own write must find it.
 *
 * <p>The store's tests run first, on the cluster as started, but the one that kills both
 * replicas, which runs last; the ledger's tests, which build on each other, run in between.
 */
// The ledger's package in the session filter from the start: the cluster's settings are the
// cluster's, for every application it will run.
@QosCluster(nodes = 2, replicas = 2, properties = {"qos.router.health.timeout-ms=3000", "qos.replication.interval-ms=2000",
    "qos.serialization.allow=org.qoscluster.**;org.example.ledger.**"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerClusterIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String STORE_TABLES = "PRODUCT,CUSTOMER,CUSTOMER_ORDER,ORDER_LINE";

    /** An account opened before the ledger's tables were replicated (a fresh copy must bring it). */
    private static long openedBeforeCapture;

    private static StoreClient visitor(Cluster cluster) {
        return StoreClient.at(cluster.storeUri(), TIMEOUT);
    }

    private static long open(StoreClient client, String name, long cents) {
        StoreClient.Reply r = client.post("ledger/api/accounts", "{\"name\":\"" + name + "\",\"openingBalanceCents\":" + cents + "}");
        assertEquals(201, r.status(), () -> "opening " + name + ": " + r);
        return r.json().path("id").asLong();
    }

    private static StoreDatabase db(Cluster cluster, String copy) {
        return new StoreDatabase(cluster.jdbcUrl(copy), cluster.dbPassword());
    }

    private static long balanceOn(Cluster cluster, String copy, long account) {
        return db(cluster, copy).number("SELECT COALESCE(MAX(BALANCE_CENTS), -1) FROM ACCOUNT WHERE ID = " + account);
    }

    private static List<Long> recent(StoreClient.Reply reply) {
        List<Long> ids = new ArrayList<>();
        assertOk(reply).path("accountIds").forEach(n -> ids.add(n.asLong()));
        return ids;
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    private static StoreClient.Reply await(Supplier<StoreClient.Reply> read, java.util.function.Predicate<StoreClient.Reply> done,
                                           Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        StoreClient.Reply last = read.get();
        while (!done.test(last)) {
            assertTrue(System.nanoTime() < deadline, what + " within " + within.toSeconds() + " s; last reply " + last);
            Thread.sleep(200);
            last = read.get();
        }
        return last;
    }

    /**
     * A read that follows the user's own write is answered by the master or by a replica that
     * already holds the written row, never by a copy without it. Which of the two answers depends
     * on how far replication has come, so the test accepts either and checks the copy.
     */
    private static void assertReadFromACopyHolding(Cluster cluster, StoreClient.Reply reply, String table, long id) {
        String copy = reply.readFrom();
        assertTrue(copy.equals("master") || copy.startsWith("replica-"), "a named copy answered: " + reply);
        assertTrue(new StoreDatabase(cluster.jdbcUrl(copy), cluster.dbPassword()).has(table, id),
                copy + " answered the read, so it must hold " + table + " " + id + ": " + reply);
    }

    @Test
    @Order(1)
    void shouldShowTheShopperTheirNewOrderAtOnceWhileOtherShoppersReadReplicas(Cluster cluster) throws Exception {
        StoreClient browser = StoreClient.at(cluster.storeUri(), TIMEOUT);
        await(() -> browser.get("api/products?limit=5"), r -> r.status() == 200 && r.readFrom().startsWith("replica-"),
                Duration.ofSeconds(30), "a shopper who never wrote reads the catalogue from a replica");

        StoreClient ada = StoreClient.at(cluster.storeUri(), TIMEOUT);
        long customer = assertOk(ada.post("api/customers", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}")).path("id").asLong();
        StoreClient.Reply me = ada.get("api/customers/me");
        assertEquals(customer, assertOk(me).path("id").asLong(), "a new customer finds herself at once: " + me);
        assertOk(ada.post("api/cart/items", "{\"productId\":3,\"quantity\":1}"));
        StoreClient.Reply placed = ada.send("POST", "api/orders", null, null);
        assertEquals(201, placed.status(), placed::toString);
        long order = placed.json().path("id").asLong();

        StoreClient.Reply history = ada.get("api/orders");
        JsonNode orders = assertOk(history);
        assertEquals(1, orders.size(), "the new order shows at once: " + history);
        assertEquals(order, orders.get(0).path("id").asLong());
        assertReadFromACopyHolding(cluster, history, "CUSTOMER_ORDER", order);

        String wroteOn = placed.json().path("placedBy").asText();
        String otherNode = "node-1".equals(wroteOn) ? "node-2" : "node-1";
        StoreClient.Reply elsewhere = ada.at(cluster.nodeUri(otherNode)).get("api/orders");
        assertEquals(order, assertOk(elsewhere).get(0).path("id").asLong(), "the order shows at once on " + otherNode
                + " too, which did not write it: " + elsewhere);
        assertReadFromACopyHolding(cluster, elsewhere, "CUSTOMER_ORDER", order);

        StoreClient.Reply meanwhile = browser.get("api/products?limit=5");
        assertOk(meanwhile);
        assertTrue(meanwhile.readFrom().startsWith("replica-"), "another shopper reads a replica at the same time: " + meanwhile);

        StoreClient.Reply later = await(() -> ada.get("api/orders"), r -> r.readFrom().startsWith("replica-"),
                Duration.ofSeconds(30), "once the replica has the order, the shopper reads it there");
        assertEquals(order, assertOk(later).get(0).path("id").asLong(), "and the replica shows it: " + later);
    }

    @Test
    @Order(2)
    void shouldStoreEveryConcurrentSignInAndCheckoutItAcknowledged(Cluster cluster) throws Exception {
        // Eight shoppers at once. Every write a clone makes reads its change sequence; a locking
        // read of the change table once deadlocked two sign-ins, and the rolled-back one was
        // still acknowledged (its customer never stored; found by bench/read-split.sh). What is
        // acknowledged must be on the master, and a shopper sees their order iff it was.
        StoreDatabase db = new StoreDatabase(cluster.jdbcUrl("master"), cluster.dbPassword());
        StoreDatabase.Snapshot before = db.snapshot();
        int shoppers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(shoppers);
        int signedIn = 0;
        int ordered = 0;
        try {
            List<Future<int[]>> done = new ArrayList<>();
            for (int i = 0; i < shoppers; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    StoreClient s = StoreClient.at(cluster.storeUri(), TIMEOUT);
                    StoreClient.Reply in = s.post("api/customers", "{\"name\":\"Shopper " + n + "\",\"email\":\"shopper" + n + "@example.org\"}");
                    s.post("api/cart/items", "{\"productId\":" + (100 + n) + ",\"quantity\":1}");
                    StoreClient.Reply order = s.send("POST", "api/orders", null, null);
                    StoreClient.Reply history = s.get("api/orders");
                    if (in.status() == 200) {
                        assertEquals(200, history.status(), history::toString);
                        assertEquals(order.status() == 201 ? 1 : 0, history.json().size(), "order " + order + ", history " + history);
                    }
                    return new int[] {in.status() == 200 ? 1 : 0, order.status() == 201 ? 1 : 0};
                }));
            }
            for (Future<int[]> f : done) {
                int[] r = f.get();
                signedIn += r[0];
                ordered += r[1];
            }
        } finally {
            pool.shutdown();
        }
        StoreDatabase.Snapshot after = db.snapshot();
        assertTrue(signedIn > 0 && ordered > 0, "some got through: " + signedIn + " sign-ins, " + ordered + " orders");
        assertEquals(before.customers() + signedIn, after.customers(), "every acknowledged customer is on the master, no other");
        assertEquals(before.orders() + ordered, after.orders(), "every acknowledged order is on the master, no other");
    }

    @Test
    @Order(3)
    void shouldShowAChangeTheApplicationMadeWithoutAnyCloneAtOnce(Cluster cluster) throws Exception {
        StoreClient grace = StoreClient.at(cluster.storeUri(), TIMEOUT);
        assertOk(grace.post("api/customers", "{\"name\":\"Grace\",\"email\":\"grace@example.org\"}"));
        // Once the replicas have her sign-in, her reads go to a replica again ...
        await(() -> grace.get("api/customers/me"), r -> r.status() == 200 && r.readFrom().startsWith("replica-"),
                Duration.ofSeconds(30), "the signed-in shopper reads herself from a replica once it has her");
        // ... until she writes. The store renames by changing the managed entity with its own
        // entity manager (dirty checking): no clone is involved, the flag still comes.
        StoreClient.Reply renamed = grace.send("PUT", "api/customers/me", "application/json", "{\"name\":\"Grace Hopper\"}");
        assertEquals("Grace Hopper", assertOk(renamed).path("name").asText(), renamed::toString);
        StoreClient.Reply me = grace.get("api/customers/me");
        assertEquals("Grace Hopper", assertOk(me).path("name").asText(), "the new name shows at once: " + me);
        assertReadFromACopyHolding(cluster, me, "CUSTOMER", me.json().path("id").asLong());
        for (String node : List.of("node-1", "node-2")) {
            StoreClient.Reply there = grace.at(cluster.nodeUri(node)).get("api/customers/me");
            assertEquals("Grace Hopper", assertOk(there).path("name").asText(), "on " + node + ": " + there);
        }
        StoreClient.Reply blank = grace.send("PUT", "api/customers/me", "application/json", "{\"name\":\" \"}");
        assertEquals(400, blank.status(), blank::toString);
        assertTrue(blank.body().contains("name"), "the error names the field: " + blank);
        assertEquals("Grace Hopper", assertOk(grace.get("api/customers/me")).path("name").asText(), "a refused rename changes nothing");
    }

    @Test
    @Order(4)
    void shouldKeepAWriterOnTheWritingNodeUntilEveryReplicaHasTheWriteThenRouteThemFreely(Cluster cluster) throws Exception {
        StoreClient linus = StoreClient.at(cluster.storeUri(), TIMEOUT);
        long id = assertOk(linus.post("api/customers", "{\"name\":\"Linus\",\"email\":\"linus@example.org\"}")).path("id").asLong();
        List<StoreDatabase> replicas = List.of(new StoreDatabase(cluster.jdbcUrl("replica-1"), cluster.dbPassword()),
                new StoreDatabase(cluster.jdbcUrl("replica-2"), cluster.dbPassword()));
        int pinnedChecked = 0;
        String name = "";
        for (int i = 0; i < 10; i++) {
            name = "Linus " + i;
            StoreClient.Reply renamed = linus.send("PUT", "api/customers/me", "application/json", "{\"name\":\"" + name + "\"}");
            assertOk(renamed);
            assertTrue(renamed.node().startsWith("node-"), "the router names the node: " + renamed);
            for (int k = 0; k < 3; k++) {
                StoreClient.Reply next = linus.get("api/customers/me");
                assertEquals(name, assertOk(next).path("name").asText(), "the user reads their own write: " + next);
                // Checked after the answer: a replica that lacks the write now lacked it when the
                // router chose the node, so the user was still pinned to the writing node.
                String written = name;
                if (replicas.stream().anyMatch(r -> !r.customerName(id).equals(written))) {
                    pinnedChecked++;
                    assertEquals(renamed.node(), next.node(), "request " + k + " after write " + i
                            + " stays on the node that wrote while a replica lacks the write: " + next);
                }
            }
        }
        assertTrue(pinnedChecked > 0, "replication held back to a round every 2 s leaves some reads pinned");
        // Once every replica has the last write, the user's requests are routed by goal again: to
        // both nodes.
        String last = name;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!replicas.stream().allMatch(db -> db.customerName(id).equals(last))) {
            assertTrue(System.nanoTime() < deadline, "every replica has the last write within 30 s");
            Thread.sleep(200);
        }
        java.util.Set<String> seen = new java.util.TreeSet<>();
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (seen.size() < 2) {
            assertTrue(System.nanoTime() < deadline, "requests reach both nodes again once the replicas have the write; seen " + seen);
            StoreClient.Reply r = linus.get("api/customers/me");
            assertEquals(last, assertOk(r).path("name").asText(), r::toString);
            seen.add(r.node());
        }
    }

    @Test
    @Order(21)
    void shouldServeEveryReadFromTheMasterWhenTheReplicasAreKilled(Cluster cluster) throws Exception {
        StoreClient browser = StoreClient.at(cluster.storeUri(), TIMEOUT);
        cluster.kill("derby-replica-1");
        cluster.kill("derby-replica-2");
        for (int i = 0; i < 20; i++) {
            StoreClient.Reply page = browser.get("api/products?limit=5&offset=" + i);
            assertEquals(1000, assertOk(page).path("total").asInt(), "read " + i + " still served: " + page);
            assertEquals("master", page.readFrom(), "read " + i + ": " + page);
        }
    }

    @Test
    @Order(11)
    void shouldDeployTheLedgerNextToTheStoreWhileTheStoreServes(Cluster cluster) throws Exception {
        String war = System.getProperty("qos.ledger.war");
        TestRuntime.Launched deploy;
        long started = System.nanoTime();
        try (StoreLoop store = new StoreLoop(cluster.storeUri())) {
            deploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "deploy", war, "--name", "ledger");
            assertEquals(List.of(), store.failures(), "the store answered every request during the deployment");
            assertTrue(store.served() > 0, "the store was read meanwhile");
        }
        assertEquals(0, deploy.exit(), deploy.output());
        assertTrue(deploy.output().contains("node-1: deployed ledger on /ledger"), deploy.output());
        assertTrue(deploy.output().contains("node-2: deployed ledger on /ledger"), deploy.output());
        // The WAR lists its replicated tables (the clone generator's output); the cluster replicates none of them yet.
        assertTrue(deploy.output().contains("warning: ledger reads ACCOUNT, LEDGER_ENTRY (its @ReplicatedEntity tables) from the"
                + " replicas, but qos.replication.tables does not list them"), deploy.output());
        // Its page and its health page (which reads the master) answer through the router.
        StoreClient.Reply page = visitor(cluster).get("ledger/index.html");
        long serving = System.nanoTime();
        assertEquals(200, page.status(), page::toString);
        System.out.printf("LedgerClusterIT: deploy started to the ledger serving through the router: %d ms (launcher JVM"
                + " included)%n", (serving - started) / 1_000_000);
        deploy.output().lines().filter(l -> l.contains("deployed ledger")).forEach(l -> System.out.println("LedgerClusterIT: " + l));
        assertEquals("master", assertOk(visitor(cluster).get("ledger/api/health")).path("database").asText());
        for (String node : List.of("node-1", "node-2")) {
            assertEquals(200, StoreClient.at(cluster.nodeUri(node), TIMEOUT).get("ledger/index.html").status(), node);
        }
        // Writes reach the master. Its tables are not replicated yet: a read the routing sends to
        // a replica finds no table there (docs/your-app.md says what a user sees).
        StoreClient ann = visitor(cluster);
        openedBeforeCapture = open(ann, "Ann", 5_000);
        assertTrue(db(cluster, "master").has("ACCOUNT", openedBeforeCapture));
        List<String> reads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StoreClient.Reply r = visitor(cluster).get("ledger/api/accounts/" + openedBeforeCapture);
            reads.add(r.status() + " on " + r.node());
        }
        System.out.println("LedgerClusterIT: reads of the ledger's account before its tables are replicated: " + reads);
        assertOk(visitor(cluster).get("api/products?limit=1"));

        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("store\\s+/\\s+node-1: deployed, node-2: deployed")), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("ledger\\s+/ledger\\s+node-1: deployed, node-2: deployed")),
                apps.output());
    }

    @Test
    @Order(12)
    void shouldReplicateTheLedgersTablesOnceTheClusterIsStartedAgainWithThemListed(Cluster cluster) throws Exception {
        // What docs/your-app.md tells a user: the cluster's settings with the ledger's
        // tables added, 'down', then 'up --config' over the same state directory.
        Properties settings = new Properties();
        try (Reader in = Files.newBufferedReader(cluster.stateDir().resolve("cluster.properties"))) {
            settings.load(in);
        }
        assertEquals(STORE_TABLES, settings.getProperty("qos.replication.tables"));
        settings.setProperty("qos.replication.tables", STORE_TABLES + ",ACCOUNT,LEDGER_ENTRY");
        StoreDatabase master = db(cluster, "master");
        long customer = assertOk(visitor(cluster).post("api/customers", "{\"name\":\"Kim\",\"email\":\"kim@example.org\"}"))
                .path("id").asLong();
        assertTrue(master.has("ACCOUNT", openedBeforeCapture) && master.has("CUSTOMER", customer), "written before 'down'");
        copyTree(cluster.stateDir().resolve("logs"), cluster.stateDir().resolve("logs-before-down"));
        Path config = Files.createTempFile("ledger-cluster", ".properties");
        try {
            try (Writer out = Files.newBufferedWriter(config)) {
                settings.store(out, "the test cluster's settings with the ledger's tables");
            }
            long stopping = System.nanoTime();
            TestRuntime.Launched down = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "down");
            assertEquals(0, down.exit(), down.output());
            TestRuntime.Launched up = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "up", "--config", config.toString(), "--runtime",
                    System.getProperty("qos.runtime.dir"));
            assertEquals(0, up.exit(), up.output());
            System.out.printf("LedgerClusterIT: 'down' and 'up --config' with the ledger's tables: %d ms%n",
                    (System.nanoTime() - stopping) / 1_000_000);
        } finally {
            Files.deleteIfExists(config);
        }
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertEquals(0, apps.exit(), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.matches("ledger\\s+/ledger\\s+node-1: deployed, node-2: deployed")),
                "the recorded ledger deployed again: " + apps.output());
        boolean customerKept = master.has("CUSTOMER", customer);
        boolean accountKept = master.has("ACCOUNT", openedBeforeCapture);
        System.out.printf("LedgerClusterIT: after down and up the master holds the store's customer: %b, the ledger's account: %b%n",
                customerKept, accountKept);
        assertTrue(customerKept, "the store's data outlives down and up");
        assertTrue(accountKept, "the ledger's data outlives down and up");
        // The replicas get a fresh copy, with the account opened before its table was captured.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (String replica : List.of("replica-1", "replica-2")) {
            while (true) {
                long balance;
                try {
                    balance = balanceOn(cluster, replica, openedBeforeCapture);
                } catch (IllegalStateException noTableYet) {
                    balance = -1;
                }
                if (balance == 5_000) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, replica + " holds the account opened before capture within 60 s");
                Thread.sleep(200);
            }
        }
        assertEquals(5_000, assertOk(visitor(cluster).get("ledger/api/accounts/" + openedBeforeCapture)).path("balanceCents").asLong());
    }

    @Test
    @Order(13)
    void shouldServeAVisitorWhoNeverWroteFromAReplica(Cluster cluster) throws Exception {
        StoreDatabase master = db(cluster, "master");
        StoreClient writer = visitor(cluster);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            long id = open(writer, "Probe " + attempts, 0);
            assertTrue(master.has("ACCOUNT", id), "the master holds account " + id + " once its opening is answered");
            StoreClient.Reply read = visitor(cluster).get("ledger/api/accounts/" + id);
            if (read.status() == 404) {
                // The master has it: a copy without it answered, a replica a round behind.
                assertTrue(read.body().contains("account " + id + " does not exist"), read::toString);
                break;
            }
            assertEquals(id, assertOk(read).path("id").asLong(), read::toString);
            assertTrue(System.nanoTime() < deadline, "within 60 s a visitor who never wrote reads a replica that lacks the"
                    + " newest account; " + attempts + " tries");
            Thread.sleep(200);
        }
        System.out.printf("LedgerClusterIT: a replica answered a visitor's read (try %d)%n", attempts);
    }

    @Test
    @Order(14)
    void shouldShowAUserTheirOwnTransfersAtOnceThroughTheRouter(Cluster cluster) {
        StoreClient user = visitor(cluster);
        long payer = open(user, "Bea", 1_000_000);
        long payee = open(user, "Cal", 0);
        long payerBalance = 1_000_000;
        long payeeBalance = 0;
        int lagging = 0;
        for (int i = 1; i <= 20; i++) {
            StoreClient.Reply paid = user.post("ledger/api/accounts/" + payer + "/entries",
                    "{\"toAccountId\":" + payee + ",\"amountCents\":" + (100 + i) + ",\"memo\":\"t-" + i + "\"}");
            assertEquals(201, paid.status(), paid::toString);
            payerBalance -= 100 + i;
            payeeBalance += 100 + i;
            assertEquals(payerBalance, paid.json().path("balanceCents").asLong(), paid::toString);

            StoreClient.Reply mine = user.get("ledger/api/accounts/" + payer);
            JsonNode account = assertOk(mine);
            assertEquals(payerBalance, account.path("balanceCents").asLong(), "transfer " + i + " read back at once: " + mine);
            assertEquals("t-" + i, account.path("entries").path(0).path("memo").asText(), "its entry first: " + mine);
            assertEquals(-(100 + i), account.path("entries").path(0).path("amountCents").asLong(), mine::toString);
            StoreClient.Reply theirs = user.get("ledger/api/accounts/" + payee);
            assertEquals(payeeBalance, assertOk(theirs).path("balanceCents").asLong(), "the credit too: " + theirs);
            // Checked after the answers: a replica that lacks the transfer now lacked it when they were served.
            long paidOut = payerBalance;
            if (List.of("replica-1", "replica-2").stream().anyMatch(r -> balanceOn(cluster, r, payer) != paidOut)) {
                lagging++;
            }
        }
        assertEquals(payerBalance, balanceOn(cluster, "master", payer));
        assertEquals(payeeBalance, balanceOn(cluster, "master", payee));
        System.out.printf("LedgerClusterIT: 20 transfers read back at once, %d of them while a replica lacked them%n", lagging);
        assertTrue(lagging > 0, "replication held back to a round every 2 s: some reads came while a replica lacked the transfer");
    }

    @Test
    @Order(15)
    void shouldKeepTheLedgersSessionAfterKill9OfTheNodeThatServedIt(Cluster cluster) throws Exception {
        StoreClient setup = visitor(cluster);
        long a = open(setup, "Dan", 100);
        long b = open(setup, "Eve", 100);
        long c = open(setup, "Fox", 100);
        // Visitors who never wrote read the replicas: wait until both have the three accounts.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!List.of("replica-1", "replica-2").stream().allMatch(r -> balanceOn(cluster, r, c) == 100)) {
            assertTrue(System.nanoTime() < deadline, "both replicas hold the new accounts within 30 s");
            Thread.sleep(200);
        }

        // One visitor through the router, one who has only ever been on one node.
        StoreClient viaRouter = visitor(cluster);
        StoreClient.Reply last = null;
        for (long id : new long[] {a, b, c}) {
            last = viaRouter.get("ledger/api/accounts/" + id);
            assertOk(last);
        }
        String served = last.node();
        assertTrue(served.startsWith("node-"), "the router names the node: " + last);
        String other = "node-1".equals(served) ? "node-2" : "node-1";
        StoreClient onlyThere = StoreClient.at(cluster.nodeUri(served), TIMEOUT);
        for (long id : new long[] {c, a}) {
            assertOk(onlyThere.get("ledger/api/accounts/" + id));
        }
        assertEquals(List.of(c, b, a), recent(viaRouter.get("ledger/api/recent")));
        assertEquals(List.of(a, c), recent(onlyThere.get("ledger/api/recent")));

        cluster.kill(served);

        StoreClient.Reply after = viaRouter.get("ledger/api/recent");
        assertEquals(List.of(c, b, a), recent(after), "the recently viewed list outlives " + served + ": " + after);
        assertEquals(other, after.node(), after::toString);
        assertEquals(List.of(a, c), recent(onlyThere.at(cluster.nodeUri(other)).get("ledger/api/recent")),
                "a session " + other + " never served outlives " + served);
        // And the visitor goes on: a transfer and a look at an account, on the node left.
        StoreClient.Reply paid = viaRouter.post("ledger/api/accounts/" + a + "/entries", "{\"toAccountId\":" + b + ",\"amountCents\":7}");
        assertEquals(201, paid.status(), paid::toString);
        assertEquals(93, assertOk(viaRouter.get("ledger/api/accounts/" + a)).path("balanceCents").asLong());
        assertEquals(List.of(a, c, b), recent(viaRouter.get("ledger/api/recent")));
    }

    @Test
    @Order(16)
    void shouldUndeployTheLedgerWhileTheStoreServes(Cluster cluster) throws Exception {
        TestRuntime.Launched undeploy;
        try (StoreLoop store = new StoreLoop(cluster.storeUri())) {
            undeploy = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "undeploy", "ledger");
            assertEquals(List.of(), store.failures(), "the store answered every request during the undeployment");
        }
        assertEquals(0, undeploy.exit(), undeploy.output());
        assertEquals(404, visitor(cluster).get("ledger/api/accounts").status(), "no ledger behind the router");
        assertOk(visitor(cluster).get("api/products?limit=1"));
        // One node was killed above: 'apps' says so, and lists the store alone.
        TestRuntime.Launched apps = TestRuntime.launcherOn(cluster, Duration.ofMinutes(5), "apps");
        assertFalse(apps.output().contains("ledger"), apps.output());
        assertTrue(apps.output().lines().anyMatch(l -> l.startsWith("store")), apps.output());
        assertNotEquals(0, apps.exit(), "a node is down: " + apps.output());
        assertFalse(Files.exists(cluster.stateDir().resolve("apps/ledger.war")), "its copy in the state directory is gone");
    }
}
