package org.qoscluster.replication.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When an idle replica (a round with nothing to write to it) is asked whether it still answers,
 * and which time its watermark then carries. The watermark's time tells readers "the replica
 * held this then", so it is the time the replica last proved it answers (an apply or a validity
 * check), never a time it was not asked: a replica that died while idle ages from its last proof
 * and does not look fresh. Asking at most every {@code every} keeps an idle replica's own work
 * (a round trip, a statement) from running every round.
 */
public final class IdleProof {

    private final Duration every;
    private volatile Instant provenAt;

    /** {@code every}: how long a proof holds before an idle round asks again; positive. */
    public IdleProof(Duration every) {
        Objects.requireNonNull(every, "every");
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("idle proof: the interval must be positive, not " + every);
        }
        this.every = every;
    }

    /**
     * The time of the last proof when it still holds at {@code now} (an idle round then carries
     * it without asking); empty when there is none or it is {@code every} old.
     */
    public Optional<Instant> holding(Instant now) {
        Instant at = provenAt;
        return at != null && Duration.between(at, now).compareTo(every) < 0 ? Optional.of(at) : Optional.empty();
    }

    /** The replica answered at {@code at} (it applied, or passed a validity check); returns {@code at}. */
    public Instant proven(Instant at) {
        provenAt = at;
        return at;
    }

    /** The replica failed or reconnects: the next round asks it again. */
    public void forget() {
        provenAt = null;
    }
}
