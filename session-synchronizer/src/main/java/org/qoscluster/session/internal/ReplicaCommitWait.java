package org.qoscluster.session.internal;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;

/**
 * The synchronous mode of a redundancy group ({@code qos.group.mode=sync}, issue 7): before a
 * request that wrote may answer, at least one replica's published watermark must cover its write
 * (every change of the write has a sequence below it). The group's failover promotes the
 * available replica with the highest low mark, which therefore has every write acknowledged this
 * way, unless the replicas that had it fail too. Watermarks are published after the replica's
 * commit, so waiting on them is never early.
 */
final class ReplicaCommitWait {

    private static final Logger LOG = Logger.getLogger(ReplicaCommitWait.class.getName());
    private static final long POLL_MS = 2;

    private final Supplier<Map<String, String>> watermarks;
    private final long timeoutMs;
    private final Clock clock;

    /** @param watermarks every published watermark, by copy ({@link ReplicaWatermark#MAP}) */
    ReplicaCommitWait(Supplier<Map<String, String>> watermarks, long timeoutMs, Clock clock) {
        this.watermarks = watermarks;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
    }

    /** Returns once a replica has {@code write}; fails with {@link SessionStoreException} after the time-out. */
    void await(Optional<StateChangeFlag> write) {
        if (write.isEmpty()) {
            return;
        }
        long sequence = write.get().sequence();
        long start = clock.millis();
        while (true) {
            for (String value : watermarks.get().values()) {
                if (ReplicaWatermark.decode(value).map(w -> w.covers(sequence)).orElse(false)) {
                    return;
                }
            }
            if (clock.millis() - start >= timeoutMs) {
                LOG.warning("write " + sequence + " is on no replica after " + timeoutMs + " ms; not acknowledging it");
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
}
