package org.qoscluster.contract;

import java.io.Serializable;
import java.util.Optional;

/**
 * How far one database replica is, as the replication agent publishes it: every transaction with
 * a change sequence below {@code sequence} is on the replica as of {@code epochMillis};
 * {@code lagMillis} is how long the oldest change applied in that round had waited since it was
 * made on the master (zero when there was nothing to apply).
 *
 * <p>Shared form, in the Hazelcast map {@value #MAP}: key the replica's name ({@code replica-1}),
 * value {@link #encode()} ({@code SEQUENCE|EPOCH_MILLIS|LAG_MILLIS}). Plain strings, so every
 * member reads it without the agent's classes.
 */
public record ReplicaWatermark(long sequence, long epochMillis, long lagMillis) implements Serializable {

    /** The Hazelcast map the agent publishes to and the router and nodes read. */
    public static final String MAP = "qos-replica-watermarks";

    public ReplicaWatermark {
        if (sequence < 0 || epochMillis < 0 || lagMillis < 0) {
            throw new IllegalArgumentException("replica watermark: sequence, time and lag must not be negative");
        }
    }

    /** Whether a write whose changes have sequences up to {@code writeSequence} is on the replica. */
    public boolean covers(long writeSequence) {
        return writeSequence < sequence;
    }

    /** {@code SEQUENCE|EPOCH_MILLIS|LAG_MILLIS}. */
    public String encode() {
        return sequence + "|" + epochMillis + "|" + lagMillis;
    }

    /** The watermark in {@code value}; empty for null or a malformed value. */
    public static Optional<ReplicaWatermark> decode(String value) {
        return PipeFields.split(value, 3).flatMap(parts -> {
            try {
                return Optional.of(new ReplicaWatermark(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                        Long.parseLong(parts[2])));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        });
    }
}
