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
 * <p>Shared form, in the Hazelcast map {@link ClusterMaps#FLAGS} that the router mirrors: key the UID, value
 * {@link #encode()} ({@code NODE|SEQUENCE|EPOCH_MILLIS}). An entry lives at most
 * {@code qos.session.flag-ttl-seconds} (its time-to-live); the router removes it sooner, once every
 * replica's watermark has passed {@code sequence}.
 */
public record StateChangeFlag(String node, long sequence, long epochMillis) implements Serializable {

    private static final String RECORD = "state-change flag";
    /**
     * The response header in which the node that served a writing request announces the flag to
     * the router, {@link #announce(String) UID NODE|SEQUENCE|EPOCH_MILLIS}: the router records it
     * before the user sees the response and removes it from the response, so the user's very next
     * request is pinned even before the map's listener has delivered the flag (M10). Only nodes
     * answer the router, so no client can set it.
     */
    public static final String ANNOUNCE_HEADER = "X-QoS-State-Change";
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
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

    /** The value of {@link #ANNOUNCE_HEADER} for this flag of the user {@code uid}. */
    public String announce(String uid) {
        if (uid == null || !UID.matcher(uid).matches()) {
            throw new IllegalArgumentException("state-change flag: '" + uid + "' is not a UID");
        }
        return uid + " " + encode();
    }

    /** A user's flag as a node announced it. */
    public record Announced(String uid, StateChangeFlag flag) {
    }

    /** The UID and flag in an {@link #ANNOUNCE_HEADER} value; empty for null or a malformed value. */
    public static Optional<Announced> announced(String value) {
        int space = value == null ? -1 : value.indexOf(' ');
        if (space < 0 || !UID.matcher(value.substring(0, space)).matches()) {
            return Optional.empty();
        }
        return decode(value.substring(space + 1)).map(f -> new Announced(value.substring(0, space), f));
    }

    /** The flag in {@code value}; fails naming what is wrong with it. */
    public static StateChangeFlag parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "NODE|SEQUENCE|EPOCH_MILLIS");
        long sequence = r.number("sequence", f[1]);
        long millis = r.number("time", f[2]);
        return r.build(() -> new StateChangeFlag(f[0], sequence, millis));
    }

    /** The flag in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static Optional<StateChangeFlag> decode(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return Optional.empty();
        }
    }
}
