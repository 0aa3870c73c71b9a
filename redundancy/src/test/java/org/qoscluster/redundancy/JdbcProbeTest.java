package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.derby.drda.NetworkServerControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heartbeat's probe against a real Derby network server on 127.0.0.1. */
class JdbcProbeTest {

    @TempDir
    static Path home;

    private final AtomicLong now = new AtomicLong();
    private NetworkServerControl server;
    private int port;

    @BeforeAll
    static void derbyHome() {
        System.setProperty("derby.system.home", home.toString());
        System.setProperty("derby.stream.error.file", home.resolve("derby.log").toString());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            shutdown();
        }
    }

    @Test
    void asksOnItsConnectionAndOpensANewOneOnlyOnceItIsOld() throws Exception {
        start(freePort());
        JdbcProbe probe = probe(Duration.ofSeconds(2));
        for (int i = 0; i < 10; i++) {
            probe.check();
            now.addAndGet(Duration.ofMillis(150).toNanos());
        }
        assertEquals(1, probe.connectionsOpened(), "ten looks within 2 s: one connection");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        probe.check();
        assertEquals(2, probe.connectionsOpened(), "a look once the connection is 2 s old opens a new one");
        probe.close();
    }

    @Test
    void failsOnceTheServerIsGoneAndAnswersTheFirstLookAfterItIsBack() throws Exception {
        start(freePort());
        JdbcProbe probe = probe(Duration.ofMinutes(1));
        probe.check();
        shutdown();
        assertThrows(SQLException.class, probe::check, "the kept connection is dead and a new one is refused");
        start(port);
        assertDoesNotThrow(probe::check, "a restarted server answers the next look on a new connection");
        shutdown();
        start(port);
        assertDoesNotThrow(probe::check, "a kept connection from before the restart does not fail the look");
        probe.close();
    }

    private JdbcProbe probe(Duration freshEvery) {
        return new JdbcProbe("jdbc:derby://127.0.0.1:" + port + "/memory:probe;create=true", "app", "app", freshEvery, now::get);
    }

    private void start(int on) throws Exception {
        port = on;
        server = new NetworkServerControl(InetAddress.getLoopbackAddress(), port);
        server.start(new PrintWriter(PrintWriter.nullWriter()));
        for (int i = 0; ; i++) {
            try {
                server.ping();
                return;
            } catch (Exception e) {
                if (i == 100) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private void shutdown() throws Exception {
        server.shutdown();
        server = null;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
