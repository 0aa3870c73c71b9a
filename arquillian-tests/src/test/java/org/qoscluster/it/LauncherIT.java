package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.LauncherException;
import org.qoscluster.testing.TestRuntime;

/** The launcher's promises: clear refusals, and {@code down} stops exactly what {@code up} started. */
class LauncherIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void shouldNameABusyPortAndStartNothing() throws IOException {
        ClusterConfig free = TestRuntime.freePortConfig(1, 1);
        Path state = TestRuntime.stateDir(LauncherIT.class);
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), free.replicas().get(0).port()));
            LauncherException e = assertThrows(LauncherException.class,
                    () -> Cluster.startDatabases(free, TestRuntime.layout(), state, TIMEOUT));
            assertTrue(e.getMessage().contains("port " + squatter.getLocalPort()
                    + " (qos.db.replica.ports, Derby replica-1) is already in use"), e.getMessage());
        }
        assertEquals(List.of(), Cluster.status(state), "nothing was started");
    }

    @Test
    void shouldWarmTheDatabaseServersUpInScratchDatabasesAndLeaveNoTraceOfThem() throws Exception {
        ClusterConfig config = TestRuntime.freePortConfig(1, 2, Map.of(TestRuntime.WARM_UP, "3"));
        Path state = TestRuntime.stateDir(LauncherIT.class);
        // What a start that ended during its warm-up leaves: the next start removes it.
        Path leftover = state.resolve("derby/master/qos_warm_up");
        Files.createDirectories(leftover);
        Files.writeString(leftover.resolve("half-made"), "an earlier start's scratch database");
        Cluster databases = Cluster.startDatabases(config, TestRuntime.layout(), state, TIMEOUT);
        try {
            for (var db : config.databases()) {
                Path home = state.resolve("derby").resolve(db.name());
                String log = Files.readString(home.resolve("derby.log"));
                assertTrue(log.contains("database directory " + home.resolve("qos_warm_up")),
                        db.name() + "'s server booted the warm-up's scratch database:\n" + log);
                assertFalse(Files.exists(home.resolve("qos_warm_up")), db.name() + "'s scratch database is deleted after the warm-up");
                try (Connection c = DriverManager.getConnection(databases.jdbcUrl(db.name()), ClusterConfig.DB_USER, databases.dbPassword());
                     ResultSet tables = c.getMetaData().getTables(null, null, "QOS_WARM_UP%", null)) {
                    assertFalse(tables.next(), db.name() + "'s own database holds no warm-up table");
                }
            }
        } finally {
            Cluster.stop(state);
        }
    }

    @Test
    void shouldStopTheRestAfterOnePartCrashed() {
        ClusterConfig config = TestRuntime.freePortConfig(1, 2);
        Path state = TestRuntime.stateDir(LauncherIT.class);
        Cluster databases = Cluster.startDatabases(config, TestRuntime.layout(), state, TIMEOUT);
        try {
            assertThrows(LauncherException.class, () -> Cluster.startDatabases(config, TestRuntime.layout(), state, TIMEOUT),
                    "a second start from the same state directory is refused");
            databases.kill("derby-replica-1");
            Map<String, Boolean> alive = new HashMap<>();
            Cluster.status(state).forEach(p -> alive.put(p.name(), p.alive()));
            assertEquals(Map.of("derby-master", true, "derby-replica-1", false, "derby-replica-2", true), alive);
        } finally {
            List<String> lines = Cluster.stop(state);
            assertTrue(lines.contains("derby-replica-1: was not running"), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("derby-master: stopped")), lines.toString());
        }
        assertEquals(List.of(), Cluster.status(state), "down removes every pid file");
        for (var db : config.databases()) {
            assertTrue(portFree(db.port()), "port " + db.port() + " is free again after down");
        }
    }

    @Test
    void shouldExitWithAMessageNamingABadSettingFromTheCommandLine() throws Exception {
        TestRuntime.Launched r = TestRuntime.launcher("up", "--state", TestRuntime.stateDir(LauncherIT.class).toString(),
                "-Dqos.db.master.port=abc", "-Dqos.node.heap=lots");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("qos.db.master.port: 'abc' is not a port number"), r.output());
        assertTrue(r.output().contains("qos.node.heap: 'lots' is not a heap size"), r.output());

        Path state = TestRuntime.stateDir(LauncherIT.class);
        TestRuntime.Launched router = TestRuntime.launcher("up", "--state", state.toString(), "--runtime", System.getProperty("qos.runtime.dir"),
                "-Dqos.router.trusted-networks=banana",
                "-Dqos.router.health.interval-ms=0");
        assertEquals(2, router.exit(), router.output());
        assertTrue(router.output().contains("qos.router.trusted-networks: 'banana' is not a CIDR block"), router.output());
        assertTrue(router.output().contains("qos.router.health.interval-ms: '0'"), router.output());
        assertEquals(List.of(), Cluster.status(state), "nothing was started");

        TestRuntime.Launched warmUp = TestRuntime.launcher("up", "--state", state.toString(), "--runtime", System.getProperty("qos.runtime.dir"),
                "-Dqos.router.warm-up-seconds=soon");
        assertEquals(2, warmUp.exit(), warmUp.output());
        assertTrue(warmUp.output().contains("qos.router.warm-up-seconds: 'soon' is not a whole number from 0 to 600"), warmUp.output());
        assertEquals(List.of(), Cluster.status(state), "nothing was started");
    }

    @Test
    void shouldReportAnEmptyStateDirectory() throws Exception {
        Path state = TestRuntime.stateDir(LauncherIT.class);
        TestRuntime.Launched r = TestRuntime.launcher("status", "--state", state.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("nothing is running"), r.output());
        TestRuntime.Launched unknown = TestRuntime.launcher("launch");
        assertEquals(2, unknown.exit(), unknown.output());
        assertTrue(unknown.output().contains("unknown command 'launch'"), unknown.output());
        TestRuntime.Launched noPart = TestRuntime.launcher("restart", "--state", state.toString());
        assertEquals(2, noPart.exit(), noPart.output());
        assertTrue(noPart.output().contains("restart needs one part"), noPart.output());
        TestRuntime.Launched noCluster = TestRuntime.launcher("start", "node-1", "--state", state.toString());
        assertEquals(1, noCluster.exit(), noCluster.output());
        assertTrue(noCluster.output().contains("no cluster was started from"), noCluster.output());
    }

    @Test
    void shouldRefuseAnUnknownHostAndShowTheOtherHostsPartsAsSeenFromHere() throws Exception {
        Path state = TestRuntime.stateDir(LauncherIT.class);
        TestRuntime.Launched r = TestRuntime.launcher("up", "--state", state.toString(), "--runtime",
                System.getProperty("qos.runtime.dir"), "--host", "nowhere",
                "-Dqos.hosts=alpha=127.0.0.1,beta=127.0.0.2", "-Dqos.place.node-2=beta");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("--host: 'nowhere' is not a host of qos.hosts (hosts: alpha, beta)"), r.output());
        assertEquals(List.of(), Cluster.status(state), "nothing was started");

        int port = TestRuntime.freePorts(1).get(0);
        TestRuntime.Launched status = TestRuntime.launcher("status", "--state", state.toString(),
                "-Dqos.hosts=alpha=127.0.0.1,beta=127.0.0.2",
                "-Dqos.place.node-2=beta", "-Dqos.node.http.ports=8081," + port);
        assertEquals(1, status.exit(), "a part of another host does not answer: " + status.output());
        assertTrue(status.output().lines().anyMatch(l -> l.startsWith("node-2") && l.contains("beta")
                && l.contains("127.0.0.2:" + port) && l.contains("no answer")), status.output());
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
