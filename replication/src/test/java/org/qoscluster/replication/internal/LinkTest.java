package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A link closed by another thread in the middle of a transaction: on a Derby network server
 * through the client driver, as the agent's links are, and on an embedded database (the two
 * drivers abort a connection differently).
 */
class LinkTest {

    private static NetworkDerby server;

    @BeforeAll
    static void startServer() throws Exception {
        server = NetworkDerby.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    /** A new in-memory database named {@code name}, through the driver {@code kind} names. */
    private static String url(String kind, String name) {
        return (kind.equals("network") ? server.url("memory:") : "jdbc:derby:memory:") + name + "-" + kind + ";create=true";
    }

    @ParameterizedTest
    @ValueSource(strings = {"network", "embedded"})
    void shouldRollBackATransactionWhoseLinkAnotherThreadClosesAndRunNoMoreOfItElsewhere(String kind) throws Exception {
        String url = url(kind, "link-test");
        try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE T (ID INT PRIMARY KEY)");
            s.execute("INSERT INTO T VALUES (1)");
            // A lock left behind shows as a time-out of the check below, not as a test that hangs.
            s.execute("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.locks.waitTimeout', '30')");
        }
        Link link = new Link(() -> DriverManager.getConnection(url));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            // As an apply that a round stopped waiting for: a first statement done (its row
            // locked), the rest still to come when the agent closes.
            Future<Throwable> transaction = thread.submit(() -> {
                try {
                    link.inTransaction(c -> {
                        link.prepare("UPDATE T SET ID = 2 WHERE ID = 1").executeUpdate();
                        inside.countDown();
                        try {
                            closed.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        link.prepare("INSERT INTO T VALUES (3)").executeUpdate();
                        return null;
                    });
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            assertEquals(true, inside.await(60, TimeUnit.SECONDS), "the transaction never started");
            link.close();
            closed.countDown();
            Throwable failed = transaction.get(60, TimeUnit.SECONDS);
            assertInstanceOf(SQLException.class, failed, "the rest of the transaction ran after its link was closed");

            // Nothing of it stayed: its update rolled back and its row lock gone (an update of the
            // row gets it), its insert run nowhere.
            try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
                other.setAutoCommit(false);
                assertEquals(1, s.executeUpdate("UPDATE T SET ID = ID WHERE ID = 1"), "the closed transaction's update stayed");
                other.commit();
                List<Integer> ids = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT ID FROM T ORDER BY ID")) {
                    while (r.next()) {
                        ids.add(r.getInt(1));
                    }
                }
                other.commit();
                assertEquals(List.of(1), ids, "the rows after the closed transaction");
            }
        } finally {
            thread.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"network", "embedded"})
    void shouldWorkOnANewConnectionAfterAClose(String kind) throws SQLException {
        String url = url(kind, "link-reopen");
        try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE T (ID INT PRIMARY KEY)");
        }
        Link link = new Link(() -> DriverManager.getConnection(url));
        link.inTransaction(c -> insert(link, 1));
        Connection first = link.connection();
        link.close();
        // As an agent started again: the statement prepared before belonged to the old connection.
        link.inTransaction(c -> insert(link, 2));
        org.junit.jupiter.api.Assertions.assertNotSame(first, link.connection());
        try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM T")) {
            r.next();
            assertEquals(2, r.getInt(1));
        }
        link.close();
    }

    private static int insert(Link link, int id) throws SQLException {
        java.sql.PreparedStatement p = link.prepare("INSERT INTO T VALUES (?)");
        p.setInt(1, id);
        return p.executeUpdate();
    }

    @org.junit.jupiter.api.Test
    void shouldCloseALinkWhoseServerIsGoneWithNothingFailingInTheAbortThread() throws Exception {
        java.util.Map<String, Throwable> uncaught = new java.util.concurrent.ConcurrentHashMap<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.put(t.getName(), e));
        try {
            Link link;
            try (NetworkDerby gone = NetworkDerby.start()) {
                String url = gone.url("memory:link-gone;create=true");
                try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
                    s.execute("CREATE TABLE T (ID INT PRIMARY KEY)");
                }
                link = new Link(() -> DriverManager.getConnection(url));
                link.inTransaction(c -> insert(link, 1));
                // A transaction under way when the server goes (a copy's server killed mid-apply).
                link.connection().setAutoCommit(false);
                insert(link, 2);
            }
            link.close();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("qos-replication-link-abort")) {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            // Derby's abort task rolls back, and prints a failed rollback to the connection's log
            // writer, which is null unless one is set: a NullPointerException on the console.
            assertEquals(java.util.Map.of(), uncaught, "what failed in the link's threads");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
