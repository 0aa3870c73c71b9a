package org.qoscluster.contract;

import java.io.Serializable;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How far one database replica is, as the replication agent publishes it: every transaction of
 * redundancy group {@code group}'s master in epoch {@code epoch} with a change sequence below
 * {@code sequence} is on the replica as of {@code epochMillis}; {@code lagMillis} is how long the
 * oldest change applied in that round had waited since it was made on the master (zero when there
 * was nothing to apply).
 *
 * <p>Each group numbers its changes on its own, and a new epoch's master numbers from its own low
 * mark: a sequence means something only beside the group and epoch it was counted in
 * ({@link #covers(String, long, long)}).
 *
 * <p>Shared form, in the Hazelcast map {@link ClusterMaps#WATERMARKS}: key the replica's name ({@code replica-1}),
 * value {@link #encode()} ({@code GROUP|EPOCH|SEQUENCE|EPOCH_MILLIS|LAG_MILLIS}). Plain strings, so
 * every member reads it without the agent's classes; {@link #decode} is the one reader.
 */
public record ReplicaWatermark(String group, long epoch, long sequence, long epochMillis, long lagMillis)
        implements Serializable {

    private static final String RECORD = "replica watermark";

    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public ReplicaWatermark {
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("replica watermark: '" + group + "' is not a group name");
        }
        if (epoch < 0 || sequence < 0 || epochMillis < 0 || lagMillis < 0) {
            throw new IllegalArgumentException("replica watermark: epoch, sequence, time and lag must not be negative");
        }
    }

    /**
     * A watermark of the application's group ({@link GroupState#DEFAULT_GROUP}) in its first epoch,
     * for readers that compare with the application's writes only.
     */
    public ReplicaWatermark(long sequence, long epochMillis, long lagMillis) {
        this(GroupState.DEFAULT_GROUP, 1, sequence, epochMillis, lagMillis);
    }

    /** Whether a write whose changes have sequences up to {@code writeSequence} is on the replica. */
    public boolean covers(long writeSequence) {
        return writeSequence < sequence;
    }

    /**
     * Whether a write of {@code writeGroup}'s master in epoch {@code writeEpoch}, whose changes have
     * sequences up to {@code writeSequence}, is on the replica: never for another group's or
     * another epoch's watermark, whatever its sequence.
     */
    public boolean covers(String writeGroup, long writeEpoch, long writeSequence) {
        return group.equals(writeGroup) && epoch == writeEpoch && covers(writeSequence);
    }

    /** {@code GROUP|EPOCH|SEQUENCE|EPOCH_MILLIS|LAG_MILLIS}. */
    public String encode() {
        return group + "|" + epoch + "|" + sequence + "|" + epochMillis + "|" + lagMillis;
    }

    /** The watermark in {@code value}; fails naming what is wrong with it. */
    public static ReplicaWatermark parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "GROUP|EPOCH|SEQUENCE|EPOCH_MILLIS|LAG_MILLIS");
        long epoch = r.number("epoch", f[1]);
        long sequence = r.number("sequence", f[2]);
        long millis = r.number("time", f[3]);
        long lag = r.number("lag", f[4]);
        return r.build(() -> new ReplicaWatermark(f[0], epoch, sequence, millis, lag));
    }

    /** The watermark in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static Optional<ReplicaWatermark> decode(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return Optional.empty();
        }
    }
}
