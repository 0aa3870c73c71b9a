package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.internal.Changes;
import org.qoscluster.replication.internal.Link;
import org.qoscluster.replication.internal.RowIds;
import org.qoscluster.replication.internal.Shipping;

/**
 * The master copy as the agent sees it: its connection, the replicated tables as described on
 * it, and the bookkeeping done there. It owns the install of change capture and the epoch check,
 * the promotion of a replica to master, the master's identifier tables (kept, re-identified or
 * forgotten: {@link #identifiedBelow}), the deletion of shipped change rows and the purge of a
 * table's change table after a backlog, the report of transactions that hold every watermark
 * back, and what the master held of the previous epoch when it was promoted. It decides nothing
 * about what ships: {@link Shipping} does.
 */
final class Master {

    private static final Logger LOG = Logger.getLogger(ReplicationAgent.class.getName());

    static final long RECLAIM_AFTER = 50_000;
    static final int BACKLOG_GONE = 5_000;

    final Link link;
    final Dialect dialect;
    final ReplicationAgent.Epoch epoch;
    final Clock clock;
    final int batchRows;
    final long ridBase;
    private final List<String> tableNames;
    /** The tables as described on the master at install; null before. */
    private List<TableSpec> tables;
    /**
     * The master's identifier tables reflect every change below it ({@code QOS_IDENTIFIED}, read
     * at install); 0 when they are not kept. The agent keeps them (RowIds.identify) only while the
     * group has no replica: then they are what a replica that joins starts from. With replicas,
     * the replicas hold the identifiers and a new one starts from one of theirs; the master's stay
     * usable as a starting point until the first change row they do not reflect is deleted.
     */
    private long identifiedBelow;
    /** Change rows of a table shipped and deleted since the master last purged them. */
    private final Map<String, Long> deletedSinceReclaim = new HashMap<>();
    /** See {@link #atPromotion}; null until known. */
    private Optional<Set<String>> atPromotion;
    private Instant heldSince;
    private long heldAt;
    private Instant lastHeldReport;

    Master(Link link, List<String> tableNames, Dialect dialect, Clock clock, int batchRows, ReplicationAgent.Epoch epoch) {
        this.link = link;
        this.tableNames = tableNames;
        this.dialect = dialect;
        this.clock = clock;
        this.batchRows = batchRows;
        this.ridBase = RowIds.base(epoch.number());
        this.epoch = epoch;
    }

    /** See {@link ReplicationAgent#promote}. */
    static void promote(Connection copy, Dialect dialect, List<String> tables, ReplicationAgent.Epoch epoch)
            throws SQLException {
        long t0 = System.nanoTime();
        List<TableSpec> described = dialect.describe(copy, tables);
        long described0 = System.nanoTime();
        Optional<Dialect.CopyEpoch> was = dialect.epoch(copy);
        if (was.isPresent() && was.get().epoch() > epoch.number()) {
            throw new ReplicationException("cannot promote: the copy already serves epoch " + was.get().epoch()
                    + ", later than " + epoch.number());
        }
        Link.inTransaction(copy, c -> {
            dialect.writeEpoch(c, epoch.number(), epoch.master());
            if (was.isEmpty() || was.get().epoch() < epoch.number()) {
                // Its identifier tables, kept as a replica, reflect everything before this epoch
                // (a copy that was master before may record where its own stood then).
                RowIds.identifiedAt(c, epoch.firstSequence());
            }
            return null;
        });
        long t1 = System.nanoTime();
        if (was.isEmpty() || was.get().epoch() < epoch.number()) {
            dialect.restartIdentities(copy, described);
        }
        long t2 = System.nanoTime();
        // Armed while it was a replica (Replica.readyToPromote), capture is only switched on here.
        dialect.installCapture(copy, described, epoch.number(), epoch.firstSequence());
        long t3 = System.nanoTime();
        List<String> compiled = dialect.compileCapture(copy, described);
        LOG.log(Level.INFO, "master={0} epoch {1}: promoted (catalogue {5} ms, epoch row {2} ms, identities {3} ms, capture {4} ms,"
                + " triggers compiled {6} ms: {7})",
                new Object[] {epoch.master(), String.valueOf(epoch.number()), String.valueOf((t1 - described0) / 1_000_000),
                    String.valueOf((t2 - t1) / 1_000_000), String.valueOf((t3 - t2) / 1_000_000),
                    String.valueOf((described0 - t0) / 1_000_000), String.valueOf((System.nanoTime() - t3) / 1_000_000),
                    compiled.isEmpty() ? "none needed" : String.join(",", compiled)});
    }

