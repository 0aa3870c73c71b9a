package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.qrs.NodeRecord;

/**
 * Whether this site can serve (S2), and if not, why. A site is available when all three hold:
 * <ol>
 * <li>its router serves and has the cluster's shared maps (a Payara router is a member; a Jetty
 * router is a Hazelcast client that may not be connected yet, or any more: without the maps it
 * has no state-change flags, watermarks or group state, so read-your-writes does not hold);</li>
 * <li>at least one node is in rotation, that is passes the health check that reads the copy's
 * name from the database through the node's own data source ({@link HealthChecker});</li>
 * <li>every redundancy group has a master it can write to. With a coordinator (the cluster has
 * replicas) a group's state and its master's published status decide: open, and the master of
 * this epoch {@code AVAILABLE}. A group changing masters (draining, promoting, its master suspect,
 * or not answering while another copy of this epoch is available to take over) counts as having
 * one for at most {@link #CHANGE_GRACE_MS}, measured on the router's clock from when it first saw
 * the change, as the health checks keep nodes in rotation meanwhile; a master that does not
 * answer with no copy to take over, a group with no state published, or a change that lasts
 * longer, has none. Without replicas there is no coordinator: the application's group is its one
 * copy, whose master is writable when a node's health check reads it (the check goes through the
 * node's data source to that master), and a further group is not monitored (not judged).</li>
 * </ol>
 * Pure but for the memory of since when each group has been changing masters; the clock is
 * injected. Not thread-safe on its own: {@link #assess} is synchronized.
 */
final class SiteAvailability {

    /** The longest a group changing masters still counts as having a writable master. */
    static final long CHANGE_GRACE_MS = HealthChecker.KEEP_WHILE_CHANGING_MS;

    /** What a group's database can do now. */
    enum Database {
        /** Open, its master answering. */
        WRITABLE,
        /** Changing masters, within {@link #CHANGE_GRACE_MS}: counted as writable. */
        CHANGING,
        /** No master to write to. */
        NO_MASTER,
        /** Not watched by anyone (a further group of a cluster without replicas): not judged. */
        UNMONITORED;

        /** Its form in the site's JSON. */
        String code() {
            return SiteAvailability.code(this);
        }
    }

    /** How a group's master is known: from the coordinator's published state, or through the nodes' checks. */
    enum JudgedBy {
        COORDINATOR, NODE_CHECKS, NONE;

        /** Its form in the site's JSON. */
        String code() {
            return SiteAvailability.code(this);
        }
    }

