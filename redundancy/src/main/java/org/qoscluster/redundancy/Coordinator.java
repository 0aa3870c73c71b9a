package org.qoscluster.redundancy;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Logger;

import org.qoscluster.contract.GroupState;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/**
 * The decisions of one redundancy group (issue 7, R7-R8), taken by the one member of the cluster
 * that is its coordinator, one {@link #step} per heartbeat. Every decision is written to the
 * group's shared state (compare-and-set) before it is carried out, so a coordinator that takes
 * over from a dead one finishes a half-done promotion from the state alone, and a stalled
 * coordinator that wakes up cannot overwrite a newer decision.
 *
 * <pre>
 *  no state       -> the newest epoch any reachable copy records (else epoch 1, the configured master)
 *  OPEN, master UNAVAILABLE
 *                 -> PROMOTING epoch+1: the available copy of this epoch with the highest low mark
 *  PROMOTING      -> promote it (epoch row, identities, capture from its low mark), wait until every
 *                    write path has fenced to the new epoch or {@code fenceWait} has passed -> OPEN
 * </pre>
 */
public final class Coordinator {

    private static final Logger LOG = Logger.getLogger(Coordinator.class.getName());

    /** The group's shared state and the write paths' fences. */
    public interface Store {
        Optional<GroupState> state();

        /** Sets {@code initial} unless a state exists; whether it did. */
        boolean create(GroupState initial);

        /** Sets {@code next} if the state is still {@code expected}; whether it did. */
        boolean replace(GroupState expected, GroupState next);

        /** The epoch each live write path (a node's {@link MasterProxy}) has fenced to. */
        Map<String, Long> fences();

        /** Takes the pending switchover request (the copy to switch to), if an operator made one. */
        Optional<String> takeSwitchover();
    }

    /** What the coordinator asks of the database copies. */
    public interface Copies {
        /** The epoch a copy records, if it answers and has one. */
        Optional<Dialect.CopyEpoch> epoch(String copy) throws SQLException;

        /** A replica's low mark: it has every change of its master below it. */
        OptionalLong lowMark(String copy) throws SQLException;

        /** See {@link ReplicationAgent#promote}. */
        void promote(String copy, ReplicationAgent.Epoch epoch) throws SQLException;

        /** One past the highest change sequence a master copy has captured and still holds. */
        long nextSequence(String master) throws SQLException;
    }

    private final List<String> copies;
    private final String configuredMaster;
    private final Store store;
    private final Copies db;
    private final Clock clock;
    private final Duration fenceWait;
    /** How long a planned switchover waits for the old master's last changes to ship. */
    static final long DRAIN_BOUND_MS = 15_000;
    private String lastComplaint;
    /** The epoch whose promotion this coordinator finished (a takeover does it again: it is idempotent). */
    private long promoted;

    /**
     * @param copies    the group's members in configuration order (preferred first on a tie)
     * @param fenceWait how long a promotion waits for write paths that have not fenced (a hung node's)
     */
    public Coordinator(List<String> copies, String configuredMaster, Store store, Copies db, Clock clock, Duration fenceWait) {
        this.copies = List.copyOf(copies);
        this.configuredMaster = configuredMaster;
        this.store = store;
        this.db = db;
        this.clock = clock;
        this.fenceWait = fenceWait;
    }

    /** One round of decisions on the members' current {@code statuses}; returns the state it leaves. */
    public Optional<GroupState> step(Map<String, MemberStatus> statuses) {
        Optional<GroupState> current = store.state();
        if (current.isEmpty()) {
            GroupState found = recover();
            store.create(found);
            LOG.info("group state: epoch " + found.epoch() + ", master " + found.master());
            return store.state();
        }
        GroupState s = current.get();
        if (s.phase() == GroupState.Phase.DRAINING) {
            return Optional.of(drain(s, statuses));
        }
        if (!s.open()) {
            return Optional.of(finishPromotion(s));
        }
        if (statuses.get(s.master()) == MemberStatus.UNAVAILABLE) {
            return Optional.of(failover(s, statuses));
        }
        Optional<String> target = store.takeSwitchover();
        if (target.isPresent()) {
            return Optional.of(switchover(s, target.get(), statuses));
        }
        lastComplaint = null;
        return current;
    }

