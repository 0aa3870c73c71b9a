package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qoscluster.replication.internal.TestSql.exec;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.ReplicationAgent;

/**
 * The agent tells its listener when a replica is ready for a promotion (what the group's status
 * shows as {@code replica-readied:COPY}): once its first readying since it was copied has ended,
 * not before (a replica not copied yet is not readied at all), and once per copy or reconnection.
 */
class ReplicaReadiedTest {

    private static final List<String> TABLES = List.of("ITEM");

    private static Connection open(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Test
    void shouldTellOnceThatAReplicaIsReadyForAPromotionAfterItsCopyWasReadied() throws Exception {
        String master = "jdbc:derby:memory:readied-master;create=true";
        String replica = "jdbc:derby:memory:readied-replica;create=true";
        try (Connection c = open(master)) {
            exec(c, "CREATE TABLE ITEM (ID INT NOT NULL PRIMARY KEY, NOTE VARCHAR(20))", "INSERT INTO ITEM VALUES (1, 'one')");
        }
        open(replica).close();
        List<String> readied = new CopyOnWriteArrayList<>();
        ReplicationAgent.WatermarkListener listener = new ReplicationAgent.WatermarkListener() {
            @Override
            public void watermark(String name, ReplicationAgent.Watermark w) {
            }

            @Override
            public void readied(String name) {
                readied.add(name);
            }
        };
        ReplicationAgent.Epoch epoch = ReplicationAgent.Epoch.first("master");
        ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), Map.of("replica-1", () -> open(replica)), TABLES, 5_000,
                listener, epoch, (copy, was) -> OptionalLong.of(epoch.firstSequence()));
        try {
            agent.install();
            agent.readyReplicas();
            assertEquals(List.of(), readied, "a replica without its copy is not ready");

            agent.shipOnce(); // the copy
            assertEquals(List.of(), readied, "copied, not readied yet");
            agent.readyReplicas();
            assertEquals(List.of("replica-1"), readied, "ready once its first readying ended");
            try (Connection c = open(replica)) {
                assertEquals(List.of("0"), TestSql.rows(c, "SELECT COUNT(*) FROM QOS_CAPTURING"),
                        "its capture armed (switched off) by then");
            }

            try (Connection c = open(master)) {
                exec(c, "INSERT INTO ITEM VALUES (2, 'two')");
            }
            agent.shipOnce();
            agent.readyReplicas();
            assertEquals(List.of("replica-1"), readied, "told once, not at every readying");
        } finally {
            agent.close();
        }
    }
}
