package org.qoscluster.contract;

import java.io.Serializable;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A user's database-state-change flag (M3, M10): the user wrote to the master through
 * {@code node}; the write has commit sequence {@code sequence} and was made at
 * {@code epochMillis}. Until every replica the user may read from has applied that sequence, the
 * user's reads go to the master (or a replica past it) and the router keeps the user on
 * {@code node}.
 *
 * <p>Shared form, in the Hazelcast map {@value #MAP} that the router mirrors: key the UID, value
 * {@link #encode()} ({@code NODE|SEQUENCE|EPOCH_MILLIS}). An entry lives at most
 * {@code qos.session.flag-ttl-seconds} (its time-to-live); the router removes it sooner, once every
 * replica's watermark has passed {@code sequence}.
 */
public record StateChangeFlag(String node, long sequence, long epochMillis) implements Serializable {

    /** The Hazelcast map the router reads the flags from. */
    public static final String MAP = "qos-state-change-flags";
    private static final Pattern NODE = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    public StateChangeFlag {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new IllegalArgumentException("state-change flag: '" + node + "' is not a node name");
        }
        if (sequence < 0 || epochMillis < 0) {
            throw new IllegalArgumentException("state-change flag: sequence and time must not be negative");
        }
    }

    /** {@code NODE|SEQUENCE|EPOCH_MILLIS}. */
    public String encode() {
        return node + "|" + sequence + "|" + epochMillis;
    }

    /** The flag in {@code value}; empty for null or a malformed value. */
    public static Optional<StateChangeFlag> decode(String value) {
        return PipeFields.split(value, 3).flatMap(parts -> {
            try {
                return Optional.of(new StateChangeFlag(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2])));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        });
    }
}