    /**
     * The master's write statements ({@link Dialect#writeStatements}), read at most every
     * {@link Replica#READY_EVERY}, for the replicas to compile ahead of a promotion.
     */
    List<String> writeStatements() {
        Instant now = clock.instant();
        if (writeStatementsRead == null || Duration.between(writeStatementsRead, now).compareTo(Replica.READY_EVERY) >= 0) {
            writeStatementsRead = now;
            try {
                writeStatements = List.copyOf(dialect.writeStatements(link.connection()));
            } catch (SQLException e) {
                LOG.log(Level.FINE, "master={0} statement cache not read: {1}", new Object[] {epoch.master(), ReplicationAgent.describe(e)});
            }
        }
        return writeStatements;
    }

    private volatile List<String> writeStatements = List.of();
    private Instant writeStatementsRead;

    /** Whether {@link #install} has run. */
    boolean installed() {
        return tables != null;
    }

    /** The replicated tables, as described at install. */
    List<TableSpec> tables() {
        return tables;
    }

    /** The connection to the master on which the identities were last warmed. */
    private Connection warmedOn;

    /**
     * Has the master's generated columns take their ranges of values ({@link Dialect#warmIdentities})
     * once per connection to it: after the agent's start (capture's install emptied Derby's caches),
     * after a promotion, and after every reconnection (the server may have restarted), before the
     * writers' first inserts would.
     */
    void warmIdentitiesOnNewConnection() throws SQLException {
        Connection c = link.connection();
        if (c == warmedOn) {
            return;
        }
        long t0 = System.nanoTime();
        dialect.warmIdentities(c, tables);
        warmedOn = c;
        LOG.log(Level.FINE, "master={0} identity columns warmed in {1} ms",
                new Object[] {epoch.master(), String.valueOf((System.nanoTime() - t0) / 1_000_000)});
    }

    long identifiedBelow() {
        return identifiedBelow;
    }

