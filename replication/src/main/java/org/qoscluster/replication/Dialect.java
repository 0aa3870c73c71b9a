package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between databases: reading table definitions, installing change capture, the
 * transaction horizon, reading without waiting for writers. Derby 10.16 first
 * ({@code DerbyDialect}); PostgreSQL can follow.
 */
public interface Dialect {

    /** Derby 10.16's. */
    static Dialect derby() {
        return new org.qoscluster.replication.internal.DerbyDialect();
    }

    /** Quotes an identifier read from the catalogue. */
    String quote(String identifier);

    /**
     * The definitions of {@code tables} on this connection's schema; fails naming every table that
     * does not exist or has no primary key.
     */
    List<TableSpec> describe(Connection c, List<String> tables) throws SQLException;

    /**
     * Creates what capture needs on the master (sequence, change tables written by one trigger per
     * event, row-identifier tables), switches it on if it is off (a promoted replica's was armed
     * and off) and gives every existing row a row identifier; creates only
     * what is missing, so a restarted agent neither waits on nor disturbs the writers. Row
     * identifiers lie in {@code epoch * 2^40} and the next 2^40 values, so the masters of two
     * epochs never hand out the same one (a copy that is master again numbers its changes from
     * values it drew before); changes get theirs from the agent afterwards. Change sequences start
     * at {@code firstSequence} (1 for a group's first master; above everything the group saw for a
     * promoted one, so that watermarks and write flags of two epochs compare).
     */
    void installCapture(Connection master, List<TableSpec> tables, long epoch, long firstSequence) throws SQLException;

    /**
     * Makes a replica ready to take the writes (a promotion): its generated (identity) columns go on
     * from above the highest value it holds (restarted only where they would not).
     */
    void restartIdentities(Connection copy, List<TableSpec> tables) throws SQLException;

    /**
     * Installs change capture, switched off, on a copy about to get its initial copy (its
     * triggers capture nothing while it is a replica), so that its readying after the copy has
     * none to make: made there, the DDL held each of its tables in turn while it caught up, for
     * seconds on a Derby server just started. Does nothing on a copy whose capture is on or
     * already installed. Returns the tables it installed capture on.
     */
    List<String> armCapture(Connection copy, List<TableSpec> tables) throws SQLException;

    /**
     * Part of a copy's initial copy, before its rows: keeps its generated (identity) columns ahead
     * of the keys of {@code master}, which it is copied from, as {@link #readyToPromote} keeps a
     * replica's ahead of its own, so that its readying after the copy has nothing to restart
     * (the restart's DDL would hold its tables while it catches up).
     */
    void identitiesAheadOf(Connection master, Connection copy, List<TableSpec> tables) throws SQLException;

    /**
     * Readies a replica of {@code epoch} for a promotion, off the failover path, so that a
     * promotion has next to nothing to do: change capture installed, switched off (its triggers
     * capture nothing while the copy is a replica), generated columns kept ahead of the rows the
     * replica holds, and the capture triggers compiled. Does nothing on a copy of another epoch or
     * one whose capture is on. Returns what it did (empty when everything was ready).
     * <p>
     * Without {@code full}, only what moves between two readyings is looked at (the copy's epoch,
     * its generated columns, whether its triggers are still compiled): for a readying after one
     * that found everything ready with the same {@code tables}, and no structural change since.
     * With it, everything (capture's objects, the unique constraints, whatever the database must
     * compile before a promotion).
     */
    List<String> readyToPromote(Connection replica, List<TableSpec> tables, long epoch, boolean full) throws SQLException;

    /**
     * Drops from a replica the unique constraints (not the primary keys) of {@code tables} that a
     * readying added ({@link #readyToPromote}), in a transaction of its own: an apply met one. A
     * replica satisfies the master's constraints only where it holds a state the master held;
     * between, a copy made while writes went on replays changes over rows already in a later
     * state, and two transactions that touch no row in common may arrive in the other order. The
     * next full readying adds them again once the rows satisfy them. Returns the constraints dropped.
     */
    List<String> dropUniqueKeys(Connection replica, List<TableSpec> tables) throws SQLException;