    /** An enum constant's form in the site's JSON: lower case, words joined by dashes. */
    private static String code(Enum<?> constant) {
        return constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** A configured redundancy group: its name and the copy configured as its master. */
    record Group(String name, String configuredMaster) {
    }

    /**
     * One group's verdict.
     *
     * @param master the copy that is (or is becoming) the master
     * @param epoch  the group's epoch, 0 when unknown
     * @param reason why it has no writable master, or why it is changing; empty when writable
     */
    record GroupVerdict(String group, Database state, String master, long epoch, JudgedBy judgedBy, Optional<String> reason) {

        /** Whether the group counts as having a writable master (not judged: true). */
        boolean writable() {
            return state != Database.NO_MASTER;
        }
    }

    /**
     * The site's verdict.
     *
     * @param router       the router serves and has the cluster's maps
     * @param healthyNodes nodes in rotation
     * @param groups       each configured group, the application's first
     * @param reasons      why the site is not available, one short sentence each naming the router,
     *                     a node or a group; empty when available
     * @param failing      what each reason is about, in the same order: {@code router},
     *                     {@code node NAME}, {@code group NAME} (its log says when this changes,
     *                     not every time a node's cause does)
     */
    record Verdict(boolean available, boolean router, int healthyNodes, List<GroupVerdict> groups, List<String> reasons,
                   List<String> failing) {

        Verdict {
            groups = List.copyOf(groups);
            reasons = List.copyOf(reasons);
            failing = List.copyOf(failing);
        }

        /** Every group has a master to write to. */
        boolean database() {
            return groups.stream().allMatch(GroupVerdict::writable);
        }
    }

    private final List<Group> groups;
    private final boolean coordinated;
    private final LongSupplier nanoClock;
    /** Since when (router's clock, ns) each group has been seen changing masters. */
    private final Map<String, Long> changingSince = new HashMap<>();

    /**
     * @param groups      the configured groups, the application's first
     * @param coordinated whether a coordinator publishes the groups' states (the cluster has replicas)
     * @param nanoClock   the router's monotonic clock, in nanoseconds
     */
    SiteAvailability(List<Group> groups, boolean coordinated, LongSupplier nanoClock) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a site has at least the application's group");
        }
        this.groups = List.copyOf(groups);
        this.coordinated = coordinated;
        this.nanoClock = nanoClock;
    }

    /**
     * The verdict now.
     *
     * @param nodes     the router's node records (their health read once each)
     * @param connected whether the router has the cluster's maps
     * @param states    the groups' states as mirrored, by group name
     * @param statuses  the copies' statuses as mirrored, by copy name
     */
    synchronized Verdict assess(List<NodeRecord> nodes, boolean connected, Map<String, GroupState> states,
                                Map<String, CopyStatus> statuses) {
        long now = nanoClock.getAsLong();
        List<String> reasons = new ArrayList<>();
        List<String> failing = new ArrayList<>();
        if (!connected) {
            failing.add("router");
            reasons.add("router is not connected to the cluster's data grid (no group state, state-change flags or watermarks)");
        }
        List<String> healthy = new ArrayList<>();
        List<String> nodeReasons = new ArrayList<>();
        for (NodeRecord n : nodes) {
            String problem = n.lastHealthProblem();
            if (n.healthy()) {
                healthy.add(n.name());
            } else {
                nodeReasons.add("node " + n.name() + " is out of rotation (" + shortProblem(problem) + ")");
            }
        }
        if (nodes.isEmpty()) {
            failing.add("nodes");
            reasons.add("no node is configured");
        } else if (healthy.isEmpty()) {
            nodes.forEach(n -> failing.add("node " + n.name()));
            reasons.addAll(nodeReasons);
        }
        List<GroupVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            GroupVerdict v = judge(groups.get(i), i == 0, healthy, states, statuses, now);
            verdicts.add(v);
            if (v.state() == Database.NO_MASTER) {
                failing.add("group " + v.group());
                reasons.add(v.reason().orElseThrow());
            }
        }
        changingSince.keySet().retainAll(verdicts.stream().filter(v -> v.state() == Database.CHANGING).map(GroupVerdict::group).toList());
        return new Verdict(reasons.isEmpty(), connected, healthy.size(), verdicts, reasons, failing);
    }

    private GroupVerdict judge(Group g, boolean application, List<String> healthy, Map<String, GroupState> states,
                               Map<String, CopyStatus> statuses, long now) {
        if (!coordinated) {
            if (!application) {
                return new GroupVerdict(g.name(), Database.UNMONITORED, g.configuredMaster(), 0, JudgedBy.NONE, Optional.empty());
            }
            return healthy.isEmpty()
                    ? new GroupVerdict(g.name(), Database.NO_MASTER, g.configuredMaster(), 0, JudgedBy.NODE_CHECKS,
                    Optional.of("group " + g.name() + " has no master to write to: its only copy, " + g.configuredMaster()
                            + ", answers no node's database check"))
                    : new GroupVerdict(g.name(), Database.WRITABLE, g.configuredMaster(), 0, JudgedBy.NODE_CHECKS, Optional.empty());
        }
        GroupState s = states.get(g.name());
        if (s == null) {
            return new GroupVerdict(g.name(), Database.NO_MASTER, g.configuredMaster(), 0, JudgedBy.COORDINATOR,
                    Optional.of("group " + g.name() + " has no master to write to: its coordinator has published no state"));
        }
        Optional<CopyStatus> master = status(statuses, g.name(), s.master(), s.epoch());
        String change;
        if (!s.open()) {
            change = "it is changing masters (" + s.phase() + " " + s.master() + ", epoch " + s.epoch() + ")";
        } else if (master.isEmpty()) {
            change = "the status of its master " + s.master() + " in epoch " + s.epoch() + " is not published yet";
        } else if ("AVAILABLE".equals(master.get().status())) {
            return new GroupVerdict(g.name(), Database.WRITABLE, s.master(), s.epoch(), JudgedBy.COORDINATOR, Optional.empty());
        } else if ("SUSPECT".equals(master.get().status()) || "UNKNOWN".equals(master.get().status())) {
            change = "its master " + s.master() + " is " + master.get().status();
        } else {
            Optional<String> successor = s.copies().stream().map(GroupState.Copy::name)
                    .filter(c -> !c.equals(s.master()))
                    .filter(c -> status(statuses, g.name(), c, s.epoch()).filter(st -> "AVAILABLE".equals(st.status())).isPresent())
                    .findFirst();
            if (successor.isEmpty()) {
                return new GroupVerdict(g.name(), Database.NO_MASTER, s.master(), s.epoch(), JudgedBy.COORDINATOR,
                        Optional.of("group " + g.name() + " has no master to write to: its master " + s.master() + " is "
                                + master.get().status() + " and no other copy is available to take over"));
            }
            change = "its master " + s.master() + " is " + master.get().status() + " and " + successor.get() + " can take over";
        }
        long since = changingSince.computeIfAbsent(g.name(), k -> now);
        if (now - since >= TimeUnit.MILLISECONDS.toNanos(CHANGE_GRACE_MS)) {
            return new GroupVerdict(g.name(), Database.NO_MASTER, s.master(), s.epoch(), JudgedBy.COORDINATOR,
                    Optional.of("group " + g.name() + " has had no master to write to for more than "
                            + CHANGE_GRACE_MS / 1000 + " s: " + change));
        }
        return new GroupVerdict(g.name(), Database.CHANGING, s.master(), s.epoch(), JudgedBy.COORDINATOR, Optional.of(change));
    }

    /** The status the coordinator published for {@code copy} as a copy of {@code group} in {@code epoch}. */
    private static Optional<CopyStatus> status(Map<String, CopyStatus> statuses, String group, String copy, long epoch) {
        return Optional.ofNullable(statuses.get(copy)).filter(st -> st.group().equals(group) && st.epoch() == epoch);
    }

    /**
     * A node's health problem without the exception's text (the page is public): {@code health
     * check failed}, {@code health page answered 503}, {@code connection failed}, ...
     */
    static String shortProblem(String problem) {
        if (problem == null) {
            return "its health check fails";
        }
        int colon = problem.indexOf(": ");
        return colon > 0 ? problem.substring(0, colon) : problem;
    }
}
