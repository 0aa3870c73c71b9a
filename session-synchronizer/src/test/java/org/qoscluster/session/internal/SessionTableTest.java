package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionTableSchema;
import org.qoscluster.session.StoredAttribute;

/**
 * The session table's statements on a real (embedded) Derby database: made once however often
 * asked, a record written and read back, a later version replacing an earlier one and never the
 * other way round, an expired row replaced by a session that starts again, a bad row skipped, a
 * read falling back to the master only when the node's copy does not answer (a row it lacks is
 * not looked for there), expired rows swept.
 */
class SessionTableTest {

    private static final String UID = "AAAAAAAAAAAAAAAAAAAAAA";
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong(START);
    private DataSource master;
    private DataSource replica;
    private SessionTable table;

    @BeforeEach
    void databases() throws SQLException {
        master = derby("master");
        replica = derby("replica");
        table = new SessionTable(() -> master, () -> replica, now::get, 1 << 20, "test");
        assertTrue(table.createIfMissing());
        assertFalse(table.createIfMissing(), "made once");
        try (Connection c = replica.getConnection()) {
            assertTrue(SessionTableSchema.createIfMissing(c));
        }
    }

    private DataSource derby(String name) {
        EmbeddedDataSource ds = new EmbeddedDataSource();
        ds.setDatabaseName(dir.resolve(name).toString());
        ds.setCreateDatabase("create");
        return ds;
    }

    private SessionRecord record(long version, long lastAccess, String cart) {
        return new SessionRecord(UID, START, lastAccess, 60, version,
                Map.of("cart", new StoredAttribute(cart.getBytes(StandardCharsets.UTF_8), version)), null, null, null, "node-1");
    }

    private static String cart(SessionRecord r) {
        return new String(r.attributes().get("cart").value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteReadAndNeverLetAnOlderVersionReplaceANewerOne() throws SQLException {
        SessionRecord v2 = record(2, START, "two lamps");
        assertTrue(table.write(v2, SessionRows.expiresAt(v2)));
        assertNull(table.read(UID), "the node's copy has no row, and the master is not asked for it");
        assertEquals("two lamps", cart(table.readMaster(UID)));
        SessionRecord v3 = record(3, START + 1_000, "three lamps");
        assertTrue(table.write(v3, SessionRows.expiresAt(v3)));
        assertFalse(table.write(v2, SessionRows.expiresAt(v2)), "a late write of an older version");
        assertEquals(3, table.readMaster(UID).version());
        assertEquals("three lamps", cart(table.readMaster(UID)));
        table.delete(UID);
        assertNull(table.read(UID));
    }

    @Test
    void shouldWriteABatchInOneTransactionKeepingNewerRows() throws SQLException {
        SessionRecord v5 = record(5, START, "five");
        assertTrue(table.write(v5, SessionRows.expiresAt(v5)));
        SessionRecord other = new SessionRecord("BBBBBBBBBBBBBBBBBBBBBB", START, START, 60, 1, Map.of(), null, null, null, null);
        assertEquals(1, table.writeAll(java.util.List.of(record(4, START, "four"), other)), "the older version is not written");
        assertEquals("five", cart(table.readMaster(UID)));
        assertEquals(1, table.readMaster("BBBBBBBBBBBBBBBBBBBBBB").version());
        assertEquals(2, table.writeAll(java.util.List.of(record(6, START, "six"),
                new SessionRecord("BBBBBBBBBBBBBBBBBBBBBB", START, START, 60, 2, Map.of(), null, null, null, null))));
        assertEquals("six", cart(table.readMaster(UID)));
    }

    @Test
    void shouldPreferTheNodesOwnCopyAndReplaceAnExpiredRowWithANewSession() throws SQLException {
        SessionRecord old = record(9, START, "old");
        assertTrue(table.write(old, SessionRows.expiresAt(old)));
        SessionTable onReplica = new SessionTable(() -> replica, () -> replica, now::get, 1 << 20, "test");
        SessionRecord copy = record(8, START, "the replica's");
        assertTrue(onReplica.write(copy, SessionRows.expiresAt(copy)));
        assertEquals("the replica's", cart(table.read(UID)), "the node's own copy first");
        now.set(START + 61_000);
        assertNull(table.readMaster(UID), "expired");
        SessionRecord fresh = record(1, now.get(), "new");
        assertTrue(table.write(fresh, SessionRows.expiresAt(fresh)), "an expired row is replaced from version 1");
        assertEquals("new", cart(table.readMaster(UID)));
    }

    @Test
    void shouldSkipABadRowAndSweepExpiredOnes() throws SQLException {
        try (Connection c = master.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO QOS_SESSION VALUES (?, 1, ?, 0, ?)")) {
            s.setString(1, UID);
            s.setLong(2, START + 60_000);
            s.setBytes(3, "not a record".getBytes(StandardCharsets.UTF_8));
            s.executeUpdate();
            s.setString(1, "BBBBBBBBBBBBBBBBBBBBBB");
            s.setLong(2, START - 1);
            s.executeUpdate();
        }
        assertNull(table.read(UID), "logged and skipped");
        assertEquals(1, table.sweep(START), "the expired row only");
        assertEquals(0, table.sweep(START));
    }

    /**
     * A user with a UID but no session row costs the master nothing: while the master hangs (a
     * group draining its master for a switchover holds new connections to it), such a read is
     * answered from the node's copy at once.
     */
    @Test
    void shouldAnswerAMissingRowFromTheNodesCopyWithoutAskingAHungMaster() throws SQLException {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        SessionTable behindAHungMaster = new SessionTable(() -> hangs(asked, never), () -> replica, now::get, 1 << 20, "test");
        try {
            for (int i = 0; i < 3; i++) {
                assertNull(behindAHungMaster.read("CCCCCCCCCCCCCCCCCCCCCC"));
            }
            assertEquals(0, asked.get(), "the master was never asked");
        } finally {
            never.countDown();
        }
    }

    /** A data source whose connections never come (counted in {@code asked}) until {@code never} opens. */
    private DataSource hangs(java.util.concurrent.atomic.AtomicInteger asked, java.util.concurrent.CountDownLatch never) {
        return (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        asked.incrementAndGet();
                        never.await();
                    }
                    throw new SQLException("not answering");
                });
    }

    /**
     * A node's copy that hangs (a stopped server: a connection that never answers) costs a read a
     * bounded wait, after which the master answers; and it is not asked again for a while, so the
     * next read goes to the master at once. (Stands in for a stopped Derby server, which the
     * failover tests stop for real.)
     */
    @Test
    void shouldReadTheMasterWhenTheNodesCopyHangsAndLeaveThatCopyAloneForAWhile() throws SQLException {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        DataSource hangs = hangs(asked, never);
        SessionTable behindAHungCopy = new SessionTable(() -> master, () -> hangs, now::get, 1 << 20, "test");
        SessionRecord v1 = record(1, START, "one lamp");
        assertTrue(behindAHungCopy.write(v1, SessionRows.expiresAt(v1)));
        try {
            assertEquals("one lamp", cart(behindAHungCopy.read(UID)), "the master answered once the copy's time was up");
            assertEquals("one lamp", cart(behindAHungCopy.read(UID)));
            assertEquals(1, asked.get(), "the hung copy was asked once, then left alone");
            now.addAndGet(SessionTable.QUIET_MS);
            assertEquals("one lamp", cart(behindAHungCopy.read(UID)));
            assertEquals(2, asked.get(), "asked again once the quiet time is over");
        } finally {
            never.countDown();
        }
    }
}
