package org.qoscluster.session.internal;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;

/**
 * The synchronous mode of a redundancy group ({@code qos.group.mode=sync}): before a
 * request that wrote may answer, at least one replica's published watermark must cover its write
 * (every change of the write has a sequence below it). The group's failover promotes the
 * available replica with the highest watermark, which therefore has every write acknowledged this
 * way, unless the replicas that had it fail too. Watermarks are published after the replica's
 * commit, so waiting on them is never early.
 * <p>
 * Watermarks count only when they are of the application's group and of the epoch the request
 * began in ({@link #epochNow}): every group numbers its changes on its own, so another group's
 * replica passing the write's number says nothing about it; and a new master's change sequences
 * start at its own watermark, so they reuse the numbers of whatever the old master wrote that no
 * replica had, and a watermark of another epoch (the new one, or one left from before) passing a
 * write says nothing about it either. Once the group has moved on, the promotion decides at once: a write
 * below the next epoch's first sequence was on the new master (acknowledged), any other is not
 * acknowledged (it went to the old master's tail, or, written during the change, cannot be told
 * apart from one that did). A planned switchover still draining is waited for: the old master's
 * changes all reach the new one.
 */
final class ReplicaCommitWait {

    private static final Logger LOG = Logger.getLogger(ReplicaCommitWait.class.getName());
    private static final long POLL_MS = 2;

    private final Supplier<Map<String, String>> watermarks;
    private final Supplier<Optional<GroupState>> group;
    private final long timeoutMs;
    private final Clock clock;

    /**
     * @param watermarks every published watermark, by copy ({@link org.qoscluster.contract.ClusterMaps#WATERMARKS})
     * @param group      the application's redundancy group as published ({@link org.qoscluster.contract.ClusterMaps#GROUPS}), empty without one
     */
    ReplicaCommitWait(Supplier<Map<String, String>> watermarks, Supplier<Optional<GroupState>> group, long timeoutMs,
                      Clock clock) {
        this.watermarks = watermarks;
        this.group = group;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
    }

    /**
     * The group's epoch now, read when a request begins, before it can write: 0 when the state
     * cannot be read, or while a failover is promoting a new master. Then a node's write path may
     * still hold a connection to the deposed master (until it follows the new epoch and
     * acknowledges its fence, which the group waits for before it opens), so a write of the
     * request could land on the old master under the new epoch's numbers and look covered by the
     * new epoch's watermarks.
     */
    long epochNow() {
        return group.get().filter(g -> g.phase() != GroupState.Phase.PROMOTING).map(GroupState::epoch).orElse(0L);
    }

    /**
     * Returns once a replica has {@code write}, made by a request that began in epoch
     * {@code epoch}; fails with {@link SessionStoreException} after the time-out, or at once when
     * the group changed masters and the write is not on the new one.
     */
    void await(Optional<StateChangeFlag> write, long epoch) {
        if (write.isEmpty()) {
            return;
        }
        long sequence = write.get().sequence();
        if (epoch == 0) {
            // When the request began, no state of the group could be read (its entry lost with two
            // members at once, not yet published again), or a failover was promoting a new master
            // ({@link #epochNow}): no watermark can be told to be of the master that took the
            // write, so none may acknowledge it.
            LOG.log(Level.WARNING, "write={0} made while the group''s master was not settled; not acknowledging it",
                    String.valueOf(sequence));
            throw SessionStoreException.notReplicated("the group's master was not settled when the request began (its state"
                    + " unreadable, or a failover under way; synchronous mode): the write is not acknowledged, and it may"
                    + " or may not survive a failover");
        }
        long start = clock.millis();
        while (true) {
            Optional<Boolean> decided = afterMasterChange(sequence, epoch);
            if (decided.isPresent()) {
                if (decided.get()) {
                    return;
                }
                LOG.log(Level.WARNING, "write={0} epoch={1} is not on the new master; not acknowledging it",
                        new Object[] {String.valueOf(sequence), String.valueOf(epoch)});
                throw SessionStoreException.notReplicated("the master changed before a replica had the write"
                        + " (synchronous mode): it is not acknowledged, and it is not in the group unless written again");
            }
            if (covered(sequence, epoch) && epochNow() == epoch) {
                return; // the epoch read after the watermarks: the group is still in the request's epoch
            }
            if (clock.millis() - start >= timeoutMs) {
                LOG.log(Level.WARNING, "write={0} epoch={1} is on no replica after {2} ms; not acknowledging it",
                        new Object[] {String.valueOf(sequence), String.valueOf(epoch), String.valueOf(timeoutMs)});
                throw SessionStoreException.notReplicated("the write was made but no replica has it after " + timeoutMs
                        + " ms (synchronous mode): it may or may not survive a failover of the master");
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionStoreException("interrupted while waiting for a replica to have the write", e);
            }
        }
    }

    /** Whether a replica of the application's group, in {@code epoch}, has the write. */
    private boolean covered(long sequence, long epoch) {
        for (String value : watermarks.get().values()) {
            Optional<ReplicaWatermark> w = ReplicaWatermark.decode(value);
            if (w.isPresent() && w.get().covers(GroupState.DEFAULT_GROUP, epoch, sequence)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Empty while the group is still in {@code epoch} (or its state cannot be read now, or it is
     * draining into the next one); else whether the write is on the master that followed.
     */
    private Optional<Boolean> afterMasterChange(long sequence, long epoch) {
        Optional<GroupState> now = group.get();
        if (now.isEmpty() || now.get().epoch() <= epoch) {
            return Optional.empty();
        }
        GroupState g = now.get();
        if (g.epoch() == epoch + 1 && g.phase() == GroupState.Phase.DRAINING) {
            return Optional.empty();
        }
        return Optional.of(g.promotion(epoch + 1).map(p -> sequence < p.fromSequence()).orElse(false));
    }
}
