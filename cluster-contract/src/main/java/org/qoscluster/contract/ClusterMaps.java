package org.qoscluster.contract;

/**
 * The names of the Hazelcast maps the members of a cluster (router, nodes, the replication
 * agent's client) share, in one place. Every value is a plain string in the shared form of one
 * record of this package, read back by that record's codec, so every member and client reads it
 * without loading our classes into Hazelcast (no class-loader trouble across Payara's
 * applications). docs/ARCHITECTURE.md has the table of writers and readers.
 */
public final class ClusterMaps {

    /** User's state-change flags: UID to {@link StateChangeFlag}. */
    public static final String FLAGS = "qos-state-change-flags";
    /**
     * The user classes of sessions that hold one (set by the application, or derived from the
     * authenticated principal's roles), written by the node that stored the session: UID to
     * {@link UserClasses}. The router mirrors it.
     */
    public static final String USER_CLASSES = "qos-user-classes";
    /** Replicas' watermarks, as the replication agent publishes them: copy name to {@link ReplicaWatermark}. */
    public static final String WATERMARKS = "qos-replica-watermarks";
    /** Each redundancy group's state, written by its coordinator only: group name to {@link GroupState}. */
    public static final String GROUPS = "qos-group";
    /**
     * Where each member's write-path proxy says which epoch it has fenced to: Hazelcast member
     * UUID to the epoch (a {@code Long}).
     */
    public static final String FENCES = "qos-group-fence";
    /** The database copies' statuses as the coordinator last published them: copy name to {@link CopyStatus}. */
    public static final String STATUSES = "qos-copy-statuses";
    /** Asynchronous tails set aside on returning masters: copy name to {@link Tail}. */
    public static final String TAILS = "qos-group-tails";
    /**
     * Operators' requests to the coordinator: under {@link #requestKey} the pending request of a
     * group (the redundancy module's signed request), under the request's id its
     * {@link RequestAnswer}.
     */
    public static final String REQUESTS = "qos-group-requests";
    /** Whether the replication agent ships, per group: group name to {@link Shipping}. */
    public static final String AGENTS = "qos-group-agents";
    /**
     * When each step of a change of masters happened, as the part that took it records it:
     * {@link TimelineEvent#key()} to {@link TimelineEvent}, each kept for an hour.
     */
    public static final String TIMELINE = "qos-group-timeline";
    /** The members running the group service: Hazelcast member UUID to node name. */
    public static final String SERVICES = "qos-group-services";

    private ClusterMaps() {
    }

    /** The key of a group's pending request in {@link #REQUESTS} (one at a time per group). */
    public static String requestKey(String group) {
        return "request:" + group;
    }
}