    /**
     * Why a planned switchover of {@code s} to {@code target} is refused, if it is: the target is
     * not a member, is the master already, does not answer, or is behind (not a caught-up replica
     * of this epoch); or the group is in the middle of a change.
     */
    public static Optional<String> refuseSwitchover(GroupState s, String target, List<String> copies,
                                                    Map<String, MemberStatus> statuses) {
        if (!copies.contains(target)) {
            return Optional.of("no member '" + target + "' in the group (members: " + copies + ")");
        }
        if (!s.open()) {
            return Optional.of("epoch " + s.epoch() + " is " + s.phase() + ": a failover or switchover is under way");
        }
        if (target.equals(s.master())) {
            return Optional.of(target + " is the master already");
        }
        MemberStatus st = statuses.get(target);
        if (st != MemberStatus.AVAILABLE) {
            return Optional.of(target + " is " + (st == null ? "not monitored" : st)
                    + (st == MemberStatus.CATCHING_UP ? " (behind the master)" : "") + ": only an available, caught-up replica can take over");
        }
        return Optional.empty();
    }

    private GroupState switchover(GroupState s, String target, Map<String, MemberStatus> statuses) {
        Optional<String> refused = refuseSwitchover(s, target, copies, statuses);
        if (refused.isEmpty()) {
            try {
                Optional<Dialect.CopyEpoch> e = db.epoch(target);
                if (e.isEmpty() || e.get().epoch() != s.epoch()) {
                    refused = Optional.of(target + " is not a replica of epoch " + s.epoch() + " yet (behind)");
                }
            } catch (SQLException ex) {
                refused = Optional.of(target + " does not answer: " + ex.getMessage());
            }
        }
        if (refused.isPresent()) {
            LOG.warning("switchover to " + target + " refused: " + refused.get());
            return s;
        }
        GroupState next = s.draining(target, clock.millis());
        if (!store.replace(s, next)) {
            return store.state().orElse(s);
        }
        LOG.warning("switchover: epoch " + next.epoch() + " drains " + s.master() + " into " + target
                + " (write paths fenced; the last changes ship before " + target + " takes writes)");
        return next;
    }

    /**
     * A planned switchover, once every write path has fenced: the new master is promoted when its
     * low mark has reached the old master's next sequence (every change shipped, nothing lost), or
     * at once if the old master dies meanwhile (then it is a failover), or after
     * {@link #DRAIN_BOUND_MS} (logged: the rest stays on the old master as a tail).
     */
    private GroupState drain(GroupState s, Map<String, MemberStatus> statuses) {
        String old = s.previousMaster().orElse(null);
        long waited = clock.millis() - s.sinceMillis();
        try {
            long low = db.lowMark(s.master()).orElse(0);
            boolean oldGone = old == null || statuses.get(old) == MemberStatus.UNAVAILABLE;
            boolean fenced = store.fences().values().stream().allMatch(e -> e >= s.epoch()) || waited >= fenceWait.toMillis();
            long next = oldGone ? 0 : db.nextSequence(old);
            if (!oldGone && (!fenced || low < next)) {
                if (waited < DRAIN_BOUND_MS) {
                    return s;
                }
                LOG.warning("switchover: " + s.master() + " has every change below " + low + " of " + old + "'s " + next
                        + " after " + waited + " ms; promoting it anyway, the rest stays on " + old + " as a tail");
            }
            GroupState promoting = s.drained(low, clock.millis());
            if (!store.replace(s, promoting)) {
                return store.state().orElse(s);
            }
            LOG.warning("switchover: " + s.master() + " has every change of " + old + " below " + low
                    + "; promoting it " + waited + " ms after the request");
            return finishPromotion(promoting);
        } catch (SQLException e) {
            complain("switchover to " + s.master() + ": " + e.getMessage() + "; trying again");
            return s;
        }
    }

    /** Epoch and master from the copies themselves (the shared state is gone: the whole cluster restarted). */
    private GroupState recover() {
        return recover(copies, configuredMaster, db, clock);
    }

