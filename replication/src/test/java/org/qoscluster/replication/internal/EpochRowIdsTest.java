package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.replication.internal.TestSql.exec;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/**
 * Row identifiers across epochs, end to end on Derby: a copy that is master a second time hands
 * out identifiers that no row of the group holds, although its change sequences start again at
 * its watermark, below values it drew in its first epoch (for the rows there before capture,
 * which have no change row and so move no watermark on; or for transactions that reached the
 * replicas above their watermark). Drawn from the copy's block, such an identifier was an old
 * row's, and the replica applied a new row and a change of the old one as one row's.
 */
class EpochRowIdsTest {

    private static final List<String> TABLES = List.of("ITEM");

    private final Dialect dialect = Dialect.derby();

    private static Connection open(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    private static List<String> rows(String url, String sql) throws SQLException {
        try (Connection c = open(url)) {
            return TestSql.rows(c, sql);
        }
    }

    private long watermark(String url) throws SQLException {
        try (Connection c = open(url)) {
            return dialect.watermark(c).orElseThrow();
        }
    }

    /** Promotes the copy at {@code url} to master of {@code epoch}, as the coordinator does. */
    private void promote(String url, ReplicationAgent.Epoch epoch) throws SQLException {
        try (Connection c = open(url)) {
            ReplicationAgent.promote(c, dialect, TABLES, epoch);
        }
    }

    /** The agent of {@code epoch}: its master at {@code master}, one replica. */
    private static ReplicationAgent agent(String master, String replicaName, String replica,
                                          ReplicationAgent.Epoch epoch) {
        return ReplicationAgent.derby(() -> open(master), Map.of(replicaName, () -> open(replica)), TABLES, 5_000,
                (r, w) -> { }, epoch, (copy, was) -> OptionalLong.of(epoch.firstSequence()));
    }

    /**
     * A group set up over a table that already has rows (they get identifiers at install, drawn
     * from the sequence with no change row), switched over to its second copy and back with a
     * write between. Back on the first copy, its changes are numbered from its watermark, so an
     * insert's identifier is one it drew at install: the replica took a new order and the delete
     * of an old one for one row, and dropped both, while its watermark says it has the order.
     */
    @Test
    void shouldKeepANewRowOnTheReplicaWhenItsMasterIsMasterAgainAfterASwitchoverBack() throws Exception {
        String a = "jdbc:derby:memory:epoch-rids-a;create=true";
        String b = "jdbc:derby:memory:epoch-rids-b;create=true";
        try (Connection c = open(a)) {
            exec(c, "CREATE TABLE ITEM (ID INT NOT NULL PRIMARY KEY, NOTE VARCHAR(20))",
                    "INSERT INTO ITEM VALUES (1, 'old 1'), (2, 'old 2'), (3, 'old 3'), (4, 'old 4'), (5, 'old 5')");
        }
        open(b).close();
        ReplicationAgent.Epoch one = ReplicationAgent.Epoch.first("a");
        try (ReplicationAgent agent = agent(a, "b", b, one)) {
            agent.install();
            agent.shipOnce(); // b's initial copy
        }
        assertEquals(5, rows(b, "SELECT * FROM ITEM").size(), "b has a's rows");

        // Switchover to b: its changes start at its watermark.
        ReplicationAgent.Epoch two = new ReplicationAgent.Epoch(2, "b", watermark(b));
        promote(b, two);
        try (ReplicationAgent agent = agent(b, "a", a, two)) {
            agent.shipOnce(); // a, of epoch 1, copied afresh
            try (Connection c = open(b)) {
                exec(c, "UPDATE ITEM SET NOTE = 'changed on b' WHERE ID = 5");
            }
            agent.shipOnce();
        }
        assertEquals(rows(b, "SELECT * FROM ITEM ORDER BY ID"), rows(a, "SELECT * FROM ITEM ORDER BY ID"), "a follows b");

        // Switchover back to a.
        ReplicationAgent.Epoch three = new ReplicationAgent.Epoch(3, "a", watermark(a));
        promote(a, three);
        try (ReplicationAgent agent = agent(a, "b", b, three)) {
            agent.shipOnce(); // b, of epoch 2, copied afresh
            // The row there before capture that a gave, at install in epoch 1, the sequence value
            // its first change of epoch 3 has.
            int old = keyHolding(b, RowIds.base(1) + three.firstSequence());
            assertTrue(old > 0, "a row given its identifier at install at " + three.firstSequence());
            long ordered;
            try (Connection c = open(a)) {
                exec(c, "INSERT INTO ITEM VALUES (100, 'new order')");
                try (PreparedStatement p = c.prepareStatement("DELETE FROM ITEM WHERE ID = ?")) {
                    p.setInt(1, old);
                    p.executeUpdate();
                }
                ordered = lastChange(c);
            }
            agent.shipOnce();
            assertTrue(watermark(b) > ordered, "b's watermark covers the order: " + watermark(b) + " > " + ordered);
        }
        List<String> master = rows(a, "SELECT * FROM ITEM ORDER BY ID");
        assertTrue(master.contains("100|new order"), master::toString);
        assertEquals(master, rows(b, "SELECT * FROM ITEM ORDER BY ID"), "b holds the master's rows, the new order among them");
        assertEquals(List.of("0"), rows(b, "SELECT COUNT(*) FROM QOS_RID_ITEM R WHERE NOT EXISTS"
                + " (SELECT 1 FROM ITEM T WHERE T.ID = R.ID)"), "no identifier of a row b does not hold");
    }

    /**
     * A transaction left open on the master holds the replica's watermark where it began, and the
     * two that commit while it goes on writing reach the replica above it. The master fails and comes back as
     * master after a short epoch of the other copy that wrote nothing: its changes are numbered
     * from the watermark again, and its second insert draws the identifier of a row that did
     * reach the replica. An insert and the delete of that row are applied as one row's: the new
     * row never reaches the replica, whose watermark passes it.
     */
    @Test
    void shouldKeepANewRowOnTheReplicaWhenAFormerMasterIsPromotedAgainSoonAfterAFailover() throws Exception {
        String a = "jdbc:derby:memory:epoch-rids-flap-a;create=true";
        String b = "jdbc:derby:memory:epoch-rids-flap-b;create=true";
        try (Connection c = open(a)) {
            exec(c, "CREATE TABLE ITEM (ID INT NOT NULL PRIMARY KEY, NOTE VARCHAR(20))");
        }
        open(b).close();
        ReplicationAgent.Epoch one = ReplicationAgent.Epoch.first("a");
        try (ReplicationAgent agent = agent(a, "b", b, one); Connection open = open(a); Connection writer = open(a)) {
            agent.install();
            agent.shipOnce(); // b's initial copy
            exec(writer, "INSERT INTO ITEM VALUES (1, 'first')");
            agent.shipOnce();
            open.setAutoCommit(false);
            exec(open, "INSERT INTO ITEM VALUES (50, 'never committed')");
            exec(writer, "INSERT INTO ITEM VALUES (2, 'after it')", "INSERT INTO ITEM VALUES (3, 'after it too')");
            // Its last change after theirs: they cannot depend on it, and ship.
            exec(open, "INSERT INTO ITEM VALUES (51, 'nor this')");
            agent.shipOnce(); // held: the open transaction is new
            agent.shipOnce();
            assertEquals(List.of("1", "2", "3"), rows(b, "SELECT ID FROM ITEM ORDER BY ID"), "2 and 3 above b's watermark");
            open.rollback(); // a fails
        }

        ReplicationAgent.Epoch two = new ReplicationAgent.Epoch(2, "b", watermark(b));
        promote(b, two);
        try (ReplicationAgent agent = agent(b, "a", a, two)) {
            agent.shipOnce(); // a, of epoch 1, copied afresh
        }
        ReplicationAgent.Epoch three = new ReplicationAgent.Epoch(3, "a", watermark(a));
        assertEquals(two.firstSequence(), three.firstSequence(), "b wrote nothing in epoch 2");
        promote(a, three);
        try (ReplicationAgent agent = agent(a, "b", b, three)) {
            agent.shipOnce(); // b, of epoch 2, copied afresh
            // a drew this in epoch 1 for row 2, above the watermark it starts from again.
            int reached = keyHolding(b, RowIds.base(1) + three.firstSequence() + 1);
            assertEquals(2, reached, "row 2's identifier: a's sequence value after the open transaction's");
            long ordered;
            try (Connection c = open(a)) {
                exec(c, "INSERT INTO ITEM VALUES (100, 'new 100')", "INSERT INTO ITEM VALUES (101, 'new 101')",
                        "DELETE FROM ITEM WHERE ID = 2");
                ordered = lastChange(c);
            }
            agent.shipOnce();
            assertTrue(watermark(b) > ordered, "b's watermark covers the new rows: " + watermark(b) + " > " + ordered);
        }
        List<String> master = rows(a, "SELECT * FROM ITEM ORDER BY ID");
        assertEquals(List.of("1|first", "3|after it too", "100|new 100", "101|new 101"), master);
        assertEquals(master, rows(b, "SELECT * FROM ITEM ORDER BY ID"), "b holds the master's rows");
    }

    /** The key of the row that holds identifier {@code rid} on {@code url}; 0 when none does. */
    private static int keyHolding(String url, long rid) throws SQLException {
        List<String> keys = rows(url, "SELECT ID FROM QOS_RID_ITEM WHERE QOS_RID = " + rid);
        return keys.isEmpty() ? 0 : Integer.parseInt(keys.get(0));
    }

    private static long lastChange(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM QOS_CHG_ITEM")) {
            r.next();
            return r.getLong(1);
        }
    }
}
