package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;
import org.qoscluster.replication.ReplicationWarmUp;

/**
 * The warm-up over a real Derby network server: it replicates its scratch table from the master's
 * scratch database to each replica's, measures every second, and refuses a database that already
 * has the table (a warm-up starts from a new one).
 */
class ReplicationWarmUpTest {

    private static NetworkDerby server;

    @BeforeAll
    static void start() throws Exception {
        server = NetworkDerby.start();
    }

    @AfterAll
    static void stop() throws SQLException {
        server.close();
    }

    private static ConnectionFactory db(String name) {
        return () -> DriverManager.getConnection(server.url("memory:" + name + ";create=true"));
    }

    @Test
    void shouldShipItsScratchTableToEveryReplicaAndReportEachSecond() throws Exception {
        // A limit no copy of one row takes: the warm-up ends once settled, which needs the
        // replicas to have kept up with the writer, or after that long of shipping.
        ReplicationWarmUp.Report report = ReplicationWarmUp.run(db("m1"), Map.of("replica-1", db("r1"), "replica-2", db("r2")),
                Duration.ofMillis(20), Duration.ofSeconds(30));
        assertTrue(report.transactions() > 0, report.describe());
        assertEquals(Set.of("replica-1 lag", "replica-2 lag", "master commit"), report.worstMillis().keySet(), report.describe());
        for (String replica : new String[] {"r1", "r2"}) {
            try (Connection c = db(replica).open(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT MAX(ID) FROM QOS_WARM_UP_B")) {
                r.next();
                assertTrue(r.getLong(1) > 0, replica + " holds the master's seed row and the changes shipped after it: " + r.getLong(1));
            }
        }
        SQLException again = assertThrows(SQLException.class, () -> ReplicationWarmUp.run(db("m1"), Map.of(),
                Duration.ofMillis(20), Duration.ofSeconds(4)));
        assertTrue(again.getMessage().contains("QOS_WARM_UP_A"), again.getMessage());
    }

    @Test
    void shouldWarmAMasterWithoutReplicas() throws Exception {
        ReplicationWarmUp.Report report = ReplicationWarmUp.run(db("m2"), Map.of(), Duration.ofMillis(20), Duration.ofSeconds(4));
        assertTrue(report.transactions() > 0, report.describe());
        assertEquals(Set.of("master commit"), report.worstMillis().keySet(), report.describe());
    }
}
