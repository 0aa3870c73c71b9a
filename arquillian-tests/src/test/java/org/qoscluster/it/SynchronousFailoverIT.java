package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.GroupClient;
import org.qoscluster.testing.GroupClient.Writer;
import org.qoscluster.testing.QosCluster;

/**
 * The synchronous mode of a redundancy group: a request that wrote answers only once a replica of
 * the application's group has its write, so killing the master loses no acknowledged write, even
 * with the replication agent held back at the moment of the kill. A second group beside it, whose
 * change sequences run far ahead of the application's, must not pass for a replica that has it.
 */
@QosCluster(nodes = 2, replicas = 2, properties = {"qos.group.mode=sync", "qos.group.sync.timeout-ms=1500",
        "qos.router.health.timeout-ms=3000", "qos.groups=archive", "qos.group.archive.ports=free:2",
        "qos.group.archive.tables=NOTE"})
class SynchronousFailoverIT {

    @Test
    void shouldLoseNoAcknowledgedWriteWhenTheMasterIsKilled(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        group.await(s -> s.path("epoch").asLong() == 1 && "OPEN".equals(s.path("phase").asText()), Duration.ofSeconds(30),
                "epoch 1 open");
        // The archive group numbers its own changes: 3,000 notes put its replica's watermark far
        // above any sequence the application's writes reach in this test.
        int notes = 3_000;
        try (Connection c = archive(cluster, "archive-1"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE NOTE (ID INT NOT NULL PRIMARY KEY, TEXT VARCHAR(100))");
        }
        try (Connection c = archive(cluster, "archive-1");
             PreparedStatement insert = c.prepareStatement("INSERT INTO NOTE (ID, TEXT) VALUES (?, ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < notes; i++) {
                insert.setInt(1, i);
                insert.setString(2, "note " + i);
                insert.addBatch();
            }
            insert.executeBatch();
            c.commit();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (notes(cluster, "archive-2") != notes) {
            assertTrue(System.nanoTime() < deadline, "archive-2 holds the " + notes + " notes within 60 s");
            Thread.sleep(200);
        }
        group.await("archive", st -> "AVAILABLE".equals(st.path("copies").path("archive-2").path("status").asText()),
                Duration.ofSeconds(30), "archive-2 caught up, its watermark published");
        try (Writer writer = new Writer(cluster, "sync-")) {
            writer.awaitMore(20, Duration.ofSeconds(60));
            long paused = System.currentTimeMillis();
            // Its supervisor too: it would replace a hung agent (R8), and here nothing may ship.
            cluster.pause(Cluster.REPLICATION_SUPERVISOR);
            cluster.pause(Cluster.REPLICATION_AGENT);
            Thread.sleep(4_000);
            List<Writer.Attempt> meanwhile = writer.attempts().stream().filter(a -> a.sentAt() > paused + 500).toList();
            assertTrue(meanwhile.stream().noneMatch(Writer.Attempt::acknowledged),
                    "no write is acknowledged while no replica of the group can get it (the archive's is ahead): " + meanwhile);
            assertTrue(!meanwhile.isEmpty() && meanwhile.stream().allMatch(a -> a.status() >= 500),
                    "they are answered with an error: " + meanwhile);
            System.out.println("synchronous mode, agent held back: " + meanwhile.size() + " writes answered "
                    + meanwhile.stream().map(a -> String.valueOf(a.status())).distinct().toList());

            long killed = System.currentTimeMillis();
            cluster.kill("derby-master");
            cluster.resume(Cluster.REPLICATION_AGENT);
            cluster.resume(Cluster.REPLICATION_SUPERVISOR);
            JsonNode after = group.await(s -> s.path("epoch").asLong() == 2 && "OPEN".equals(s.path("phase").asText()),
                    Duration.ofSeconds(30), "epoch 2 open");
            Writer.Attempt first = writer.firstAcknowledgedAfter(killed, Duration.ofSeconds(40));
            writer.awaitMore(10, Duration.ofSeconds(30));
            writer.stop();

            String master = after.path("master").asText();
            Set<String> kept = group.emails(master, "sync-");
            List<Writer.Attempt> acked = writer.acknowledged();
            List<Writer.Attempt> lost = acked.stream().filter(a -> !kept.contains(a.email())).toList();
            System.out.printf("synchronous failover: writes acknowledged again %d ms after the kill; %d acknowledged, %d lost%n",
                    first.answeredAt() - killed, acked.size(), lost.size());
            assertEquals(List.of(), lost, "no acknowledged write is lost in synchronous mode");
        }
    }

    private static Connection archive(Cluster cluster, String copy) throws Exception {
        return DriverManager.getConnection(cluster.jdbcUrl("archive", copy), ClusterConfig.DB_USER, cluster.dbPassword());
    }

    /** The notes {@code copy} holds (0 before the table is there). */
    private static long notes(Cluster cluster, String copy) throws Exception {
        try (Connection c = archive(cluster, copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM NOTE")) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }
}