    /**
     * The group's state as its copies record it: the newest epoch any reachable copy names, with
     * that epoch's master, open; else epoch 1 with the configured master. What a coordinator
     * starts from when the shared state is gone, and what a replication agent with no cluster to
     * ask follows.
     */
    public static GroupState recover(List<String> copies, String configuredMaster, Copies db, Clock clock) {
        Optional<Dialect.CopyEpoch> newest = Optional.empty();
        for (String copy : copies) {
            try {
                Optional<Dialect.CopyEpoch> e = db.epoch(copy);
                if (e.isPresent() && (newest.isEmpty() || e.get().epoch() > newest.get().epoch())) {
                    newest = e;
                }
            } catch (SQLException e) {
                LOG.fine("copy=" + copy + " no epoch: " + e.getMessage());
            }
        }
        long now = clock.millis();
        return newest.map(e -> new GroupState(e.epoch(), e.master(), GroupState.Phase.OPEN, 1, now, List.of()))
                .orElseGet(() -> GroupState.initial(configuredMaster, now));
    }

    private GroupState failover(GroupState s, Map<String, MemberStatus> statuses) {
        record Candidate(String copy, long low) {
        }
        Optional<Candidate> best = Optional.empty();
        for (String copy : copies) {
            if (copy.equals(s.master()) || statuses.get(copy) != MemberStatus.AVAILABLE) {
                continue;
            }
            try {
                Optional<Dialect.CopyEpoch> e = db.epoch(copy);
                OptionalLong low = db.lowMark(copy);
                // Only a replica of this epoch has a low mark that means something here.
                if (e.isEmpty() || e.get().epoch() != s.epoch() || low.isEmpty()) {
                    continue;
                }
                Candidate c = new Candidate(copy, low.getAsLong());
                if (best.isEmpty() || c.low() > best.get().low()) {
                    best = Optional.of(c);
                }
            } catch (SQLException e) {
                LOG.fine("copy=" + copy + " cannot be a candidate: " + e.getMessage());
            }
        }
        if (best.isEmpty()) {
            complain("master " + s.master() + " is unavailable and no available copy of epoch " + s.epoch()
                    + " can take over; writes wait");
            return s;
        }
        GroupState next = s.promoting(best.get().copy(), best.get().low(), clock.millis());
        if (!store.replace(s, next)) {
            return store.state().orElse(s);
        }
        LOG.warning("failover: master " + s.master() + " unavailable; epoch " + next.epoch() + " promotes "
                + next.master() + " (it has every change below " + best.get().low() + ")");
        return finishPromotion(next);
    }

    private GroupState finishPromotion(GroupState s) {
        if (promoted != s.epoch()) {
            long t0 = clock.millis();
            try {
                db.promote(s.master(), new ReplicationAgent.Epoch(s.epoch(), s.master(), s.firstSequence()));
                promoted = s.epoch();
                LOG.info("epoch " + s.epoch() + ": " + s.master() + " promoted in " + (clock.millis() - t0) + " ms");
            } catch (SQLException | RuntimeException e) {
                complain("epoch " + s.epoch() + ": promoting " + s.master() + " failed (" + e.getMessage() + "); trying again");
                return s;
            }
        }
        Map<String, Long> fences = store.fences();
        List<String> behind = fences.entrySet().stream().filter(f -> f.getValue() < s.epoch()).map(Map.Entry::getKey)
                .sorted(Comparator.naturalOrder()).toList();
        long waited = clock.millis() - s.sinceMillis();
        if (!behind.isEmpty() && waited < fenceWait.toMillis()) {
            return s;
        }
        if (!behind.isEmpty()) {
            LOG.warning("epoch " + s.epoch() + ": write paths " + behind + " did not fence within " + fenceWait.toMillis()
                    + " ms; opening anyway (their old connections lead to a master that does not answer)");
        }
        GroupState open = s.opened(clock.millis());
        if (!store.replace(s, open)) {
            return store.state().orElse(s);
        }
        LOG.warning("epoch " + s.epoch() + ": " + s.master() + " is master, open for writes "
                + (clock.millis() - s.sinceMillis()) + " ms after the decision");
        lastComplaint = null;
        return open;
    }

    private void complain(String message) {
        if (!message.equals(lastComplaint)) {
            LOG.warning(message);
            lastComplaint = message;
        }
    }
}