    /** Whether {@code e} (or one chained to it) says a statement would have broken a unique constraint or key. */
    static boolean uniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (SQLException s = t instanceof SQLException x ? x : null; s != null; s = s.getNextException()) {
                if ("23505".equals(s.getSQLState())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The master's write statements that a promoted copy's first writers would compile (Derby:
     * its statement cache, the inserts, updates and deletes and the reads of a write's change
     * sequence), for {@link #precompile} on the replicas; empty where the database keeps none.
     */
    List<String> writeStatements(Connection master) throws SQLException;

    /**
     * Compiles on a replica, without running them, those of {@code statements} it does not hold
     * compiled, so that a promoted copy's first writes find them; returns those it could not
     * compile (not to be tried again) and how many it compiled.
     */
    Precompiled precompile(Connection replica, List<String> statements) throws SQLException;

    /** What {@link #precompile} did: statements compiled, and those refused. */
    record Precompiled(int compiled, List<String> refused) {

        public Precompiled {
            refused = List.copyOf(refused);
        }
    }

    /**
     * Compiles, by firing them once in transactions rolled back, the capture triggers that are not
     * compiled (made or invalidated since they last fired): concurrent first firings fail. For a
     * copy being promoted, before any writer comes. Returns the tables whose triggers it fired.
     */
    List<String> compileCapture(Connection copy, List<TableSpec> tables) throws SQLException;

    /**
     * Has every generated (identity) column of {@code tables} on the master take its range of
     * values now, not at the writers' first inserts. On Derby a column takes a range in a nested
     * transaction that does not wait, tried twice, when the server first generates one of its
     * values (after a start, or after DDL emptied the catalogue's caches: capture's install, a
     * promotion's restart of the identities), and concurrent first inserts then fail with
     * {@code 40XL1} (8 writers after a restart of an embedded database: 56-81 refused in 10
     * restarts, none after this). A database whose sequences do not fail so does nothing.
     */
    void warmIdentities(Connection master, List<TableSpec> tables) throws SQLException;

    /**
     * Keeps writers out of {@code table} until the end of the caller's transaction, waiting for
     * the transactions writing it to end; readers go on.
     */
    void lockAgainstWriters(Connection c, String table) throws SQLException;

    /**
     * Keeps readers and writers out of {@code table} until the end of the caller's transaction,
     * waiting for the statements reading it to end: a reader at READ COMMITTED then sees a
     * transaction applied to a replica whole or not at all.
     */
    void lockAgainstReaders(Connection c, String table) throws SQLException;

    /** The epoch a copy last served in and the master it had then, if it ever recorded one. */
    java.util.Optional<CopyEpoch> epoch(Connection copy) throws SQLException;

    /** Records on a copy that it serves in {@code epoch} under {@code master}; part of the caller's transaction. */
    void writeEpoch(Connection copy, long epoch, String master) throws SQLException;

    /**
     * The fence of the agent process, part of the caller's transaction on a replica: fails when the
     * replica has taken a write from a later agent {@code generation} (a supervisor started another
     * agent in place of this one), else records {@code generation} as the latest, so that no
     * earlier generation writes to it again. The row stays locked until the transaction ends.
     */
    void fenceGeneration(Connection replica, long generation) throws SQLException;

    /**
     * The update that {@link #fenceGeneration} runs first, both parameters the agent's generation:
     * one row updated when the replica may take this generation's writes. An apply keeps it
     * prepared on its connection (one round trip less an apply, which counts across a WAN) and
     * calls {@link #fenceGeneration} only when it updates no row, to fail with the reason.
     */
    String generationFence();

    /**
     * Turns a copy that was master (its capture is on) into a copy to be copied afresh as a
     * replica: its capture is switched off, not taken down (it stays readied for a later
     * promotion, as every replica's is), its foreign keys go and its generated columns accept
     * given values. Its change rows from {@code fromSequence} on, which never reached the group,
     * are kept in {@link TableSpec#tailTable} tables for an operator (never merged, never
     * dropped), except those of the transactions in {@code reached}, which did reach it (the
     * successor applied them above its watermark); its change tables are emptied. Returns how many
     * change rows were kept; does nothing for a copy whose capture is off or was never installed.
     */
    long setTailAside(Connection copy, List<TableSpec> tables, long fromSequence, java.util.Set<String> reached, long epoch)
            throws SQLException;

    /**
     * A replica's watermark ({@code QOS_WATERMARK}): every change of its master's stream below it is
     * applied. Empty for a copy that never was a replica.
     */
    java.util.OptionalLong watermark(Connection copy) throws SQLException;

    /**
     * The tables a replica's initial copy took ({@code QOS_COPIED}, written with the copy). A table
     * not among them was added to capture after the copy: the replica has none of the rows it held
     * before, and needs a copy again. Empty for a copy that never was a replica.
     */
    java.util.Set<String> copiedTables(Connection copy) throws SQLException;

    /**
     * The transactions a replica applied whose last change is at or above {@code sequence}
     * ({@code QOS_APPLIED}): with its watermark, they say exactly which changes it holds.
     */
    java.util.Set<String> appliedFrom(Connection copy, long sequence) throws SQLException;

    /**
     * Forgets, in the caller's transaction, which transactions a replica applied: when it starts to
     * follow a new master whose transaction ids are counted apart (they may equal the old ones).
     */
    void forgetApplied(Connection copy) throws SQLException;

    /**
     * Creates the replicated tables (columns and primary key, no foreign keys: the master keeps
     * the data consistent), their row-identifier tables and the watermark tables on a replica;
     * idempotent. Returns whether the replica still needs its initial copy.
     */
    boolean prepareReplica(Connection replica, List<TableSpec> tables) throws SQLException;

    /**
     * The master's transaction horizon, read in this order: one past the highest change sequence
     * written so far (committed or not), then the ids of the transactions still open. A
     * transaction not open then whose first change is below that value had committed (or rolled
     * back) before the horizon was read, so all its changes are visible.
     */
    Horizon horizon(Connection master, List<TableSpec> tables) throws SQLException;

    /**
     * The ids of the master's transactions still open, as in {@link #horizon}. A transaction may
     * still be listed after its commit has released its locks (Derby marks it idle after releasing
     * them, and its thread may be held up in between), so one that waited for its rows can commit
     * meanwhile, and both reads of a round may list it.
     */
    java.util.Set<String> openTransactions(Connection master) throws SQLException;

    /**
     * {@code select} made to read without taking or waiting for locks (the agent filters out what
     * open transactions wrote by the horizon rule), so the agent never slows a writer down.
     */
    String withoutLocks(String select);

    /**
     * What the master says about the transactions among {@code ids} that are still open (type,
     * status, current statement), for a log line when they hold the watermarks back.
     */
    String describeOpen(Connection master, java.util.Set<String> ids) throws SQLException;

    /**
     * Purges the change rows deleted from {@code changeTable} on the master, without waiting for
     * or locking out its writers. Derby leaves deleted rows in their pages until something
     * purges them, and every scan of the change table then steps over them: in the seconds after a
     * backlog of 100,000 changes had shipped, lags reached 350-480 ms and writers fell behind
     * ({@code bench/replication-lag.sh}); purged, about 200 ms. A database that does it by itself
     * (PostgreSQL's autovacuum) does nothing here.
     */
    void reclaim(Connection master, String changeTable) throws SQLException;

    /** What a copy records of the epoch it serves in ({@code QOS_EPOCH}). */
    record CopyEpoch(long epoch, String master) {
    }

    /** See {@link #horizon}. */
    record Horizon(long nextSequence, java.util.Set<String> openTransactions) {

        public Horizon {
            openTransactions = java.util.Set.copyOf(openTransactions);
        }
    }
}
