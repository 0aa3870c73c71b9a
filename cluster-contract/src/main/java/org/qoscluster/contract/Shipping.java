package org.qoscluster.contract;

/**
 * Whether the replication agent ships a group's changes ({@code running}) or has closed its
 * shipping ({@code stopped}, after an operator's {@code group stop}), in the group's
 * {@code epoch}.
 *
 * <p>Shared form, in the map {@link ClusterMaps#AGENTS}: key the group's name, value
 * {@link #encode()} ({@code running|EPOCH} or {@code stopped|EPOCH}).
 */
public record Shipping(boolean running, long epoch) {

    private static final String RECORD = "agent shipping";

    public Shipping {
        if (epoch < 0) {
            throw new IllegalArgumentException(RECORD + ": epoch " + epoch + " is negative");
        }
    }

    /** {@code running|EPOCH} or {@code stopped|EPOCH}. */
    public String encode() {
        return (running ? "running" : "stopped") + "|" + epoch;
    }

    /** The shipping state in {@code value}; fails naming what is wrong with it. */
    public static Shipping parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "STATE|EPOCH");
        boolean running = switch (f[0]) {
            case "running" -> true;
            case "stopped" -> false;
            default -> throw r.malformed("state '" + f[0] + "' is neither running nor stopped");
        };
        long epoch = r.number("epoch", f[1]);
        return r.build(() -> new Shipping(running, epoch));
    }

    /** The shipping state in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static java.util.Optional<Shipping> decode(String value) {
        try {
            return value == null ? java.util.Optional.empty() : java.util.Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return java.util.Optional.empty();
        }
    }
}
