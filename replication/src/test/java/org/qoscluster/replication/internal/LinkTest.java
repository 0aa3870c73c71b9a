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

import org.junit.jupiter.api.Test;

/** A link closed by another thread in the middle of a transaction, on an embedded Derby database. */
class LinkTest {

    @Test
    void shouldRollBackATransactionWhoseLinkAnotherThreadClosesAndRunNoMoreOfItElsewhere() throws Exception {
        String url = "jdbc:derby:memory:link-test;create=true";
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

    @Test
    void shouldRefuseToOpenAConnectionOnceClosed() {
        int[] opened = {0};
        Link link = new Link(() -> {
            opened[0]++;
            return DriverManager.getConnection("jdbc:derby:memory:link-closed;create=true");
        });
        link.close();
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, link::connection);
        assertEquals("08003", e.getSQLState());
        assertEquals(0, opened[0], "connections opened after the close");
    }
}