    /** Validates the tables and installs capture on the master; fails naming every bad table. */
    void install() {
        try {
            Connection c = link.connection();
            List<TableSpec> described = dialect.describe(c, tableNames);
            Optional<Dialect.CopyEpoch> at = dialect.epoch(c);
            if (at.isEmpty() && epoch.number() == 1) {
                // A group's first master: it says so from now on.
                dialect.writeEpoch(c, 1, epoch.master());
            } else if (at.isEmpty() || at.get().epoch() != epoch.number() || !at.get().master().equals(epoch.master())) {
                throw new ReplicationException("the master copy " + epoch.master() + " serves "
                        + at.map(e -> "epoch " + e.epoch() + " under " + e.master()).orElse("no epoch")
                        + ", this agent epoch " + epoch.number() + ": not shipping from it");
            }
            dialect.installCapture(c, described, epoch.number(), epoch.firstSequence());
            identifiedBelow = RowIds.identifiedBelow(c);
            tables = described;
        } catch (SQLException e) {
            link.reset();
            throw new ReplicationException("cannot install change capture on the master: " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the master's identifier tables up to {@code horizon} while it is the only copy: they
     * are the only ones there are.
     */
    void identify(Dialect.Horizon horizon, long settled) throws SQLException {
        if (identifiedBelow == 0) {
            reidentify("its tables were not kept while it had replicas, and none is left");
        }
        identifiedBelow = RowIds.identify(link, dialect, tables, horizon, settled, identifiedBelow, batchRows, ridBase);
    }

    /** Gives the master's rows new identifiers ({@link RowIds#reidentify}), logging {@code why}. */
    void reidentify(String why) throws SQLException {
        identifiedBelow = RowIds.reidentify(link, dialect, tables, ridBase);
        LOG.log(Level.INFO, "master={0} rows have new row identifiers ({1}): kept from change {2} on",
                new Object[] {epoch.master(), why, String.valueOf(identifiedBelow)});
    }

    /**
     * Deletes the change rows below {@code below} ({@link Shipping#deletable}), first forgetting
     * the master's identifier tables if they do not reflect some of them.
     */
    void deleteBelow(Shipping shipping, long below) throws SQLException {
        if (identifiedBelow > 0 && below > identifiedBelow) {
            // Said before the changes they do not reflect are gone (see identifiedBelow).
            RowIds.forget(link);
            identifiedBelow = 0;
            LOG.info("the master's identifier tables are no longer kept: its replicas hold the row identifiers");
        }
        Changes.deleteBelow(link, dialect, tables, shipping.deletedBelow(), below).forEach(this::reclaimAfterBacklog);
        shipping.deleted(below);
    }

    /**
     * Once a backlog of at least {@link #RECLAIM_AFTER} change rows of a table has shipped and
     * been deleted (a round deleting fewer than {@link #BACKLOG_GONE}), has the master purge
     * them (see {@link Dialect#reclaim}); then the next backlog is counted.
     */
    private void reclaimAfterBacklog(TableSpec table, int deletedNow) {
        long total = deletedSinceReclaim.merge(table.name(), (long) deletedNow, Long::sum);
        if (total < RECLAIM_AFTER || deletedNow >= BACKLOG_GONE) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            dialect.reclaim(link.connection(), table.changeTable());
            deletedSinceReclaim.remove(table.name());
            LOG.log(Level.INFO, "master={0} table={1} purged {2} shipped change rows from the change table in {3} ms",
                    new Object[] {epoch.master(), table.name(), String.valueOf(total), String.valueOf((System.nanoTime() - t0) / 1_000_000)});
        } catch (SQLException e) {
            // Only slower scans until the next try; replication goes on.
            LOG.log(Level.WARNING, "master={0} table={1} could not purge shipped change rows: {2}",
                    new Object[] {epoch.master(), table.name(), ReplicationAgent.describe(e)});
            deletedSinceReclaim.put(table.name(), total - RECLAIM_AFTER / 2);
        }
    }

    /**
     * Logs, at most every 10 s, when transactions that stay open hold every watermark back for
     * more than 10 s (a read-your-writes reader then waits for them): which ones and what they run.
     */
    void reportHeldBack(Dialect.Horizon now, long settled) {
        Instant t = clock.instant();
        if (settled >= now.nextSequence() || now.openTransactions().isEmpty()) {
            heldSince = null;
            return;
        }
        if (heldSince == null) {
            heldSince = t;
            heldAt = settled;
        } else if (settled > heldAt) {
            heldSince = t;
            heldAt = settled;
        } else if (Duration.between(heldSince, t).toSeconds() >= 10
                && (lastHeldReport == null || Duration.between(lastHeldReport, t).toSeconds() >= 10)) {
            lastHeldReport = t;
            String who;
            try {
                who = dialect.describeOpen(link.connection(), now.openTransactions());
            } catch (SQLException e) {
                who = "? (" + e.getMessage() + ")";
            }
            LOG.log(Level.WARNING, "master={0} watermarks held at {1} for {2} s by transactions still open on the master: {3}",
                    new Object[] {epoch.master(), String.valueOf(settled), String.valueOf(Duration.between(heldSince, t).toSeconds()), who});
        }
    }

    /**
     * What this epoch's master held of the previous epoch when it was promoted, when a replica can
     * compare: its watermark as a replica is this epoch's first sequence (the coordinator promotes
     * at the watermark), and these are the transactions it applied at or above it. A replica of the
     * previous epoch with the same watermark and the same transactions has the same data, and
     * follows without a copy. Empty when the master was no replica of the previous epoch.
     */
    Optional<Set<String>> atPromotion() throws SQLException {
        if (atPromotion == null) {
            Connection c = link.connection();
            atPromotion = epoch.number() > 1 && dialect.watermark(c).equals(OptionalLong.of(epoch.firstSequence()))
                    ? Optional.of(Set.copyOf(dialect.appliedFrom(c, epoch.firstSequence())))
                    : Optional.empty();
        }
        return atPromotion;
    }
}
