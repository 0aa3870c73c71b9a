package org.qoscluster.contract;

/**
 * An asynchronous tail set aside on a returning master: the copy was master in {@code epoch}
 * and came back with {@code changes} change rows that never reached its group; the replication
 * agent found it at {@code epochMillis}.
 *
 * <p>Shared form, in the map {@link ClusterMaps#TAILS}: key the copy's name, value
 * {@link #encode()} ({@code EPOCH|CHANGES|EPOCH_MILLIS}); the group's status shows it to an operator.
 */
public record Tail(long epoch, long changes, long epochMillis) {

    private static final String RECORD = "asynchronous tail";

    public Tail {
        if (epoch < 0 || changes < 0 || epochMillis < 0) {
            throw new IllegalArgumentException(RECORD + ": epoch, changes and time must not be negative");
        }
    }

    /** {@code EPOCH|CHANGES|EPOCH_MILLIS}. */
    public String encode() {
        return epoch + "|" + changes + "|" + epochMillis;
    }

    /** The tail in {@code value}; fails naming what is wrong with it. */
    public static Tail parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "EPOCH|CHANGES|EPOCH_MILLIS");
        long epoch = r.number("epoch", f[0]);
        long changes = r.number("changes", f[1]);
        long millis = r.number("time", f[2]);
        return r.build(() -> new Tail(epoch, changes, millis));
    }

    /** The tail in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static java.util.Optional<Tail> decode(String value) {
        try {
            return value == null ? java.util.Optional.empty() : java.util.Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return java.util.Optional.empty();
        }
    }
}
