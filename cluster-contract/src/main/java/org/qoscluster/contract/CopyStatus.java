package org.qoscluster.contract;

import java.util.regex.Pattern;

/**
 * A database copy's status as its group's coordinator last published it: the heartbeat's status
 * ({@code AVAILABLE}, {@code CATCHING_UP}, ... the redundancy module's {@code CopyHealth} by
 * name), whether the copy is the master or a replica, in which epoch of which group.
 *
 * <p>Shared form, in the map {@link ClusterMaps#STATUSES}: key the copy's name, value
 * {@link #encode()} ({@code STATUS|ROLE|EPOCH|GROUP}, role {@code master} or {@code replica}).
 */
public record CopyStatus(String status, Role role, long epoch, String group) {

    /** What the copy is in its group's epoch. */
    public enum Role {
        MASTER, REPLICA;

        /** Its shared form: {@code master} or {@code replica}. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String RECORD = "copy status";
    private static final Pattern STATUS = Pattern.compile("[A-Z][A-Z_]{0,31}");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public CopyStatus {
        if (status == null || !STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException(RECORD + ": '" + status + "' is not a status name");
        }
        if (role == null) {
            throw new IllegalArgumentException(RECORD + ": no role");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException(RECORD + ": epoch " + epoch + " is negative");
        }
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException(RECORD + ": '" + group + "' is not a group name");
        }
    }

    /** {@code STATUS|ROLE|EPOCH|GROUP}. */
    public String encode() {
        return status + "|" + role.code() + "|" + epoch + "|" + group;
    }

    /** The status in {@code value}; fails naming what is wrong with it. */
    public static CopyStatus parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "STATUS|ROLE|EPOCH|GROUP");
        Role role = switch (f[1]) {
            case "master" -> Role.MASTER;
            case "replica" -> Role.REPLICA;
            default -> throw r.malformed("role '" + f[1] + "' is neither master nor replica");
        };
        long epoch = r.number("epoch", f[2]);
        return r.build(() -> new CopyStatus(f[0], role, epoch, f[3]));
    }

    /** The status in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static java.util.Optional<CopyStatus> decode(String value) {
        try {
            return value == null ? java.util.Optional.empty() : java.util.Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return java.util.Optional.empty();
        }
    }
}
