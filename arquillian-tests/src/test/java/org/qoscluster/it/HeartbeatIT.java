package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.redundancy.GroupSettings;
import org.qoscluster.redundancy.HeartbeatMonitor;
import org.qoscluster.redundancy.JdbcProbe;
import org.qoscluster.redundancy.CopyHealth;
import org.qoscluster.redundancy.Probe;
import org.qoscluster.testing.TestRuntime;

/**
 * The heartbeat monitor of a redundancy group (R7) over real Derby network servers: a
 * copy stopped with {@code SIGSTOP} (hung: its kernel still accepts connections) becomes
 * suspect, then unavailable within the detection bound, and available again after
 * {@code SIGCONT}; a copy killed with {@code kill -9} becomes unavailable and available again
 * after restart; the others stay available meanwhile.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HeartbeatIT {

    private static Cluster databases;
    private static HeartbeatMonitor monitor;
    private static final List<String> CHANGES = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        ClusterConfig config = TestRuntime.freePortConfig(1, 2, Map.of(GroupSettings.PERIOD, "200",
                GroupSettings.TIMEOUT, "500", GroupSettings.RETRIES, "3"));
        databases = Cluster.startDatabases(config, TestRuntime.layout(), TestRuntime.stateDir(HeartbeatIT.class),
                Duration.ofMinutes(2));
        Map<String, Probe> probes = new LinkedHashMap<>();
        for (String copy : List.of("master", "replica-1", "replica-2")) {
            probes.put(copy, new JdbcProbe(databases.jdbcUrl(copy), ClusterConfig.DB_USER, databases.dbPassword()));
        }
        monitor = new HeartbeatMonitor(probes, GroupSettings.from(config), Clock.systemUTC(),
                (copy, from, to, reason) -> CHANGES.add(copy + " " + to));
        monitor.start();
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
        if (databases != null) {
            databases.close();
        }
    }

    private static void await(String copy, CopyHealth status, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (monitor.states().get(copy).status() != status) {
            assertTrue(System.nanoTime() < deadline, copy + " not " + status + " within " + within.toMillis()
                    + " ms: " + monitor.states());
            Thread.sleep(20);
        }
    }

    @Test
    @Order(1)
    void shouldCallEveryRunningCopyAvailable() throws Exception {
        for (String copy : List.of("master", "replica-1", "replica-2")) {
            await(copy, CopyHealth.AVAILABLE, Duration.ofSeconds(10));
        }
    }

    @Test
    @Order(2)
    void shouldSuspectThenGiveUpOnAHungCopyWithinTheBoundAndTakeItBackWhenItResumes() throws Exception {
        CHANGES.clear();
        databases.pause("derby-replica-1");
        long stopped = System.nanoTime();
        try {
            // One beat in progress may still have seen it answer: one period more than the bound.
            await("replica-1", CopyHealth.UNAVAILABLE, monitor.detectionBound().plusMillis(200 + 500));
            long tookMs = (System.nanoTime() - stopped) / 1_000_000;
            // The monitor records a status before it tells the listener: the listener may hear of
            // it a moment after states() shows it.
            long heard = System.nanoTime() + 2_000_000_000L;
            while (!CHANGES.contains("replica-1 UNAVAILABLE") && System.nanoTime() < heard) {
                Thread.sleep(10);
            }
            assertTrue(CHANGES.indexOf("replica-1 SUSPECT") >= 0
                    && CHANGES.indexOf("replica-1 SUSPECT") < CHANGES.indexOf("replica-1 UNAVAILABLE"),
                    "suspect before unavailable: " + CHANGES);
            assertTrue(tookMs >= 2 * 200, "not declared on one missed beat: " + tookMs + " ms");
            assertEquals(CopyHealth.AVAILABLE, monitor.states().get("master").status(), monitor.states().toString());
            assertEquals(CopyHealth.AVAILABLE, monitor.states().get("replica-2").status(), monitor.states().toString());
        } finally {
            databases.resume("derby-replica-1");
        }
        await("replica-1", CopyHealth.AVAILABLE, Duration.ofSeconds(10));
    }

    @Test
    @Order(3)
    void shouldCallAKilledCopyUnavailableAndAvailableAgainAfterRestart() throws Exception {
        databases.kill("derby-replica-2");
        await("replica-2", CopyHealth.UNAVAILABLE, monitor.detectionBound().plusMillis(700));
        assertEquals(CopyHealth.AVAILABLE, monitor.states().get("master").status(), monitor.states().toString());
        databases.restart("derby-replica-2", Duration.ofMinutes(1));
        await("replica-2", CopyHealth.AVAILABLE, Duration.ofSeconds(10));
        try {
            // And it really answers.
            java.sql.DriverManager.getConnection(databases.jdbcUrl("replica-2"), ClusterConfig.DB_USER,
                    databases.dbPassword()).close();
        } catch (SQLException e) {
            throw new AssertionError("replica-2 was called available but refuses connections", e);
        }
    }
}
