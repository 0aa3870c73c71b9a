package org.qoscluster.redundancy;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.GroupState.Copy;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/**
 * The decisions of one redundancy group (R7-R8), taken by the one copy of the cluster
 * that is its coordinator, one {@link #step} per heartbeat. Every decision is written to the
 * group's shared state (compare-and-set) before it is carried out, so a coordinator that takes
 * over from a dead one finishes a half-done promotion from the state alone, and a stalled
 * coordinator that wakes up cannot overwrite a newer decision.
 *
 * <pre>
 *  no state       -> the newest epoch any reachable copy records (else epoch 1, the configured master)
 *  OPEN, master UNAVAILABLE
 *                 -> PROMOTING epoch+1: the available copy of this epoch with the highest watermark
 *  PROMOTING      -> promote it (epoch row, identities, capture from its watermark), wait until every
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

        /** The watermarks published of this group's replicas, by copy (another group's are left out). */
        Map<String, ReplicaWatermark> watermarks();

        /** Takes the pending operator's request, if there is one. */
        Optional<Request> takeRequest();

        /** Answers {@code request} with an HTTP-like status and a message the operator reads. */
        void answer(Request request, int status, String message);

        /**
         * Records that the change of masters into {@code epoch} reached {@code event} at
         * {@code epochMillis} (the group's timeline, {@link #EVENTS}); never fails the decision.
         */
        void timeline(long epoch, String event, long epochMillis);

        /**
         * Holds this site's write paths ({@code true}: they relay nothing and close what they
         * relay, as while a promotion is under way) or lets them relay again: the fence of a
         * master's site cut off from the other sites ({@link SiteMastership.Role#FENCED}).
         */
        default void holdWritePaths(boolean held) {
        }
    }

    /**
     * The coordinator's events of a change of masters, in order: the master found unavailable
     * (a failover), the next epoch written (the decision), the copy promoted, every write path
     * fenced (or the bound passed), the new master open.
     */
    public static final List<String> EVENTS = List.of("master-unavailable", "decided", "promoted", "fenced", "open");

    /** A copy's epoch (empty: it records none) and watermark (empty: it never was a replica). */
    public record Standing(Optional<Dialect.CopyEpoch> epoch, OptionalLong watermark) {
    }

    /** What an operator may ask of the group. */
    public enum Kind { SWITCHOVER, ADD, REMOVE, STOP, START }

    /**
     * An operator's request: {@code argument} is the copy to switch to or remove, the
     * {@code NAME/HOST/PORT} to add, empty to stop or start. It travels signed
     * ({@link SignedRequest}); the store hands on only one whose signature is right.
     */
    public record Request(String id, Kind kind, String argument) {

        public Request {
            if (id == null || id.isEmpty() || id.contains(" ") || kind == null || argument == null) {
                throw new IllegalArgumentException("request: an id without spaces, a kind and an argument (maybe empty)"
                        + " are required: " + id + ", " + kind + ", " + argument);
            }
        }
    }

    /** What the coordinator asks of the database copies. */
    public interface Copies {
        /** The epoch a copy records, if it answers and has one. */
        Optional<Dialect.CopyEpoch> epoch(Copy copy) throws SQLException;

        /** A replica's watermark: it has every change of its master below it. */
        OptionalLong watermark(Copy copy) throws SQLException;

        /**
         * The epoch each of {@code copies} records and its watermark, read together: what a
         * failover weighs its candidates by. A copy that cannot be read (it does not answer) is
         * left out. This reads them one after the other; an implementation may read them at once.
         */
        default Map<String, Standing> standings(List<Copy> copies) {
            Map<String, Standing> out = new java.util.LinkedHashMap<>();
            for (Copy copy : copies) {
                try {
                    out.put(copy.name(), new Standing(epoch(copy), watermark(copy)));
                } catch (SQLException e) {
                    LOG.log(Level.FINE, "copy={0} cannot be read: {1}", new Object[] {copy.name(), e.getMessage()});
                }
            }
            return out;
        }

        /** See {@link ReplicationAgent#promote}. */
        void promote(Copy copy, ReplicationAgent.Epoch epoch) throws SQLException;

        /** One past the highest change sequence a master copy has captured and still holds. */
        long nextSequence(Copy master) throws SQLException;

        /**
         * Readies a copy that joins the group (or leaves it): it must answer, and whatever it
         * records of an earlier membership is forgotten, so the agent gives it a fresh copy
         * rather than resume from a watermark whose changes were deleted meanwhile. A former
         * master's record stays: its tail is set aside first.
         */
        void forgetWatermark(Copy copy) throws SQLException;
    }

    private final String group;
    private final List<Copy> configured;
    private final String configuredMaster;
    private final Store store;
    private final Copies db;
    private final Clock clock;
    private final Duration fenceWait;
    private final Duration decisionWait;
    /** The epoch whose master this coordinator found unavailable, and when (see {@link FailoverChoice}). */
    private long failingEpoch;
    private long failingSince;
    /** How long a planned switchover waits for the old master's last changes to ship. */
    static final long DRAIN_BOUND_MS = 15_000;
    private List<Object> lastComplaint;
    /** The epoch whose promotion this coordinator finished (a takeover does it again: it is idempotent). */
    private long promoted;
    /** The group across sites this one is, or null: the cluster's own. */
    private SiteGroup sites;
    private SiteMastership mastership;
    /** What this site did last beat (null before the first): logged when it changes. */
    private SiteMastership.Role role;

    /**
     * @param group      the group's name, which its log messages carry
     * @param configured the group's copies in configuration order, its copies until an operator
     *                   adds or removes one (preferred first on a tie)
     * @param fenceWait  how long a promotion waits for write paths that have not fenced (a hung node's)
     * @param decisionWait how long a failover waits for a suspect copy that may hold acknowledged
     *                   writes the available ones lack ({@link FailoverChoice})
     */
    public Coordinator(String group, List<Copy> configured, String configuredMaster, Store store, Copies db, Clock clock,
                       Duration fenceWait, Duration decisionWait) {
        this.group = group;
        this.configured = List.copyOf(configured);
        this.configuredMaster = configuredMaster;
        this.store = store;
        this.db = db;
        this.clock = clock;
        this.fenceWait = fenceWait;
        this.decisionWait = decisionWait;
    }

    /**
     * Makes this the coordinator of one site of a group that spans sites: each step first adopts
     * the newest epoch a copy it reaches records, then does what {@link SiteMastership} says.
     */
    public Coordinator acrossSites(SiteGroup group) {
        this.sites = group;
        this.mastership = new SiteMastership(group, clock);
        return this;
    }

    /** One round of decisions on the copies' current {@code statuses}; returns the state it leaves. */
    public Optional<GroupState> step(Map<String, CopyHealth> statuses) {
        if (sites != null) {
            return stepAcrossSites(statuses);
        }
        return stepHere(statuses);
    }

    private Optional<GroupState> stepHere(Map<String, CopyHealth> statuses) {
        Optional<GroupState> current = store.state();
        if (current.isEmpty()) {
            GroupState found = recover();
            store.create(found);
            LOG.log(Level.INFO, "group={0} state: epoch {1}, master {2}", new Object[] {group, String.valueOf(found.epoch()), found.master()});
            return store.state();
        }
        GroupState s = current.get();
        if (s.phase() == GroupState.Phase.DRAINING) {
            return Optional.of(drain(s, statuses));
        }
        if (!s.open()) {
            return Optional.of(finishPromotion(s));
        }
        if (!s.stopped() && statuses.get(s.master()) == CopyHealth.UNAVAILABLE) {
            return Optional.of(failover(s, statuses));
        }
        Optional<Request> request = store.takeRequest();
        if (request.isPresent()) {
            return Optional.of(handle(s, request.get(), statuses));
        }
        lastComplaint = null;
        return current;
    }

    /**
     * One step of a site of a group across sites: the newest epoch any copy this site reaches
     * records (in {@code QOS_EPOCH}) replaces an older one in this site's state (another site
     * promoted, or this site starts); then the site leads (decides as a single cluster, its
     * failovers among its own copies), is fenced (its write paths held), follows (its requests
     * refused), or promotes one of its own copies (the usual failover, among its own copies).
     */
    private Optional<GroupState> stepAcrossSites(Map<String, CopyHealth> statuses) {
        Optional<GroupState> current = store.state();
        List<Copy> copies = current.map(GroupState::copies).orElse(configured);
        java.util.Set<String> read = new java.util.HashSet<>();
        Optional<Dialect.CopyEpoch> newest = newestRecorded(copies, statuses, read);
        long now = clock.millis();
        if (current.isEmpty()) {
            if (copies.stream().anyMatch(c -> statuses.get(c.name()) == null || statuses.get(c.name()) == CopyHealth.UNKNOWN)) {
                return current; // every copy probed once first: one that answers may record a newer epoch
            }
            GroupState found = newest.map(e -> new GroupState(e.epoch(), e.master(), GroupState.Phase.OPEN, 1, now, List.of(), copies, false))
                    .orElseGet(() -> GroupState.initial(configuredMaster, configured, now));
            store.create(found);
            LOG.log(Level.INFO, "group={0} site {1} state: epoch {2}, master {3} (site {4})", new Object[] {group, sites.site(),
                String.valueOf(found.epoch()), found.master(), sites.siteOf(found.master())});
            return store.state();
        }
        GroupState held = current.get();
        if (newest.isPresent() && newest.get().epoch() > held.epoch()) {
            GroupState s = held;
            Dialect.CopyEpoch e = newest.get();
            GroupState next = new GroupState(e.epoch(), e.master(), GroupState.Phase.OPEN, 1, now, s.history(), s.copies(), s.stopped());
            if (!store.replace(s, next)) {
                return store.state();
            }
            LOG.log(Level.WARNING, "group={0} site {1}: the copies record epoch {2} with master {3} (site {4}); following it"
                    + " (this site had epoch {5}, master {6})", new Object[] {group, sites.site(), String.valueOf(e.epoch()), e.master(),
                sites.siteOf(e.master()), String.valueOf(s.epoch()), s.master()});
            store.timeline(e.epoch(), "followed", now);
            held = next;
        }
        GroupState s = held;
        // A copy counts as reached only once its epoch was read too: a site that leads again after
        // a cut link must have seen whether another site promoted meanwhile.
        Map<String, CopyHealth> seen = new java.util.HashMap<>(statuses);
        statuses.forEach((copy, st) -> {
            if (st == CopyHealth.AVAILABLE && !read.contains(copy)) {
                seen.put(copy, CopyHealth.SUSPECT);
            }
        });
        SiteMastership.Role beat = mastership.beat(s, seen);
        if (beat != role) {
            LOG.log(beat == SiteMastership.Role.LEAD || beat == SiteMastership.Role.FOLLOW ? Level.INFO : Level.WARNING,
                    "group={0} site {1}: {2} (master {3} at site {4}, epoch {5})", new Object[] {group, sites.site(), describe(beat, s),
                        s.master(), sites.siteOf(s.master()), String.valueOf(s.epoch())});
            role = beat;
        }
        store.holdWritePaths(beat == SiteMastership.Role.FENCED);
        return switch (beat) {
            case LEAD -> stepHere(statuses);
            case FENCED -> Optional.of(s);
            case FOLLOW -> {
                store.takeRequest().ifPresent(r -> store.answer(r, 409, "the master " + s.master() + " is at site "
                        + sites.siteOf(s.master()) + "; ask there"));
                yield Optional.of(s);
            }
            case PROMOTE -> Optional.of(s.open() ? failover(s, statuses) : finishPromotion(s));
        };
    }

    private String describe(SiteMastership.Role r, GroupState s) {
        String masterSite = sites.siteOf(s.master());
        return switch (r) {
            case LEAD -> "holds the master and decides";
            case FENCED -> "holds the master but has not reached copies of more than half of the sites, itself included, within "
                    + sites.lease().toMillis() + " ms: its write paths are held";
            case FOLLOW -> "follows site " + masterSite;
            case PROMOTE -> "no copy of site " + masterSite + " has answered for " + mastership.sinceReached(masterSite)
                    + " ms (bound " + 2 * sites.lease().toMillis() + " ms) and this is the first site of its side of the cut (at least half of the sites): promoting a copy of its own";
        };
    }

    /**
     * The newest epoch a copy that answered its last probe records, with a master the group
     * knows; the copies whose record was read are added to {@code read}.
     */
    private Optional<Dialect.CopyEpoch> newestRecorded(List<Copy> copies, Map<String, CopyHealth> statuses, java.util.Set<String> read) {
        List<Copy> answering = copies.stream().filter(c -> statuses.get(c.name()) == CopyHealth.AVAILABLE).toList();
        Optional<Dialect.CopyEpoch> newest = Optional.empty();
        Map<String, Standing> standings = db.standings(answering);
        read.addAll(standings.keySet());
        for (Standing st : standings.values()) {
            Optional<Dialect.CopyEpoch> e = st.epoch();
            if (e.isPresent() && e.get().epoch() > 0 && copies.stream().anyMatch(c -> c.name().equals(e.get().master()))
                    && (newest.isEmpty() || e.get().epoch() > newest.get().epoch())) {
                newest = e;
            }
        }
        return newest;
    }

    private GroupState handle(GroupState s, Request r, Map<String, CopyHealth> statuses) {
        return switch (r.kind()) {
            case SWITCHOVER -> switchover(s, r, statuses);
            case ADD -> add(s, r);
            case REMOVE -> remove(s, r);
            case STOP, START -> {
                boolean stop = r.kind() == Kind.STOP;
                if (s.stopped() == stop) {
                    store.answer(r, 409, "the group is " + (stop ? "stopped" : "running") + " already");
                    yield s;
                }
                yield apply(s, s.withStopped(stop), r, stop
                        ? "group stopped: no failover, no switchover, no shipping; " + s.master() + " keeps the writes, their changes queue on it"
                        : "group started: failover and shipping resume");
            }
        };
    }

    /** Sets {@code next} if the state is still {@code s}, and answers {@code r} either way. */
    private GroupState apply(GroupState s, GroupState next, Request r, String done) {
        if (!store.replace(s, next)) {
            store.answer(r, 409, "the group changed meanwhile; ask again");
            return store.state().orElse(s);
        }
        LOG.log(Level.WARNING, "group={0} request id={1} {2}", new Object[] {group, r.id(), done});
        store.answer(r, 200, done);
        return next;
    }




    private GroupState add(GroupState s, Request r) {
        String[] f = r.argument().split("/");
        Copy joining;
        try {
            joining = new Copy(f[0], f.length == 3 ? f[1] : "", f.length == 3 ? Integer.parseInt(f[2]) : 0, s.nextCopyNumber());
        } catch (IllegalArgumentException e) {
            store.answer(r, 400, "add: " + e.getMessage());
            return s;
        }
        Optional<String> refused = OperatorRequests.refuseAdd(s, joining.name(), joining.host(), joining.port());
        if (refused.isEmpty()) {
            try {
                db.forgetWatermark(joining);
            } catch (SQLException e) {
                refused = Optional.of("no database answers at " + joining.host() + ":" + joining.port() + " (" + e.getMessage()
                        + "); start its Derby network server first");
            }
        }
        if (refused.isPresent()) {
            store.answer(r, 409, refused.get());
            return s;
        }
        return apply(s, s.withCopy(joining), r, "copy " + joining.name() + " added at " + joining.host() + ":"
                + joining.port() + " (number " + joining.number() + "): it gets a copy of " + s.master() + ", then its changes");
    }

    private GroupState remove(GroupState s, Request r) {
        Optional<String> refused = OperatorRequests.refuseRemove(s, r.argument());
        if (refused.isPresent()) {
            store.answer(r, s.copy(r.argument()).isEmpty() ? 400 : 409, refused.get());
            return s;
        }
        Copy leaving = s.copy(r.argument()).orElseThrow();
        GroupState next = s.withoutCopy(leaving.name());
        if (!store.replace(s, next)) {
            store.answer(r, 409, "the group changed meanwhile; ask again");
            return store.state().orElse(s);
        }
        String done = "copy " + leaving.name() + " removed: no more changes ship to it, none wait for it, and it is never promoted";
        try {
            // Answered once this is done: an apply still under way finishes first, none follows.
            db.forgetWatermark(leaving);
        } catch (SQLException e) {
            done += " (it does not answer: " + e.getMessage() + "; the agent stops shipping to it as it follows the"
                    + " new copies; if it is added again, its watermark is forgotten first)";
        }
        LOG.log(Level.WARNING, "group={0} request id={1} {2}", new Object[] {group, r.id(), done});
        store.answer(r, 200, done);
        return next;
    }


    private GroupState switchover(GroupState s, Request r, Map<String, CopyHealth> statuses) {
        String target = r.argument();
        Optional<String> refused = OperatorRequests.refuseSwitchover(s, target, statuses);
        if (refused.isEmpty()) {
            try {
                Optional<Dialect.CopyEpoch> e = db.epoch(s.copy(target).orElseThrow());
                if (e.isEmpty() || e.get().epoch() != s.epoch()) {
                    refused = Optional.of(target + " is not a replica of epoch " + s.epoch() + " yet (behind)");
                }
            } catch (SQLException ex) {
                refused = Optional.of(target + " does not answer: " + ex.getMessage());
            }
        }
        if (refused.isPresent()) {
            LOG.log(Level.WARNING, "group={0} switchover to {1} refused: {2}", new Object[] {group, target, refused.get()});
            store.answer(r, s.copy(target).isEmpty() ? 400 : 409, refused.get());
            return s;
        }
        GroupState next = s.draining(target, clock.millis());
        if (!store.replace(s, next)) {
            store.answer(r, 409, "the group changed meanwhile; ask again");
            return store.state().orElse(s);
        }
        store.timeline(next.epoch(), "decided", next.sinceMillis());
        store.answer(r, 202, "switchover to " + target + " under way: the write paths are fenced while "
                + s.master() + "'s last changes ship");
        LOG.log(Level.WARNING, "group={0} switchover: epoch {1} drains {2} into {3}"
                + " (write paths fenced; the last changes ship before {3} takes writes)",
                new Object[] {group, String.valueOf(next.epoch()), s.master(), target});
        return next;
    }

    /**
     * A planned switchover, once every write path has fenced: the new master is promoted when its
     * watermark has reached the old master's next sequence (every change shipped, nothing lost), or
     * at once if the old master dies meanwhile (then it is a failover), or after
     * {@link #DRAIN_BOUND_MS} (logged: the rest stays on the old master as a tail).
     */
    private GroupState drain(GroupState s, Map<String, CopyHealth> statuses) {
        String old = s.previousMaster().orElse(null);
        long waited = clock.millis() - s.sinceMillis();
        try {
            long low = db.watermark(s.copy(s.master()).orElseThrow()).orElse(0);
            Optional<Copy> oldCopy = old == null ? Optional.empty() : s.copy(old);
            boolean oldGone = oldCopy.isEmpty() || statuses.get(old) == CopyHealth.UNAVAILABLE;
            boolean fenced = store.fences().values().stream().allMatch(e -> e >= s.epoch()) || waited >= fenceWait.toMillis();
            long next = oldGone ? 0 : db.nextSequence(oldCopy.get());
            if (!oldGone && (!fenced || low < next)) {
                if (waited < DRAIN_BOUND_MS) {
                    return s;
                }
                LOG.log(Level.WARNING, "group={0} switchover: {1} has every change below {2} of {3}''s {4} after {5} ms;"
                        + " promoting it anyway, the rest stays on {3} as a tail",
                        new Object[] {group, s.master(), String.valueOf(low), old, String.valueOf(next), String.valueOf(waited)});
            }
            GroupState promoting = s.drained(low, clock.millis());
            if (!store.replace(s, promoting)) {
                return store.state().orElse(s);
            }
            LOG.log(Level.WARNING, "group={0} switchover: {1} has every change of {2} below {3}; promoting it {4} ms after the request",
                    new Object[] {group, s.master(), old, String.valueOf(low), String.valueOf(waited)});
            return finishPromotion(promoting);
        } catch (SQLException e) {
            complain("group={0} switchover to {1}: {2}; trying again", group, s.master(), e.getMessage());
            return s;
        }
    }

    /** Epoch and master from the copies themselves (the shared state is gone: the whole cluster restarted). */
    private GroupState recover() {
        return recover(configured, configuredMaster, db, clock);
    }

    /**
     * The group's state as its configured copies record it: the newest epoch any reachable copy
     * names, with that epoch's master, open; else epoch 1 with the configured master. What a
     * coordinator starts from when the shared state is gone, and what a replication agent with no
     * cluster to ask follows. Copies added at run time are not known then: an epoch whose master
     * is not configured is passed over (logged).
     */
    public static GroupState recover(List<Copy> configured, String configuredMaster, Copies db, Clock clock) {
        Optional<Dialect.CopyEpoch> newest = Optional.empty();
        java.util.Set<String> names = new java.util.HashSet<>();
        configured.forEach(m -> names.add(m.name()));
        for (Copy copy : configured) {
            try {
                Optional<Dialect.CopyEpoch> e = db.epoch(copy);
                if (e.isPresent() && !names.contains(e.get().master())) {
                    LOG.log(Level.WARNING, "copy={0} records epoch {1} with master {2}, which is not a configured copy"
                            + " (added at run time?): passed over",
                            new Object[] {copy.name(), String.valueOf(e.get().epoch()), e.get().master()});
                } else if (e.isPresent() && e.get().epoch() > 0 && (newest.isEmpty() || e.get().epoch() > newest.get().epoch())) {
                    newest = e;
                }
            } catch (SQLException e) {
                LOG.log(Level.FINE, "copy={0} no epoch: {1}", new Object[] {copy.name(), e.getMessage()});
            }
        }
        long now = clock.millis();
        return newest.map(e -> new GroupState(e.epoch(), e.master(), GroupState.Phase.OPEN, 1, now, List.of(), configured, false))
                .orElseGet(() -> GroupState.initial(configuredMaster, configured, now));
    }

    /**
     * The master is unavailable: promotes the copy {@link FailoverChoice} picks among the available
     * replicas of this epoch (their watermarks read from them) and the watermarks published in it.
     */
    private GroupState failover(GroupState s, Map<String, CopyHealth> statuses) {
        if (failingEpoch != s.epoch()) {
            failingEpoch = s.epoch();
            failingSince = clock.millis();
            store.timeline(s.epoch() + 1, "master-unavailable", failingSince);
        }
        // Across sites, a site promotes only a copy of its own (another site's copies are its to promote).
        List<Copy> available = s.copies().stream()
                .filter(copy -> !copy.name().equals(s.master()) && statuses.get(copy.name()) == CopyHealth.AVAILABLE)
                .filter(copy -> sites == null || sites.siteOf(copy.name()).equals(sites.site())).toList();
        Map<String, Long> candidates = new java.util.LinkedHashMap<>();
        Map<String, Standing> standings = db.standings(available);
        for (Copy copy : available) {
            Standing st = standings.get(copy.name());
            // Only a replica of this epoch has a watermark that means something here.
            if (st != null && st.epoch().isPresent() && st.epoch().get().epoch() == s.epoch() && st.watermark().isPresent()) {
                candidates.put(copy.name(), st.watermark().getAsLong());
            } else if (st == null) {
                LOG.log(Level.FINE, "group={0} copy={1} cannot be a candidate: it could not be read", new Object[] {group, copy.name()});
            }
        }
        Map<String, Long> published = new java.util.HashMap<>();
        store.watermarks().forEach((copy, w) -> {
            if (w.epoch() == s.epoch() && s.copy(copy).isPresent()) {
                published.put(copy, w.sequence());
            }
        });
        FailoverChoice.Decision d = FailoverChoice.decide(s.master(), candidates, published, statuses,
                clock.millis() - failingSince, decisionWait.toMillis());
        if (d instanceof FailoverChoice.Wait w) {
            complain("group={0} master {1} of epoch {2} is unavailable; {3}; writes wait", group, s.master(), String.valueOf(s.epoch()),
                    w.why());
            return s;
        }
        FailoverChoice.Promote p = (FailoverChoice.Promote) d;
        GroupState next = s.promoting(p.copy(), p.low(), clock.millis());
        if (!store.replace(s, next)) {
            return store.state().orElse(s);
        }
        store.timeline(next.epoch(), "decided", next.sinceMillis());
        Object[] params = {group, s.master(), String.valueOf(next.epoch()), next.master(), String.valueOf(p.low()),
            p.lacking().orElse(null)};
        LOG.log(Level.WARNING, p.lacking().isEmpty()
                ? "group={0} failover: master {1} unavailable; epoch {2} promotes {3} (it has every change below {4})"
                : "group={0} failover: master {1} unavailable; epoch {2} promotes {3} (it has every change below {4});"
                        + " {5} and cannot be reached: what only it had is lost", params);
        return finishPromotion(next);
    }

    private GroupState finishPromotion(GroupState s) {
        if (promoted != s.epoch()) {
            long t0 = clock.millis();
            try {
                db.promote(s.copy(s.master()).orElseThrow(), new ReplicationAgent.Epoch(s.epoch(), s.master(), s.firstSequence()));
                promoted = s.epoch();
                store.timeline(s.epoch(), "promoted", clock.millis());
                LOG.log(Level.INFO, "group={0} epoch {1}: {2} promoted in {3} ms",
                        new Object[] {group, String.valueOf(s.epoch()), s.master(), String.valueOf(clock.millis() - t0)});
            } catch (SQLException | RuntimeException e) {
                complain("group={0} epoch {1}: promoting {2} failed ({3}); trying again", group, String.valueOf(s.epoch()), s.master(),
                        e.getMessage());
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
            LOG.log(Level.WARNING, "group={0} epoch {1}: write paths {2} did not fence within {3} ms;"
                    + " opening anyway (their old connections lead to a master that does not answer)",
                    new Object[] {group, String.valueOf(s.epoch()), behind, String.valueOf(fenceWait.toMillis())});
        }
        store.timeline(s.epoch(), "fenced", clock.millis());
        GroupState open = s.opened(clock.millis());
        if (!store.replace(s, open)) {
            return store.state().orElse(s);
        }
        store.timeline(s.epoch(), "open", open.sinceMillis());
        LOG.log(Level.WARNING, "group={0} epoch {1}: {2} is master, open for writes {3} ms after the decision",
                new Object[] {group, String.valueOf(s.epoch()), s.master(), String.valueOf(clock.millis() - s.sinceMillis())});
        lastComplaint = null;
        return open;
    }

    /** Logs {@code pattern} with {@code params} unless it is what was logged last. */
    private void complain(String pattern, Object... params) {
        List<Object> complaint = Arrays.asList(pattern, Arrays.asList(params));
        if (!complaint.equals(lastComplaint)) {
            LOG.log(Level.WARNING, pattern, params);
            lastComplaint = complaint;
        }
    }
}
