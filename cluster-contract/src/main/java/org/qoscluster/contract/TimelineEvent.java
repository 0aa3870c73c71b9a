package org.qoscluster.contract;

/**
 * One moment of a change of masters, as the part that lived it records it: in {@code group}'s
 * {@code epoch} (the epoch the change opens), {@code source} (the coordinating node's or a
 * node's name, or {@code agent}) saw {@code event} at {@code epochMillis}. The coordinator
 * records when it found the master unavailable, decided, promoted, saw every write path fenced
 * and opened the new master; each node when its write path fenced, saw the new master open and
 * relayed its first connection to it; the replication agent when it started from the new master
 * and when a replica first followed it and first applied one of its transactions. Read together
 * they say where the time of a failover went (the group's status shows them, the failover
 * benchmark prints them per phase).
 *
 * <p>Shared form, in the map {@link ClusterMaps#TIMELINE}: key {@link #key()}
 * ({@code GROUP|EPOCH|SOURCE|EVENT}), value {@link #encode()}
 * ({@code GROUP|EPOCH|SOURCE|EVENT|EPOCH_MILLIS}); kept for {@link #KEEP_MINUTES} minutes.
 */
public record TimelineEvent(String group, long epoch, String source, String event, long epochMillis) {

    /** How long an event stays in the map. */
    public static final int KEEP_MINUTES = 60;
    private static final String RECORD = "timeline event";

    public TimelineEvent {
        for (String[] part : new String[][] {{"group", group}, {"source", source}, {"event", event}}) {
            if (part[1] == null || part[1].isEmpty() || part[1].indexOf('|') >= 0) {
                throw new IllegalArgumentException(RECORD + ": " + part[0] + " '" + part[1] + "' must be a name without '|'");
            }
        }
        if (epoch < 1 || epochMillis < 0) {
            throw new IllegalArgumentException(RECORD + ": epoch must be at least 1 and the time not negative");
        }
    }

    /** {@code GROUP|EPOCH|SOURCE|EVENT}: one entry per source and event, so writers never overwrite each other. */
    public String key() {
        return group + "|" + epoch + "|" + source + "|" + event;
    }

    /** {@code GROUP|EPOCH|SOURCE|EVENT|EPOCH_MILLIS}. */
    public String encode() {
        return key() + "|" + epochMillis;
    }

    /** The event in {@code value}; fails naming what is wrong with it. */
    public static TimelineEvent parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "GROUP|EPOCH|SOURCE|EVENT|EPOCH_MILLIS");
        long epoch = r.number("epoch", f[1]);
        long millis = r.number("time", f[4]);
        return r.build(() -> new TimelineEvent(f[0], epoch, f[2], f[3], millis));
    }

    /** The event in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static java.util.Optional<TimelineEvent> decode(String value) {
        try {
            return value == null ? java.util.Optional.empty() : java.util.Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return java.util.Optional.empty();
        }
    }
}
