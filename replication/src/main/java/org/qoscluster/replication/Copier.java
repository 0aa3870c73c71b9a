package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.internal.Changes;
import org.qoscluster.replication.internal.InitialCopy;
import org.qoscluster.replication.internal.Link;
import org.qoscluster.replication.internal.Shipping;

/**
 * The start of a replica that is new or comes back from another epoch. It owns the initial copy
 * ({@link Changes#copy}) with its source ({@link Shipping#copyFrom}: another replica's row
 * identifiers, the master's, or new ones), setting aside the asynchronous tail of a former
 * master first, and the carry-over without a copy of a replica of the previous epoch that holds
 * exactly what the master held when it was promoted.
 */
final class Copier {

    private static final Logger LOG = Logger.getLogger(ReplicationAgent.class.getName());

    private final Master master;
    private final ReplicationAgent.TailStart tailStart;
    private final ReplicationAgent.WatermarkListener listener;

    Copier(Master master, ReplicationAgent.TailStart tailStart, ReplicationAgent.WatermarkListener listener) {
        this.master = master;
        this.tailStart = tailStart;
        this.listener = listener;
    }

    /**
     * Gives {@code r} its initial copy ({@link Changes#copy}): the identifier tables of a
     * replica connected this round (among {@code all}, by name), else the master's while they are kept,
     * else, when no replica is down that could hold some, the master's rows under new
     * identifiers. While a replica that is down may hold this epoch's identifiers, it waits for
     * it (or for it to leave the group). A former master first keeps aside the changes that
     * never reached the group. {@code generation}: the agent's fencing token.
     */
    void copy(Replica r, Map<String, Replica> all, long generation) {
        Dialect dialect = master.dialect;
        ReplicationAgent.Epoch epoch = master.epoch;
        try {
            Shipping.CopyFrom source = Shipping.copyFrom(r.name, all.values().stream()
                    .map(p -> new Shipping.Peer(p.name, p.reachable, p.known, p.needsCopy != null)).toList(),
                    master.identifiedBelow());
            if (source.source() == Shipping.Source.WAIT) {
                if (!r.awaitSaid) {
                    LOG.log(Level.WARNING, "replica={0} ({1}) needs a copy; it waits for replica={2}, which is down,"
                            + " to take the row identifiers from (or for it to leave the group)",
                            new Object[] {r.name, r.needsCopy, source.replica().orElseThrow()});
                    r.awaitSaid = true;
                }
                return;
            }
            if (source.source() == Shipping.Source.REIDENTIFY) {
                master.reidentify("no replica holds any of epoch " + epoch.number());
            }
            Replica from = source.replica().map(all::get).orElse(null);
            Connection c = r.link.connection();
            long fromSequence = tailStart.of(r.name, r.wasEpoch).orElse(0L);
            long kept = dialect.setTailAside(c, master.tables(), fromSequence, reachedTheGroup(fromSequence, r.wasEpoch),
                    r.wasEpoch);
            if (kept > 0) {
                LOG.log(Level.WARNING, "replica={0} was master in epoch {1} and holds {2} change rows that never reached the group"
                        + " (its asynchronous tail): kept in QOS_TAIL_{1}_* on it for an operator, not merged",
                        new Object[] {r.name, String.valueOf(r.wasEpoch), String.valueOf(kept)});
                listener.tail(r.name, r.wasEpoch, kept);
            }
            // Capture, switched off, before the rows: the readying after the copy then has no
            // DDL to do while the replica catches up (a returning master kept its own).
            long armedAt = System.nanoTime();
            List<String> armed = dialect.armCapture(c, master.tables());
            if (!armed.isEmpty()) {
                LOG.log(Level.INFO, "replica={0} capture installed, switched off, before its copy in {1} ms: {2}",
                        new Object[] {r.name, String.valueOf((System.nanoTime() - armedAt) / 1_000_000), String.join(", ", armed)});
            }
            Connection identifiers = from == null ? master.link.connection() : from.link.connection();
            long low = from == null ? master.identifiedBelow() : dialect.watermark(identifiers).orElseThrow(
                    () -> new SQLException("the replica to copy identifiers from has no watermark"));
            long rows = InitialCopy.copy(master.link.connection(), identifiers, r.link, dialect, master.tables(),
                    Timestamp.from(master.clock.instant()), epoch.number(), epoch.master(), low, generation);
            LOG.log(Level.INFO, "replica={0} {1}: copy of {2} rows made in epoch {3}, row identifiers from {4} as of change {5};"
                    + " changes follow", new Object[] {r.name, r.needsCopy, String.valueOf(rows), String.valueOf(epoch.number()),
                        from == null ? "the master" : "replica=" + from.name, String.valueOf(low)});
            r.needsCopy = null;
            r.awaitSaid = false;
            r.readWatermark(c);
            r.readyDue();
        } catch (SQLException e) {
            r.down(e);
        }
    }

    /**
     * The transactions this agent's master applied as a replica at or above {@code from}: a
     * returning master's tail starts at the successor's watermark, but these reached the group
     * (a batch can hold a transaction that started above the watermark; see
     * {@code Changes.commitOrderPrefix}). Only the direct successor of epoch {@code was} knows:
     * a later master's record is of another master's transactions, whose ids may be equal.
     * A copy or a carry-over clears the record, so after several failovers more may stay in a
     * tail than never reached the group, never less. Empty when the master has no record.
     */
    private Set<String> reachedTheGroup(long from, long was) {
        if (master.epoch.number() != was + 1) {
            return Set.of();
        }
        try {
            return master.dialect.appliedFrom(master.link.connection(), from);
        } catch (SQLException e) {
            return Set.of(); // no record on the master: the tail stays whole
        }
    }

    /**
     * Makes the replica on {@code c}, of the previous epoch, a replica of this one without a copy,
     * if it has exactly the data the master had when it was promoted ({@link Master#atPromotion}):
     * the same watermark, and the same transactions applied above it. One transaction that first
     * takes over the epoch row, the lock every apply takes first: an agent of the previous epoch
     * applies either before (then the checks see it) or not at all (its fence fails). The
     * replica's record of applied transactions goes: this master's transaction ids are counted
     * apart from the previous one's. Whether it did.
     */
    boolean carriedOver(Connection c, long generation) throws SQLException {
        Optional<Set<String>> masterHad = master.atPromotion();
        if (masterHad.isEmpty()) {
            return false;
        }
        Dialect dialect = master.dialect;
        ReplicationAgent.Epoch epoch = master.epoch;
        return Link.inTransaction(c, tx -> {
            try (PreparedStatement epochRow = tx.prepareStatement(
                    "UPDATE QOS_EPOCH SET QOS_EPOCH = ?, QOS_MASTER = ?, QOS_AT = CURRENT_TIMESTAMP WHERE QOS_EPOCH = ?")) {
                epochRow.setLong(1, epoch.number());
                epochRow.setString(2, epoch.master());
                epochRow.setLong(3, epoch.number() - 1);
                if (generation > 0) {
                    dialect.fenceGeneration(tx, generation);
                }
                if (epochRow.executeUpdate() != 1
                        || !dialect.watermark(tx).equals(OptionalLong.of(epoch.firstSequence()))
                        || !dialect.appliedFrom(tx, epoch.firstSequence()).equals(masterHad.get())) {
                    tx.rollback();
                    return false;
                }
                dialect.forgetApplied(tx);
                return true;
            }
        });
    }
}
