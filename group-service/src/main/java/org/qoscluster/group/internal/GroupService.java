package org.qoscluster.group.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.RequestAnswer;
import org.qoscluster.contract.Shipping;
import org.qoscluster.contract.Tail;
import org.qoscluster.redundancy.ConfiguredGroup;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.GroupSettings;
import org.qoscluster.redundancy.HeartbeatMonitor;
import org.qoscluster.redundancy.JdbcCopies;
import org.qoscluster.redundancy.MasterProxy;
import org.qoscluster.redundancy.MemberStatus;
import org.qoscluster.redundancy.Probe;
import org.qoscluster.redundancy.SignedRequest;

/**
 * One node's part in the cluster's redundancy groups, over Payara's Hazelcast: its
 * write-path proxy follows the application's group (an entry listener, and a read every beat in
 * case an event was lost), and each beat the node checks whether it is the coordinator: the
 * oldest live member of the cluster that runs this service (the first of {@code getMembers()}
 * that registered in {@link ClusterMaps#SERVICES}, the same answer on every member). The coordinator runs
 * each group's heartbeat monitor, publishes the members' statuses and takes each group's
 * decisions ({@link Coordinator}); when it dies, Hazelcast drops it from the member list and the
 * next oldest takes over from the shared state.
 */
public final class GroupService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GroupService.class.getName());

    private final ClusterConfig config;
    private final String dbPassword;
    private final String memberName;
    private final HazelcastInstance hz;
    private final GroupSettings settings;
    private final String adminToken;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private IMap<String, String> state;
    private IMap<String, Long> fences;
    private IMap<String, String> statuses;
    private IMap<String, String> services;
    private IMap<String, String> requests;
    private String uuid;
    private MasterProxy proxy;
    private ScheduledExecutorService loop;
    /** The application's group as this member last read it: where the write path finds the master. */
    private volatile GroupState followed;
    private boolean coordinated;

    /**
     * @param dbPassword the cluster's database password ({@code qos.secret.db-password})
     * @param adminToken the cluster's admin token ({@code qos.secret.admin-token}): signs the
     *                   operators' requests this node hands on, checks those the coordinator takes
     */
    public GroupService(ClusterConfig config, String memberName, HazelcastInstance hz, String dbPassword, String adminToken) {
        this.dbPassword = dbPassword;
        this.config = config;
        this.adminToken = adminToken;
        this.memberName = memberName;
        this.hz = hz;
        this.settings = GroupSettings.from(config);
    }

    public void start() throws IOException {
        state = hz.getMap(ClusterMaps.GROUPS);
        fences = hz.getMap(ClusterMaps.FENCES);
        statuses = hz.getMap(ClusterMaps.STATUSES);
        services = hz.getMap(ClusterMaps.SERVICES);
        requests = hz.getMap(ClusterMaps.REQUESTS);
        uuid = hz.getCluster().getLocalMember().getUuid().toString();
        MemberSpec me = config.member(memberName)
                .orElseThrow(() -> new IllegalStateException("member " + memberName + " is not in the configuration"));
        proxy = new MasterProxy(memberName, new InetSocketAddress(config.host(), me.dbProxyPort()),
                name -> Optional.ofNullable(followed).flatMap(s -> s.member(name))
                        .map(m -> new InetSocketAddress(m.host(), m.port())),
                Duration.ofSeconds(30), epoch -> fences.set(uuid, epoch));
        proxy.start();
        state.addEntryListener(new Follow(), GroupState.DEFAULT_GROUP, true);
        for (ConfiguredGroup g : ConfiguredGroup.all(config)) {
            groups.put(g.name(), new Group(g));
        }
        // Hand-over: the oldest registered member coordinates, so register only once the proxy listens.
        services.set(uuid, memberName);
        loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(null, r, "qos-group-" + memberName, 0, false));
        loop.scheduleWithFixedDelay(this::beat, 0, settings.period().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("member=" + memberName + " group service for " + groups.keySet() + ": write path on " + config.host() + ":"
                + me.dbProxyPort() + ", heartbeat every " + settings.period().toMillis() + " ms");
    }

    private void beat() {
        try {
            read(GroupState.DEFAULT_GROUP).ifPresent(this::follow);
            boolean coordinating = coordinating();
            if (coordinating != coordinated) {
                LOG.info("member=" + memberName + (coordinating ? " coordinates the groups now" : " no longer coordinates the groups"));
                coordinated = coordinating;
            }
            for (Group g : groups.values()) {
                g.beat(coordinating);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "member=" + memberName + " group beat failed", e);
        }
    }

    private Optional<GroupState> read(String group) {
        return GroupState.decode(state.get(group));
    }

    private void follow(GroupState s) {
        followed = s;
        proxy.follow(s);
    }

    private boolean coordinating() {
        Set<String> running = services.keySet();
        for (Member m : hz.getCluster().getMembers()) {
            if (running.contains(m.getUuid().toString())) {
                return m.localMember();
            }
        }
        return false;
    }

    /** The groups' names, the application's first. */
    public List<String> groupNames() {
        return List.copyOf(groups.keySet());
    }

    /** One group's monitor, decisions and published statuses, on the coordinator. */
    private final class Group {
        final ConfiguredGroup plan;
        final JdbcCopies copies;
        final Coordinator coordinator;
        HeartbeatMonitor monitor;
        /** What this member last published as coordinator, by copy (no read of the shared map per beat). */
        final Map<String, String> published = new HashMap<>();

        Group(ConfiguredGroup plan) {
            this.plan = plan;
            this.copies = plan.copies(dbPassword);
            this.coordinator = new Coordinator(plan.configured(), plan.configuredMaster(), new HazelcastStore(plan),
                    copies, clock, settings.period().multipliedBy(4), settings.detectionBound().multipliedBy(2));
        }

        void beat(boolean coordinating) {
            if (!coordinating) {
                if (monitor != null) {
                    monitor.close();
                    monitor = null;
                }
                return;
            }
            Optional<GroupState> s = read(plan.name());
            List<GroupState.Member> members = s.map(GroupState::members).orElse(plan.configured());
            if (monitor == null) {
                published.clear(); // another coordinator may have published meanwhile
                monitor = new HeartbeatMonitor(probes(members), settings, clock,
                        (m, from, to, why) -> LOG.info("group=" + plan.name() + " copy=" + m + " " + from + " -> " + to + " (" + why + ")"));
            } else if (!monitor.members().equals(Set.copyOf(members.stream().map(GroupState.Member::name).toList()))) {
                monitor.members(probes(members));
            }
            // Beats here rather than on the monitor's own thread: a decision follows its beat at once.
            monitor.beat();
            Map<String, MemberStatus> now = new HashMap<>();
            monitor.states().forEach((m, st) -> now.put(m, st.status()));
            coordinator.step(now).ifPresent(this::publishStatuses);
        }

        private Map<String, Probe> probes(List<GroupState.Member> members) {
            Map<String, Probe> probes = new LinkedHashMap<>();
            members.forEach(m -> probes.put(m.name(), copies.probe(m)));
            return probes;
        }

        /**
         * Each member's status as the coordinator sees it: the heartbeat's, except that a copy that
         * answers but is not yet a replica of this epoch, or whose watermark is older than a few
         * beats, is catching up.
         */
        private void publishStatuses(GroupState s) {
            Map<String, String> watermarks = hz.<String, String>getMap(ClusterMaps.WATERMARKS).getAll(Set.copyOf(s.memberNames()));
            for (String gone : List.copyOf(published.keySet())) {
                if (s.member(gone).isEmpty()) {
                    String was = published.remove(gone);
                    statuses.remove(gone, was); // unless another group has published it since (a move)
                }
            }
            long now = clock.millis();
            long stale = Math.max(3_000, settings.period().toMillis() * 6);
            monitor.states().forEach((copy, st) -> {
                if (s.member(copy).isEmpty()) {
                    return; // removed this beat: the monitor follows on the next
                }
                MemberStatus status = st.status();
                if (status == MemberStatus.AVAILABLE && !copy.equals(s.master())) {
                    Optional<ReplicaWatermark> w = ReplicaWatermark.decode(watermarks.get(copy));
                    if (w.isEmpty() || !w.get().group().equals(plan.name()) || w.get().epoch() != s.epoch()
                            || w.get().sequence() < s.firstSequence() || now - w.get().epochMillis() > stale) {
                        status = MemberStatus.CATCHING_UP;
                    }
                }
                String value = new CopyStatus(status.name(), copy.equals(s.master()) ? CopyStatus.Role.MASTER : CopyStatus.Role.REPLICA,
                        s.epoch(), plan.name()).encode();
                if (!value.equals(published.put(copy, value))) {
                    statuses.set(copy, value);
                }
            });
        }

        void close() {
            if (monitor != null) {
                monitor.close();
            }
        }
    }

    /**
     * What an operator sees of a group: its state, the node that coordinates it, each member's
     * status as the coordinator last published it, and the asynchronous tails set aside on its
     * returning masters (a value that does not decode is left out, and logged).
     */
    public record Status(String group, Optional<GroupState> state, String coordinator, Map<String, CopyStatus> members,
                         Map<String, Tail> tails) {
    }

    /** The status of {@code group}; empty for a group that does not exist. */
    public Optional<Status> status(String group) {
        if (!groups.containsKey(group)) {
            return Optional.empty();
        }
        Map<String, String> names = services.getAll(
                hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).collect(Collectors.toSet()));
        String coordinator = hz.getCluster().getMembers().stream().map(m -> names.get(m.getUuid().toString()))
                .filter(java.util.Objects::nonNull).findFirst().orElse("none");
        Optional<GroupState> s = read(group);
        Set<String> members = s.map(g -> Set.copyOf(g.memberNames())).orElse(Set.of());
        Map<String, CopyStatus> published = new TreeMap<>();
        statuses.getAll(members).forEach((copy, value) -> decoded(ClusterMaps.STATUSES, copy, value, CopyStatus::parse)
                .ifPresent(c -> published.put(copy, c)));
        Map<String, Tail> tails = new TreeMap<>();
        hz.<String, String>getMap(ClusterMaps.TAILS).getAll(members).forEach((copy, value) ->
                decoded(ClusterMaps.TAILS, copy, value, Tail::parse).ifPresent(t -> tails.put(copy, t)));
        return Optional.of(new Status(group, s, coordinator, published, tails));
    }

    /** {@code value} of {@code key} in {@code map} decoded; empty, and logged, when it is malformed. */
    private <T> Optional<T> decoded(String map, String key, String value, java.util.function.Function<String, T> parse) {
        try {
            return Optional.of(parse.apply(value));
        } catch (IllegalArgumentException e) {
            LOG.warning("member=" + memberName + " map=" + map + " key=" + key + " left out: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** An answer for a group that does not exist. */
    private Outcome noGroup(String group) {
        return new Outcome(404, "no group '" + group + "' (groups: " + groups.keySet() + ")", Optional.empty());
    }

    /**
     * Asks the coordinator for a planned switchover of {@code group} to {@code target} and waits up
     * to {@code within} for the new epoch to open. Refused at once when the target is unknown, the
     * master already, not available and caught up as the coordinator last published, or the
     * group is stopped or in the middle of a change.
     */
    public Outcome switchover(String group, String target, Duration within) throws InterruptedException {
        if (!groups.containsKey(group)) {
            return noGroup(group);
        }
        Optional<GroupState> s = read(group);
        if (s.isEmpty()) {
            return new Outcome(409, "the group has no state yet", Optional.empty());
        }
        Map<String, MemberStatus> seen = new HashMap<>();
        statuses.getAll(Set.copyOf(s.get().memberNames())).forEach((copy, value) -> {
            try {
                seen.put(copy, MemberStatus.valueOf(CopyStatus.parse(value).status()));
            } catch (IllegalArgumentException e) {
                // not a status: not available
            }
        });
        Optional<String> refused = Coordinator.refuseSwitchover(s.get(), target, seen);
        if (refused.isPresent()) {
            return new Outcome(s.get().member(target).isPresent() ? 409 : 400, refused.get(), s);
        }
        long deadline = System.nanoTime() + within.toNanos();
        Outcome asked = ask(group, Coordinator.Kind.SWITCHOVER, target, within);
        if (asked.status() != 202) {
            return asked;
        }
        long epoch = s.get().epoch();
        while (System.nanoTime() < deadline) {
            Optional<GroupState> now = read(group);
            if (now.isPresent() && now.get().epoch() > epoch && now.get().open()) {
                return new Outcome(now.get().master().equals(target) ? 200 : 409,
                        now.get().master().equals(target) ? "switched over to " + target
                                : "the group moved to " + now.get().master() + " meanwhile", now);
            }
            Thread.sleep(50);
        }
        return new Outcome(202, asked.message(), read(group));
    }

    /**
     * Adds the copy at {@code host:port} to {@code group} as {@code name} (R9): refused at once for
     * a name that is a member's of any group or an address that is a member's of this one, by the
     * coordinator when no database answers there. Once added, the replication agent gives it a
     * copy of the master, then the changes.
     */
    public Outcome add(String group, String name, String host, int port, Duration within) throws InterruptedException {
        if (!groups.containsKey(group)) {
            return noGroup(group);
        }
        Optional<String> elsewhere = memberOf(name).filter(g -> !g.equals(group));
        if (elsewhere.isPresent()) {
            return new Outcome(409, "'" + name + "' is a member of group " + elsewhere.get() + "; move it, or choose another name",
                    read(group));
        }
        Optional<GroupState> s = read(group);
        Optional<String> refused = s.flatMap(g -> Coordinator.refuseAdd(g, name, host, port));
        if (refused.isPresent()) {
            return new Outcome(409, refused.get(), s);
        }
        return ask(group, Coordinator.Kind.ADD, Coordinator.addArgument(name, host, port), within);
    }

    /** Removes {@code name} from {@code group} (R9): refused for an unknown member, the master or the last one. */
    public Outcome remove(String group, String name, Duration within) throws InterruptedException {
        if (!groups.containsKey(group)) {
            return noGroup(group);
        }
        Optional<GroupState> s = read(group);
        Optional<String> refused = s.flatMap(g -> Coordinator.refuseRemove(g, name));
        if (refused.isPresent()) {
            return new Outcome(s.get().member(name).isEmpty() ? 400 : 409, refused.get(), s);
        }
        return ask(group, Coordinator.Kind.REMOVE, name, within);
    }

    /**
     * Moves member {@code name} from the group that has it to {@code target} (R9): removed from the
     * first (refused for its master or last member), then added to the second at the same address,
     * where it gets a copy of that group's database (kept beside the first one's on its server) and
     * then its changes. Both steps are checked before the first is taken; should the second be
     * refused all the same (the target changed meanwhile), the answer says so and the copy is in
     * no group until it is added again.
     */
    public Outcome move(String name, String target, Duration within) throws InterruptedException {
        if (!groups.containsKey(target)) {
            return noGroup(target);
        }
        Optional<String> from = memberOf(name);
        if (from.isEmpty()) {
            return new Outcome(400, "no member '" + name + "' in any group (groups: " + groups.keySet() + ")", read(target));
        }
        if (from.get().equals(target)) {
            return new Outcome(409, name + " is a member of " + target + " already", read(target));
        }
        GroupState source = read(from.get()).orElseThrow();
        GroupState.Member m = source.member(name).orElseThrow();
        Optional<String> refused = Coordinator.refuseRemove(source, name)
                .or(() -> read(target).flatMap(t -> Coordinator.refuseAdd(t, name, m.host(), m.port())))
                .or(() -> read(target).filter(t -> t.open()).isEmpty() ? Optional.of("group " + target + " has no open state yet")
                        : Optional.empty());
        if (refused.isPresent()) {
            return new Outcome(409, refused.get(), read(target));
        }
        Outcome removed = ask(from.get(), Coordinator.Kind.REMOVE, name, within);
        if (removed.status() != 200) {
            return removed;
        }
        Outcome added = ask(target, Coordinator.Kind.ADD, Coordinator.addArgument(name, m.host(), m.port()), within);
        if (added.status() != 200) {
            return new Outcome(added.status(), "removed from " + from.get() + ", but " + target + " refused it: " + added.message()
                    + "; it is in no group now", added.state());
        }
        return new Outcome(200, "moved " + name + " from " + from.get() + " to " + target + ": " + added.message(), added.state());
    }

    /** The group that has member {@code name}, if any. */
    private Optional<String> memberOf(String name) {
        return groups.keySet().stream().filter(g -> read(g).flatMap(s -> s.member(name)).isPresent()).findFirst();
    }

    /**
     * Stops {@code group} ({@code stop} true: no failover, switchover or shipping; the master keeps
     * the writes and their changes queue on it) or starts it again.
     */
    public Outcome stopOrStart(String group, boolean stop, Duration within) throws InterruptedException {
        if (!groups.containsKey(group)) {
            return noGroup(group);
        }
        Outcome o = ask(group, stop ? Coordinator.Kind.STOP : Coordinator.Kind.START, "", within);
        if (!stop || o.status() != 200) {
            return o;
        }
        // Done once the replication agent has closed this group's shipping: nothing ships after the answer.
        IMap<String, String> agents = hz.getMap(ClusterMaps.AGENTS);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            String said = agents.get(group);
            if (said != null && Shipping.decode(said).filter(a -> !a.running()).isPresent()) {
                return new Outcome(200, o.message() + "; the replication agent has stopped shipping", o.state());
            }
            Thread.sleep(20);
        }
        return new Outcome(202, o.message() + "; the replication agent has not confirmed within 10 s (not running?):"
                + " changes may still ship until it follows", o.state());
    }

    /** Hands a request to the coordinator (one pending per group) and waits for its answer. */
    private Outcome ask(String group, Coordinator.Kind kind, String argument, Duration within) throws InterruptedException {
        if (read(group).isEmpty()) {
            return new Outcome(409, "the group has no state yet", Optional.empty());
        }
        Coordinator.Request r = new Coordinator.Request(java.util.UUID.randomUUID().toString(), kind, argument);
        // Signed with the admin token the caller proved: the coordinator refuses what is not.
        String signed = SignedRequest.sign(group, r, clock.millis(), adminToken).encode();
        String key = ClusterMaps.requestKey(group);
        String pending = requests.putIfAbsent(key, signed, within.toMillis(), TimeUnit.MILLISECONDS);
        if (pending != null) {
            return new Outcome(409, "another request is pending (" + SignedRequest.decode(group, pending)
                    .map(p -> p.request().kind() + " " + p.request().argument()).orElse("unreadable")
                    + "); try again when it is answered", read(group));
        }
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            String answer = requests.remove(r.id());
            if (answer != null) {
                RequestAnswer a = RequestAnswer.parse(answer);
                return new Outcome(a.status(), a.message(), read(group));
            }
            Thread.sleep(50);
        }
        // Not taken in time (the group is between masters, or has no coordinator): withdrawn if still there.
        requests.remove(key, signed);
        return new Outcome(503, "the coordinator did not answer within " + within.toSeconds() + " s (the group is "
                + read(group).map(g -> g.phase().name()).orElse("without state")
                + "); nothing was changed unless the status says so", read(group));
    }

    /** What an operator's request came to: an HTTP status, a message, the group's state then. */
    public record Outcome(int status, String message, Optional<GroupState> state) {
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.shutdownNow();
        }
        groups.values().forEach(Group::close);
        if (proxy != null) {
            proxy.close();
        }
        try {
            services.remove(uuid);
        } catch (RuntimeException e) {
            // the cluster is going down with us
        }
    }

    /** Hands every new state of the application's group to the write path. */
    private final class Follow implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {

        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, String> e) {
            GroupState.decode(e.getValue()).ifPresent(GroupService.this::follow);
        }

        @Override
        public void entryUpdated(com.hazelcast.core.EntryEvent<String, String> e) {
            GroupState.decode(e.getValue()).ifPresent(GroupService.this::follow);
        }
    }

    /** {@link Coordinator.Store} of one group on the shared maps. */
    private final class HazelcastStore implements Coordinator.Store {

        private final ConfiguredGroup group;

        HazelcastStore(ConfiguredGroup group) {
            this.group = group;
        }

        @Override
        public Optional<GroupState> state() {
            return read(group.name());
        }

        @Override
        public boolean create(GroupState initial) {
            return state.putIfAbsent(group.name(), initial.encode()) == null;
        }

        @Override
        public boolean replace(GroupState expected, GroupState next) {
            return state.replace(group.name(), expected.encode(), next.encode());
        }

        @Override
        public Optional<Coordinator.Request> takeRequest() {
            String value = requests.remove(ClusterMaps.requestKey(group.name()));
            if (value == null) {
                return Optional.empty();
            }
            Optional<SignedRequest> r = SignedRequest.decode(group.name(), value);
            if (r.isEmpty()) {
                LOG.warning("group=" + group.name() + " request refused, not carried out: malformed or unsigned: " + value);
                return Optional.empty();
            }
            Optional<String> refused = r.get().refusal(adminToken, clock.millis());
            if (refused.isPresent()) {
                LOG.warning("group=" + group.name() + " request id=" + r.get().request().id() + " " + r.get().request().kind()
                        + " refused, not carried out: " + refused.get());
                answer(r.get().request(), 401, "refused: " + refused.get());
                return Optional.empty();
            }
            return Optional.of(r.get().request());
        }

        @Override
        public void answer(Coordinator.Request r, int status, String message) {
            requests.set(r.id(), new RequestAnswer(status, message).encode(), 5, TimeUnit.MINUTES);
        }

        @Override
        public Map<String, ReplicaWatermark> watermarks() {
            Optional<GroupState> s = state();
            if (s.isEmpty()) {
                return Map.of();
            }
            Map<String, ReplicaWatermark> out = new HashMap<>();
            hz.<String, String>getMap(ClusterMaps.WATERMARKS).getAll(Set.copyOf(s.get().memberNames()))
                    .forEach((copy, value) -> ReplicaWatermark.decode(value)
                            .filter(w -> w.group().equals(group.name())).ifPresent(w -> out.put(copy, w)));
            return out;
        }

        @Override
        public Map<String, Long> fences() {
            if (!group.writePath()) {
                return Map.of(); // no node reaches this group's master through a proxy
            }
            Map<String, Long> out = new HashMap<>();
            Map<String, String> names = services.getAll(
                    hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).collect(Collectors.toSet()));
            Map<String, Long> fenced = fences.getAll(names.keySet());
            names.forEach((id, name) -> out.put(name, fenced.getOrDefault(id, 0L)));
            return out;
        }
    }
}
