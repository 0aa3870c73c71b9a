package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.GroupClient;
import org.qoscluster.testing.GroupClient.Writer;
import org.qoscluster.testing.QosCluster;
import org.qoscluster.testing.StoreClient;

/**
 * Redundancy groups on a real cluster: two nodes (each with its write-path proxy, the
 * older one coordinating), three Derby copies, sign-ups written through the router the whole time.
 * The tests build on each other: the master killed, then brought back, then the next master
 * stopped, then a master killed together with the coordinator's node.
 */
@QosCluster(nodes = 2, replicas = 2, properties = {"qos.router.health.timeout-ms=3000"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {

    private static final Duration WRITES_BACK = Duration.ofSeconds(20);
    /** Written by the first test: acknowledged by the killed master, never replicated. */
    private static Set<String> lostInEpoch1 = Set.of();
    private static Set<String> keptInEpoch2 = Set.of();

    private static boolean open(JsonNode s, long epoch) {
        return s.path("epoch").asLong() == epoch && "OPEN".equals(s.path("phase").asText());
    }

    private static boolean allAvailable(JsonNode s) {
        return s.path("copies").size() == 3 && java.util.stream.StreamSupport.stream(s.path("copies").spliterator(), false)
                .allMatch(m -> "AVAILABLE".equals(m.path("status").asText()));
    }

    private static Set<String> emails(List<Writer.Attempt> attempts) {
        return attempts.stream().map(Writer.Attempt::email).collect(Collectors.toSet());
    }

    @Test
    @Order(1)
    void shouldMoveWritesToTheMostCaughtUpCopyWhenTheMasterIsKilled(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        group.await(s -> open(s, 1) && "master".equals(s.path("master").asText()) && allAvailable(s), Duration.ofSeconds(30),
                "epoch 1 with the configured master and every copy available");
        try (Writer writer = new Writer(cluster, "kill-")) {
            writer.awaitMore(20, Duration.ofSeconds(30));
            // The agent held back (SIGSTOP): what the master acknowledges from now on is on no
            // replica, the asynchronous tail a failover loses.
            // Its supervisor too: it would replace a hung agent (R8), and here nothing may ship.
            cluster.pause(Cluster.REPLICATION_SUPERVISOR);
            cluster.pause(Cluster.REPLICATION_AGENT);
            long paused = System.currentTimeMillis();
            writer.awaitMore(5, Duration.ofSeconds(10));
            long killed = System.currentTimeMillis();
            cluster.kill("derby-master");
            cluster.resume(Cluster.REPLICATION_AGENT);
            cluster.resume(Cluster.REPLICATION_SUPERVISOR);

            JsonNode after = group.await(s -> open(s, 2), WRITES_BACK, "epoch 2 open");
            String master = after.path("master").asText();
            assertTrue(master.startsWith("replica-"), "a replica took over: " + after);
            Writer.Attempt first = writer.firstAcknowledgedAfter(killed, WRITES_BACK);
            System.out.printf("failover: master killed, writes acknowledged again %d ms later, on %s; epoch 2 open %d ms"
                    + " after the kill%n", first.answeredAt() - killed, master, after.path("sinceMillis").asLong() - killed);
            writer.attempts().stream().filter(a -> a.answeredAt() >= killed && a.sentAt() <= first.sentAt())
                    .forEach(a -> System.out.printf("  sent +%d ms, answered +%d ms: %d%n", a.sentAt() - killed,
                            a.answeredAt() - killed, a.status()));
            writer.awaitMore(10, Duration.ofSeconds(10));
            writer.stop();

            Set<String> onNewMaster = group.emails(master, "kill-");
            List<Writer.Attempt> acked = writer.acknowledged();
            List<Writer.Attempt> lost = acked.stream().filter(a -> !onNewMaster.contains(a.email())).toList();
            System.out.printf("failover: %d writes acknowledged, %d lost with the old master (asynchronous mode)%n",
                    acked.size(), lost.size());
            for (Writer.Attempt a : lost) {
                assertTrue(a.answeredAt() >= paused - 1_000 && a.sentAt() <= killed,
                        "only writes the old master acknowledged while nothing shipped are lost: " + a);
            }
            assertFalse(lost.isEmpty(), "the writes acknowledged while the agent was held back were on no replica");
            for (Writer.Attempt a : acked) {
                if (a.sentAt() > killed) {
                    assertTrue(onNewMaster.contains(a.email()), "a write acknowledged after the failover is on the new master: " + a);
                }
            }
            lostInEpoch1 = emails(lost);
            keptInEpoch2 = onNewMaster;

            String other = "replica-1".equals(master) ? "replica-2" : "replica-1";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!group.emails(other, "kill-").equals(onNewMaster)) {
                assertTrue(System.nanoTime() < deadline, other + " holds what the new master holds within 30 s");
                Thread.sleep(200);
            }
            StoreClient.Reply health = StoreClient.at(cluster.nodeUri("node-1"), Duration.ofSeconds(5)).get("api/health");
            assertEquals(master, health.json().path("database").asText(), "node-1 writes to the new master: " + health);
        }
    }

    @Test
    @Order(2)
    void shouldCatchTheOldMasterUpAndKeepItsAsynchronousTailAside(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        java.sql.Timestamp restarted = new java.sql.Timestamp(System.currentTimeMillis());
        cluster.restart("derby-master", Duration.ofMinutes(1));
        JsonNode s = group.await(st -> "AVAILABLE".equals(st.path("copies").path("master").path("status").asText()),
                Duration.ofSeconds(60), "the old master available (caught up) again");
        assertEquals("replica", s.path("copies").path("master").path("role").asText(), s::toString);
        assertEquals(keptInEpoch2, group.awaitEmails("master", "kill-", keptInEpoch2, Duration.ofSeconds(30)),
                "the old master holds what the group holds, no more");
        Set<String> tail = group.tailEmails("master", 1);
        assertTrue(tail.containsAll(lostInEpoch1), "every write lost in the failover is kept aside on the old master: "
                + lostInEpoch1 + " vs " + tail);
        Set<String> both = new HashSet<>(tail);
        both.retainAll(keptInEpoch2);
        assertTrue(both.isEmpty(), "the tail holds only what never reached the group: " + both);
        assertEquals(String.valueOf(1), s.path("tails").path("master").path("epoch").asText(), "the tail is reported: " + s);
        // It keeps the capture it had as master, switched off: no trigger made again since its
        // restart (rebuilding them held its tables for seconds while it caught up).
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(cluster.jdbcUrl("master"),
                org.qoscluster.config.ClusterConfig.DB_USER, cluster.dbPassword());
             java.sql.Statement st = c.createStatement()) {
            try (java.sql.ResultSet r = st.executeQuery("SELECT COUNT(*) FROM QOS_CAPTURING")) {
                r.next();
                assertEquals(0, r.getLong(1), "capture on the old master is switched off");
            }
            try (java.sql.ResultSet r = st.executeQuery("SELECT TRIGGERNAME, CREATIONTIMESTAMP FROM SYS.SYSTRIGGERS"
                    + " WHERE TRIGGERNAME LIKE 'QOS!_%' ESCAPE '!'")) {
                int triggers = 0;
                while (r.next()) {
                    triggers++;
                    assertTrue(r.getTimestamp(2).before(restarted), "capture trigger " + r.getString(1) + " made "
                            + r.getTimestamp(2) + ", before the old master's restart at " + restarted);
                }
                int tables = org.qoscluster.replication.ReplicationSettings.of(cluster.config()).tables().size();
                assertEquals(3 * tables, triggers, "the old master keeps its capture triggers, three per replicated table");
            }
        }
    }

    @Test
    @Order(3)
    void shouldNotLetAStoppedMasterTakeWritesAfterTheNewOneTookOver(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        JsonNode s = group.await(st -> open(st, 2), Duration.ofSeconds(10), "epoch 2 open");
        String stopped = s.path("master").asText();
        try (Writer writer = new Writer(cluster, "stop-")) {
            writer.awaitMore(20, Duration.ofSeconds(30));
            long paused = System.currentTimeMillis();
            cluster.pause("derby-" + stopped);
            JsonNode after;
            try {
                after = group.await(st -> open(st, 3), WRITES_BACK, "epoch 3 open while " + stopped + " hangs");
                Writer.Attempt first = writer.firstAcknowledgedAfter(paused, WRITES_BACK);
                System.out.printf("failover: master stopped, writes acknowledged again %d ms later%n",
                        first.answeredAt() - paused);
            } finally {
                cluster.resume("derby-" + stopped);
            }
            long resumed = System.currentTimeMillis();
            String master = after.path("master").asText();
            assertNotEquals(stopped, master);
            writer.awaitMore(20, Duration.ofSeconds(20));
            writer.stop();

            Set<String> onNewMaster = group.emails(master, "stop-");
            for (Writer.Attempt a : writer.acknowledged()) {
                if (a.sentAt() > paused) {
                    assertTrue(onNewMaster.contains(a.email()), "every write acknowledged since the stop is on the new master: " + a);
                }
            }
            // The stopped master comes back as a replica; whatever it holds that the group does
            // not is its tail, and it wrote none of it after it was deposed.
            group.await(st -> "AVAILABLE".equals(st.path("copies").path(stopped).path("status").asText()),
                    Duration.ofSeconds(60), stopped + " caught up as a replica");
            assertEquals(onNewMaster, group.awaitEmails(stopped, "stop-", onNewMaster, Duration.ofSeconds(30)),
                    stopped + " holds exactly what the group holds");
            long newest = group.newestTailChange(stopped, 2);
            assertTrue(newest < resumed, "no change on " + stopped + " after it came back (newest tail change " + newest
                    + ", resumed " + resumed + ")");
        }
    }

    @Test
    @Order(4)
    void shouldFinishAFailoverWhenTheCoordinatorsNodeDiesDuringIt(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        JsonNode s = group.await(st -> open(st, 3) && allAvailable(st), Duration.ofSeconds(60),
                "epoch 3 with every copy available");
        String coordinator = s.path("coordinator").asText();
        String master = s.path("master").asText();
        try (Writer writer = new Writer(cluster, "both-")) {
            writer.awaitMore(10, Duration.ofSeconds(30));
            long killed = System.currentTimeMillis();
            cluster.kill("derby-" + master);
            // The coordinator suspects the master: the failover is under way. Its node dies now.
            group.await(st -> !"AVAILABLE".equals(st.path("copies").path(master).path("status").asText()),
                    Duration.ofSeconds(10), "the coordinator suspecting " + master);
            cluster.kill(coordinator);
            JsonNode after = group.await(st -> open(st, 4), Duration.ofSeconds(40), "epoch 4 open under a new coordinator");
            assertNotEquals(coordinator, after.path("coordinator").asText(), after::toString);
            assertNotEquals(master, after.path("master").asText(), after::toString);
            Writer.Attempt first = writer.firstAcknowledgedAfter(killed, Duration.ofSeconds(40));
            System.out.printf("failover with the coordinator's node killed: writes acknowledged again %d ms after the kill%n",
                    first.answeredAt() - killed);
            writer.awaitMore(5, Duration.ofSeconds(20));
        }
    }

    @Test
    @Order(5)
    void shouldSwitchOverOnRequestWithoutLosingAWriteAndRefuseBadRequests(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        JsonNode s = group.await(st -> open(st, 4) && java.util.stream.StreamSupport.stream(st.path("copies").spliterator(), false)
                .filter(m -> "AVAILABLE".equals(m.path("status").asText())).count() == 2, Duration.ofSeconds(60),
                "epoch 4 with two copies available");
        String master = s.path("master").asText();
        String target = null;
        String dead = null;
        for (var m : (Iterable<java.util.Map.Entry<String, JsonNode>>) s.path("copies")::fields) {
            if (!m.getKey().equals(master)) {
                if ("AVAILABLE".equals(m.getValue().path("status").asText())) {
                    target = m.getKey();
                } else {
                    dead = m.getKey();
                }
            }
        }
        assertEquals(0, org.qoscluster.launcher.internal.GroupCommands.run(cluster.stateDir(), java.nio.file.Path.of("unused"), null, List.of("status")),
                "bin/qoscluster group status answers");

        assertEquals(401, group.switchover(target, null).status(), "no token, no switchover");
        assertEquals(401, group.switchover(target, "forged").status());
        GroupClient.Answer unknown = group.switchover("replica-9", cluster.adminToken());
        assertEquals(400, unknown.status(), unknown::toString);
        assertTrue(unknown.body().path("error").asText().contains("no copy 'replica-9'"), unknown::toString);
        GroupClient.Answer toMaster = group.switchover(master, cluster.adminToken());
        assertEquals(409, toMaster.status(), toMaster::toString);
        assertTrue(toMaster.body().path("error").asText().contains("master already"), toMaster::toString);
        GroupClient.Answer toDead = group.switchover(dead, cluster.adminToken());
        assertEquals(409, toDead.status(), toDead::toString);
        assertTrue(toDead.body().path("error").asText().contains("UNAVAILABLE"), toDead::toString);
        assertEquals(4, group.status().path("epoch").asLong(), "a refused switchover changes nothing");

        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Integer> readStatuses = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread reader = new Thread(() -> {
            StoreClient browser = StoreClient.at(cluster.storeUri(), Duration.ofSeconds(10));
            while (reading.get()) {
                readStatuses.add(browser.get("api/products?limit=5").status());
            }
        });
        try (Writer writer = new Writer(cluster, "switch-")) {
            writer.awaitMore(20, Duration.ofSeconds(30));
            reader.start();
            long asked = System.currentTimeMillis();
            GroupClient.Answer done = group.switchover(target, cluster.adminToken());
            assertEquals(200, done.status(), done::toString);
            assertEquals(target, done.body().path("master").asText());
            assertEquals(5, done.body().path("epoch").asLong());
            System.out.printf("switchover to %s took %d ms%n", target, System.currentTimeMillis() - asked);
            writer.firstAcknowledgedAfter(System.currentTimeMillis(), WRITES_BACK);
            writer.awaitMore(5, Duration.ofSeconds(20));
            writer.stop();
            reading.set(false);
            reader.join(15_000);
            assertTrue(readStatuses.size() >= 3 && readStatuses.stream().allMatch(st -> st == 200),
                    "catalogue reads through the router go on during the switchover: " + readStatuses);
            Set<String> onTarget = group.emails(target, "switch-");
            List<Writer.Attempt> lost = writer.acknowledged().stream().filter(a -> !onTarget.contains(a.email())).toList();
            assertEquals(List.of(), lost, "a planned switchover loses no acknowledged write");
        }
        JsonNode after = group.await(st -> "AVAILABLE".equals(st.path("copies").path(master).path("status").asText()),
                Duration.ofSeconds(60), "the old master caught up as a replica");
        assertEquals("replica", after.path("copies").path(master).path("role").asText(), after::toString);
        assertEquals(0, group.tailEmails(master, 4).size(), "nothing of the old master was left behind");
    }
}
