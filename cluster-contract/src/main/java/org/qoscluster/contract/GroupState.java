package org.qoscluster.contract;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which database copy of a redundancy group takes the writes, in which epoch.
 *
 * <p>Every failover or switchover starts a new {@code epoch} with a new {@code master}: first in
 * phase {@link Phase#PROMOTING} (the write path refuses every connection, the old master's are
 * closed, the new master gets change capture whose sequence starts at {@code firstSequence}),
 * then {@link Phase#OPEN} (writes go to {@code master}). Only the group's coordinator writes it,
 * with compare-and-set, so two coordinators can never both move the group on.
 * {@code history} keeps the last promotions, newest last: where a returning master's
 * asynchronous tail starts. {@code copies} are the group's copies now (the configured ones,
 * then as operators add and remove them, R9); a {@code stopped} group neither fails over nor
 * replicates (see {@link #withStopped}).
 *
 * <p>Shared form, in the Hazelcast map {@link ClusterMaps#GROUPS}: key the group's name, value
 * {@link #encode()}. Plain strings, so every member and client reads it without our classes.
 */
public record GroupState(long epoch, String master, Phase phase, long firstSequence, long sinceMillis,
                         List<Promotion> history, List<Copy> copies, boolean stopped) implements Serializable {

    /** The group every cluster has today (one database, its copies). */
    public static final String DEFAULT_GROUP = "store";
    /** Promotions remembered. */
    public static final int HISTORY = 16;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** A host name, an IPv4 address or an IPv6 address (without brackets). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:-]{1,253}");

    /**
     * A copy in the group: its Derby network server at {@code host:port}, and its {@code number},
     * which makes the row identifiers it hands out as master unique (never two copies with one
     * number at a time).
     */
    public record Copy(String name, String host, int port, int number) implements Serializable {

        public Copy {
            checkName(name);
            if (host == null || !HOST.matcher(host).matches()) {
                throw new IllegalArgumentException("copy " + name + ": '" + host + "' is not a host name or address");
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("copy " + name + ": port " + port + " is not in 1..65535");
            }
            if (number < 1) {
                throw new IllegalArgumentException("copy " + name + ": number " + number + " is not positive");
            }
        }

        /** {@code NAME/HOST/PORT/NUMBER}. */
        String encode() {
            return name + "/" + host + "/" + port + "/" + number;
        }

        static Copy parse(Fields r, String value) {
            String[] f = r.split(value, '/', "NAME/HOST/PORT/NUMBER");
            int port = r.smallNumber("copy port", f[2]);
            int number = r.smallNumber("copy number", f[3]);
            return r.build(() -> new Copy(f[0], f[1], port, number));
        }
    }

    /**
     * {@code DRAINING}: a planned switchover; the write paths are fenced and the old master's last
     * changes are shipping to the new one, whose first sequence is not known yet. Then
     * {@code PROMOTING}, then {@code OPEN}.
     */
    public enum Phase { DRAINING, PROMOTING, OPEN }

    /**
     * Epoch {@code epoch} made {@code master} the master; {@code previous} had it before, and
     * every change of {@code previous} with a sequence below {@code fromSequence} was on the new
     * master then.
     */
    public record Promotion(long epoch, String master, String previous, long fromSequence) implements Serializable {

        public Promotion {
            checkName(master);
            checkName(previous);
        }
    }

    public GroupState {
        if (epoch < 1 || firstSequence < 1 || sinceMillis < 0) {
            throw new IllegalArgumentException("group state: epoch and first sequence must be positive");
        }
        checkName(master);
        if (phase == null) {
            throw new IllegalArgumentException("group state: no phase");
        }
        history = List.copyOf(history.size() > HISTORY ? history.subList(history.size() - HISTORY, history.size()) : history);
        copies = List.copyOf(copies);
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.Set<Integer> numbers = new java.util.HashSet<>();
        java.util.Set<String> addresses = new java.util.HashSet<>();
        for (Copy m : copies) {
            if (!names.add(m.name()) || !numbers.add(m.number()) || !addresses.add(m.host() + ":" + m.port())) {
                throw new IllegalArgumentException("group state: two copies share the name, number or address of " + m);
            }
        }
        if (!names.contains(master)) {
            throw new IllegalArgumentException("group state: master " + master + " is not a copy of " + names);
        }
    }

    /** The state of a group that never failed over: epoch 1, its configured master and copies. */
    public static GroupState initial(String master, List<Copy> copies, long nowMillis) {
        return new GroupState(1, master, Phase.OPEN, 1, nowMillis, List.of(), copies, false);
    }

    /** The copy called {@code name}, if there is one. */
    public Optional<Copy> copy(String name) {
        return copies.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The copies' names, in order. */
    public List<String> copyNames() {
        return copies.stream().map(Copy::name).toList();
    }

    /** The group with {@code copy} added (last). */
    public GroupState withCopy(Copy copy) {
        List<Copy> m = new ArrayList<>(copies);
        m.add(copy);
        return new GroupState(epoch, master, phase, firstSequence, sinceMillis, history, m, stopped);
    }

    /** The group without the copy called {@code name}. */
    public GroupState withoutCopy(String name) {
        return new GroupState(epoch, master, phase, firstSequence, sinceMillis, history,
                copies.stream().filter(m -> !m.name().equals(name)).toList(), stopped);
    }

    /** The number the next added copy gets: one past the highest a copy has now. */
    public int nextCopyNumber() {
        return copies.stream().mapToInt(Copy::number).max().orElse(0) + 1;
    }

    /**
     * The group stopped (an operator's {@code group stop}: no failover, no switchover, no
     * shipping; the master keeps its writes and their changes queue on it) or started again.
     */
    public GroupState withStopped(boolean stop) {
        return new GroupState(epoch, master, phase, firstSequence, sinceMillis, history, copies, stop);
    }

    /** The next epoch: {@code candidate} is being promoted; its changes will start at {@code fromSequence}. */
    public GroupState promoting(String candidate, long fromSequence, long nowMillis) {
        List<Promotion> h = new ArrayList<>(history);
        h.add(new Promotion(epoch + 1, candidate, master, fromSequence));
        return new GroupState(epoch + 1, candidate, Phase.PROMOTING, Math.max(1, fromSequence), nowMillis, h, copies, stopped);
    }

    /**
     * A planned switchover to {@code target}: the next epoch, draining (its first sequence is set
     * once {@code target} has every change of the old master, see {@link #drained}).
     */
    public GroupState draining(String target, long nowMillis) {
        List<Promotion> h = new ArrayList<>(history);
        h.add(new Promotion(epoch + 1, target, master, firstSequence));
        return new GroupState(epoch + 1, target, Phase.DRAINING, firstSequence, nowMillis, h, copies, stopped);
    }

    /** A draining switchover whose new master has every change below {@code fromSequence}: promoting. */
    public GroupState drained(long fromSequence, long nowMillis) {
        List<Promotion> h = new ArrayList<>(history);
        Promotion last = h.remove(h.size() - 1);
        h.add(new Promotion(last.epoch(), last.master(), last.previous(), fromSequence));
        return new GroupState(epoch, master, Phase.PROMOTING, Math.max(1, fromSequence), nowMillis, h, copies, stopped);
    }

    /** The master of the epoch before this one, if remembered. */
    public Optional<String> previousMaster() {
        return promotion(epoch).map(Promotion::previous);
    }

    /** This epoch, open for writes. */
    public GroupState opened(long nowMillis) {
        return new GroupState(epoch, master, Phase.OPEN, firstSequence, nowMillis, history, copies, stopped);
    }

    public boolean open() {
        return phase == Phase.OPEN;
    }

    /** The promotion that began epoch {@code epoch}, if remembered. */
    public Optional<Promotion> promotion(long epoch) {
        return history.stream().filter(p -> p.epoch() == epoch).findFirst();
    }

    /** The promotion that deposed {@code copy} as master of epoch {@code epoch}, if remembered. */
    public Optional<Promotion> successorOf(String copy, long epoch) {
        return history.stream().filter(p -> p.previous().equals(copy) && p.epoch() > epoch).findFirst();
    }

    /**
     * {@code EPOCH|MASTER|PHASE|FIRST_SEQUENCE|SINCE_MILLIS|E:MASTER:PREVIOUS:FROM;...|NAME/HOST/PORT/NUMBER,...|running or stopped}.
     */
    public String encode() {
        StringBuilder h = new StringBuilder();
        for (Promotion p : history) {
            if (h.length() > 0) {
                h.append(';');
            }
            h.append(p.epoch()).append(':').append(p.master()).append(':').append(p.previous()).append(':').append(p.fromSequence());
        }
        return epoch + "|" + master + "|" + phase + "|" + firstSequence + "|" + sinceMillis + "|" + h + "|"
                + String.join(",", copies.stream().map(Copy::encode).toList()) + "|" + (stopped ? "stopped" : "running");
    }

    private static final String RECORD = "group state";

    /** The state in {@code value}; fails naming what is wrong with it. */
    public static GroupState parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "EPOCH|MASTER|PHASE|FIRST_SEQUENCE|SINCE_MILLIS|HISTORY|COPIES|RUNNING");
        long epoch = r.number("epoch", f[0]);
        Phase phase;
        try {
            phase = Phase.valueOf(f[2]);
        } catch (IllegalArgumentException e) {
            throw r.malformed("phase '" + f[2] + "' is not one of " + java.util.Arrays.toString(Phase.values()));
        }
        long firstSequence = r.number("first sequence", f[3]);
        long since = r.number("time", f[4]);
        List<Promotion> history = new ArrayList<>();
        if (!f[5].isEmpty()) {
            for (String entry : f[5].split(";", -1)) {
                String[] p = r.split(entry, ':', "EPOCH:MASTER:PREVIOUS:FROM_SEQUENCE");
                long promoted = r.number("promotion epoch", p[0]);
                long from = r.number("promotion sequence", p[3]);
                history.add(r.build(() -> new Promotion(promoted, p[1], p[2], from)));
            }
        }
        List<Copy> copies = new ArrayList<>();
        for (String m : f[6].split(",", -1)) {
            copies.add(Copy.parse(r, m));
        }
        boolean stopped = switch (f[7]) {
            case "running" -> false;
            case "stopped" -> true;
            default -> throw r.malformed("'" + f[7] + "' is neither running nor stopped");
        };
        return r.build(() -> new GroupState(epoch, f[1], phase, firstSequence, since, history, copies, stopped));
    }

    /** The state in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static Optional<GroupState> decode(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return Optional.empty();
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("group state: '" + name + "' is not a database copy name");
        }
    }
}
