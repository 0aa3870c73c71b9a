package org.qoscluster.session.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionTableSchema;

/**
 * The session table's rows, over JDBC: writes and deletes through the master path (on a node, its
 * write-path proxy, which leads to the group's master in the current epoch), reads from the
 * node's own copy (a replica) and, only when that copy does not answer, from the master. A row
 * the copy lacks is not looked for on the master: a user whose client names a version is served
 * the master's row by {@link HazelcastSessionStore} when the copy's is missing or older, and any
 * other user may be served any copy; so a user with a UID but no session (a browser that never
 * stored one) costs no master read, and its requests go on while the group changes masters.
 * Every statement runs on its own pooled connection in auto-commit.
 *
 * <p>A write never replaces a row of a newer version: it updates the row only while the row's
 * version is lower, or the row has expired (a session that ended and started again under the same
 * UID counts from version 1), and inserts it when there is none. A row that holds no usable record
 * is logged with the UID and treated as absent.
 */
final class SessionTable {

    private static final Logger LOG = Logger.getLogger(SessionTable.class.getName());
    private static final String T = SessionTableSchema.TABLE;
    private static final String UPDATE = "UPDATE " + T + " SET " + SessionTableSchema.VERSION + " = ?, "
            + SessionTableSchema.EXPIRES_AT + " = ?, " + SessionTableSchema.STORED_AT + " = ?, " + SessionTableSchema.RECORD
            + " = ? WHERE " + SessionTableSchema.UID + " = ? AND (" + SessionTableSchema.VERSION + " < ? OR "
            + SessionTableSchema.EXPIRES_AT + " <= ?)";
    private static final String INSERT = "INSERT INTO " + T + " (" + SessionTableSchema.UID + ", " + SessionTableSchema.VERSION
            + ", " + SessionTableSchema.EXPIRES_AT + ", " + SessionTableSchema.STORED_AT + ", " + SessionTableSchema.RECORD
            + ") VALUES (?, ?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM " + T + " WHERE " + SessionTableSchema.UID + " = ?";
    private static final String SELECT = "SELECT " + SessionTableSchema.VERSION + ", " + SessionTableSchema.EXPIRES_AT + ", "
            + SessionTableSchema.RECORD + " FROM " + T + " WHERE " + SessionTableSchema.UID + " = ?";
    private static final String SWEEP = "DELETE FROM " + T + " WHERE " + SessionTableSchema.EXPIRES_AT + " < ?";
    /** Derby: the row is there already (another write inserted it first). */
    private static final String DUPLICATE = "23505";

    /** How long a read may take before its copy counts as not answering. */
    static final long ANSWER_MS = 1_000;
    /** How long a copy that did not answer in time is not asked. */
    static final long QUIET_MS = 5_000;
    /** The reads' threads: a read that hangs keeps its thread, at most one per copy per quiet time. */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qos-session-table-read");
        t.setDaemon(true);
        t.setContextClassLoader(SessionTable.class.getClassLoader());
        return t;
    });
    private final Supplier<DataSource> master;
    private final Supplier<DataSource> replica;
    private volatile long replicaQuietUntil;
    private volatile long masterQuietUntil;
    private final LongSupplier clock;
    private final int maxRowBytes;
    private final String member;

    /**
     * @param master      the write path (looked up when first used)
     * @param replica     the node's own copy to read (the master's when there is no replica)
     * @param clock       epoch ms
     * @param maxRowBytes the largest record bytes a row may hold and still be read
     * @param member      this member, for the log
     */
    SessionTable(Supplier<DataSource> master, Supplier<DataSource> replica, LongSupplier clock, int maxRowBytes, String member) {
        this.master = master;
        this.replica = replica;
        this.clock = clock;
        this.maxRowBytes = maxRowBytes;
        this.member = member;
    }

    /** Creates the table when missing, through the master path. */
    boolean createIfMissing() throws SQLException {
        try (Connection c = master.get().getConnection()) {
            return SessionTableSchema.createIfMissing(c);
        }
    }

    /**
     * Writes {@code record}, expiring at {@code expiresAt}; false when the table holds a newer
     * version (nothing written).
     */
    boolean write(SessionRecord record, long expiresAt) throws SQLException {
        try (Connection c = master.get().getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement u = c.prepareStatement(UPDATE);
                 PreparedStatement i = c.prepareStatement(INSERT)) {
                return upsert(u, i, record, expiresAt, clock.getAsLong());
            }
        }
    }

    /**
     * Writes {@code records} in one transaction, each as {@link #write} does (a row of a newer
     * version stays): one commit on the master for a whole write-behind batch. How many were
     * written; on a failure nothing is (rolled back) and the exception says why.
     */
    int writeAll(java.util.Collection<SessionRecord> records) throws SQLException {
        long now = clock.getAsLong();
        int written = 0;
        try (Connection c = master.get().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement u = c.prepareStatement(UPDATE);
                 PreparedStatement i = c.prepareStatement(INSERT)) {
                for (SessionRecord record : records) {
                    if (upsert(u, i, record, SessionRows.expiresAt(record), now)) {
                        written++;
                    }
                }
                c.commit();
                return written;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Updates the row of {@code record} when it holds an older (or expired) version, else
     * inserts it; false when a row of this or a later version is there (Derby undoes the refused
     * insert only, not the transaction around it).
     */
    private static boolean upsert(PreparedStatement u, PreparedStatement i, SessionRecord record, long expiresAt, long now)
            throws SQLException {
        byte[] bytes = SessionRows.encode(record);
        u.setLong(1, record.version());
        u.setLong(2, expiresAt);
        u.setLong(3, now);
        u.setBytes(4, bytes);
        u.setString(5, record.uid());
        u.setLong(6, record.version());
        u.setLong(7, now);
        if (u.executeUpdate() > 0) {
            return true;
        }
        i.setString(1, record.uid());
        i.setLong(2, record.version());
        i.setLong(3, expiresAt);
        i.setLong(4, now);
        i.setBytes(5, bytes);
        try {
            i.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (DUPLICATE.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes the row of {@code uid}, if any. */
    void delete(String uid) throws SQLException {
        try (Connection c = master.get().getConnection();
             PreparedStatement d = c.prepareStatement(DELETE)) {
            c.setAutoCommit(true);
            d.setString(1, uid);
            d.executeUpdate();
        }
    }

    /**
     * Deletes the row of {@code uid} on the master now, waiting at most {@value #ANSWER_MS} ms (as
     * {@link #readMaster} does): for a session that ended, whose row the map's write-behind would
     * delete only later.
     */
    void deleteNow(String uid) throws SQLException {
        if (clock.getAsLong() < masterQuietUntil) {
            throw new SQLException("the master did not answer within " + ANSWER_MS + " ms lately; not asked again for " + QUIET_MS + " ms");
        }
        bounded(() -> {
            delete(uid);
            return null;
        }, true);
    }

    /**
     * The record of {@code uid} from the node's own copy (null when it holds no usable row), else,
     * when that copy did not answer, from the master.
     *
     * @throws SQLException when the master does not answer either
     */
    SessionRecord read(String uid) throws SQLException {
        if (clock.getAsLong() >= replicaQuietUntil) {
            try {
                return bounded(() -> read(replica.get(), uid), false);
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.FINE, "member={0} uid={1} session row not read from the node''s copy ({2}); reading the master",
                        new Object[] {member, short8(uid), e.toString()});
            }
        }
        return readMaster(uid);
    }

    /** The record of {@code uid} as the master holds it, or null. */
    SessionRecord readMaster(String uid) throws SQLException {
        if (clock.getAsLong() < masterQuietUntil) {
            throw new SQLException("the master did not answer a session read within " + ANSWER_MS + " ms lately; not asked again for "
                    + QUIET_MS + " ms");
        }
        return bounded(() -> read(master.get(), uid), true);
    }

    /**
     * Runs a read on a thread of its own and waits at most {@value #ANSWER_MS} ms for it: a copy
     * that hangs (stopped, or cut off without a reset) would otherwise hold the caller for ever,
     * and the caller may be a data grid's partition thread (a load, also for a backup), which
     * every other operation of its partitions waits for: the failover coordinator's among them.
     * A copy that did not answer in time is not asked again for {@value #QUIET_MS} ms.
     */
    private SessionRecord bounded(java.util.concurrent.Callable<SessionRecord> read, boolean fromMaster) throws SQLException {
        java.util.concurrent.Future<SessionRecord> f = READERS.submit(read);
        try {
            return f.get(ANSWER_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            long until = clock.getAsLong() + QUIET_MS;
            if (fromMaster) {
                masterQuietUntil = until;
            } else {
                replicaQuietUntil = until;
            }
            LOG.log(Level.WARNING, "member={0} session table: {1} did not answer a read within {2} ms; not asked again for {3} ms",
                    new Object[] {member, fromMaster ? "the master" : "the node's copy", String.valueOf(ANSWER_MS), String.valueOf(QUIET_MS)});
            throw new SQLException((fromMaster ? "the master" : "the node's copy") + " did not answer within " + ANSWER_MS + " ms", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new SQLException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new SQLException("interrupted while reading the session table", e);
        }
    }

    private SessionRecord read(DataSource source, String uid) throws SQLException {
        try (Connection c = source.getConnection();
             PreparedStatement s = c.prepareStatement(SELECT)) {
            s.setString(1, uid);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                long now = clock.getAsLong();
                long expiresAt = r.getLong(2);
                java.sql.Blob blob = expiresAt <= now ? null : r.getBlob(3);
                long size = blob == null ? 0 : blob.length();
                // A row too big is not read at all: its size alone says it is no record of ours.
                SessionRows.Loaded loaded = size > maxRowBytes
                        ? new SessionRows.Loaded(null, "the row holds " + size + " bytes, more than the " + maxRowBytes
                                + " a record may have")
                        : SessionRows.decode(uid, blob == null ? new byte[0] : blob.getBytes(1, (int) size), r.getLong(1),
                                expiresAt, now, maxRowBytes);
                if (loaded.problem() != null) {
                    LOG.log(Level.WARNING, "member={0} uid={1} session row skipped: {2}",
                            new Object[] {member, short8(uid), loaded.problem()});
                }
                return loaded.record();
            }
        }
    }

    /** Deletes the rows that expired before {@code before} (epoch ms); how many. */
    int sweep(long before) throws SQLException {
        try (Connection c = master.get().getConnection();
             PreparedStatement d = c.prepareStatement(SWEEP)) {
            c.setAutoCommit(true);
            d.setLong(1, before);
            return d.executeUpdate();
        }
    }

    /** The start of a UID, as the logs show it. */
    static String short8(String uid) {
        return uid.substring(0, Math.min(8, uid.length()));
    }
}
