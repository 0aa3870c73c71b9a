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
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.contract.GroupState;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.GroupSettings;
import org.qoscluster.redundancy.HeartbeatMonitor;
import org.qoscluster.redundancy.JdbcCopies;
import org.qoscluster.redundancy.JdbcProbe;
import org.qoscluster.redundancy.MasterProxy;
import org.qoscluster.redundancy.MemberStatus;
import org.qoscluster.redundancy.Probe;
import org.qoscluster.replication.ReplicationSettings;

/**
 * One node's part in its redundancy group (issue 7), over Payara's Hazelcast: its write-path
 * proxy follows the group's state (an entry listener, and a read every beat in case an event
 * was lost), and each beat the node checks whether it is the coordinator: the oldest live member
 * of the cluster that runs this service (the first of {@code getMembers()} that registered in
 * {@value #SERVICES}, the same answer on every member). The coordinator runs the heartbeat
 * monitor, publishes the members' statuses and takes the group's decisions ({@link Coordinator});
 * when it dies, Hazelcast drops it from the member list and the next oldest takes over from the
 * shared state.
 */
public final class GroupService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GroupService.class.getName());
    /** Members running this service: Hazelcast member UUID to node name. */
    public static final String SERVICES = "qos-group-services";
    private static final String GROUP = GroupState.DEFAULT_GROUP;

    private final ClusterConfig config;
    private final String memberName;
    private final HazelcastInstance hz;
    private final GroupSettings settings;
    private final Clock clock = Clock.systemUTC();
    private IMap<String, String> state;
    private IMap<String, Long> fences;
    private IMap<String, String> statuses;
    private IMap<String, String> services;
    private String uuid;
    private MasterProxy proxy;
    private ScheduledExecutorService loop;
    private HeartbeatMonitor monitor;
    private Coordinator coordinator;
    private JdbcCopies copies;
    /** What this member last published as coordinator, by copy (no read of the shared map per beat). */
    private final Map<String, String> published = new HashMap<>();

    public GroupService(ClusterConfig config, String memberName, HazelcastInstance hz) {
        this.config = config;
        this.memberName = memberName;
        this.hz = hz;
        this.settings = GroupSettings.from(config);
    }

    public void start() throws IOException {
        state = hz.getMap(GroupState.MAP);
        fences = hz.getMap(GroupState.FENCE_MAP);
        statuses = hz.getMap(GroupState.MEMBERS_MAP);
        services = hz.getMap(SERVICES);
        uuid = hz.getCluster().getLocalMember().getUuid().toString();
        MemberSpec me = config.member(memberName)
                .orElseThrow(() -> new IllegalStateException("member " + memberName + " is not in the configuration"));
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (DatabaseSpec db : config.databases()) {
            addresses.put(db.name(), new InetSocketAddress(config.host(), db.port()));
        }
        proxy = new MasterProxy(memberName, new InetSocketAddress(config.host(), me.dbProxyPort()),
                name -> Optional.ofNullable(addresses.get(name)), Duration.ofSeconds(30), epoch -> fences.set(uuid, epoch));
        proxy.start();
        state.addEntryListener(new Follow(), GROUP, true);
        // Hand-over: the oldest registered member coordinates, so register only once the proxy listens.
        services.set(uuid, memberName);
        copies = JdbcCopies.of(config, ReplicationSettings.of(config).tables());
        coordinator = new Coordinator(List.copyOf(copies.urls().keySet()), config.master().name(), new HazelcastStore(),
                copies, clock, settings.period().multipliedBy(4));
        loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(null, r, "qos-group-" + memberName, 0, false));
        loop.scheduleWithFixedDelay(this::beat, 0, settings.period().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("member=" + memberName + " group service: write path on " + config.host() + ":" + me.dbProxyPort()
                + ", heartbeat every " + settings.period().toMillis() + " ms");
    }

    private void beat() {
        try {
            GroupState.decode(state.get(GROUP)).ifPresent(proxy::follow);
            if (coordinating()) {
                if (monitor == null) {
                    Map<String, Probe> probes = new LinkedHashMap<>();
                    copies.urls().forEach((copy, url) -> probes.put(copy, new JdbcProbe(url, copies.user(), copies.password())));
                    published.clear(); // another coordinator may have published meanwhile
                    monitor = new HeartbeatMonitor(probes, settings, clock,
                            (m, from, to, why) -> LOG.info("copy=" + m + " " + from + " -> " + to + " (" + why + ")"));
                    LOG.info("member=" + memberName + " coordinates the group now");
                }
                // Beats here rather than on the monitor's own thread: a decision follows its beat at once.
                monitor.beat();
                Map<String, MemberStatus> now = new HashMap<>();
                monitor.states().forEach((m, s) -> now.put(m, s.status()));
                coordinator.step(now).ifPresent(this::publishStatuses);
            } else if (monitor != null) {
                monitor.close();
                monitor = null;
                LOG.info("member=" + memberName + " no longer coordinates the group");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "member=" + memberName + " group beat failed", e);
        }
    }

    /**
     * Each member's status as the coordinator sees it: the heartbeat's, except that a copy that
     * answers but is not yet a replica of this epoch, or whose watermark is older than a few
     * beats, is catching up.
     */
    private void publishStatuses(GroupState s) {
        Map<String, String> watermarks = hz.<String, String>getMap(org.qoscluster.contract.ReplicaWatermark.MAP).getAll(
                config.databases().stream().map(DatabaseSpec::name).collect(Collectors.toSet()));
        long now = clock.millis();
        long stale = Math.max(3_000, settings.period().toMillis() * 6);
        monitor.states().forEach((copy, st) -> {
            MemberStatus status = st.status();
            if (status == MemberStatus.AVAILABLE && !copy.equals(s.master())) {
                Optional<org.qoscluster.contract.ReplicaWatermark> w =
                        org.qoscluster.contract.ReplicaWatermark.decode(watermarks.get(copy));
                if (w.isEmpty() || w.get().sequence() < s.firstSequence() || now - w.get().epochMillis() > stale) {
                    status = MemberStatus.CATCHING_UP;
                }
            }
            String value = status + "|" + (copy.equals(s.master()) ? "master" : "replica") + "|" + s.epoch();
            if (!value.equals(published.put(copy, value))) {
                statuses.set(copy, value);
            }
        });
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

    /**
     * What an operator sees: the group's state, the node that coordinates it, each copy's
     * {@code STATUS|ROLE|EPOCH} as the coordinator last published it, and the asynchronous tails
     * set aside on returning masters ({@code EPOCH|CHANGES|MILLIS}).
     */
    public record Status(Optional<GroupState> state, String coordinator, Map<String, String> members,
                         Map<String, String> tails) {
    }

    public Status status() {
        Map<String, String> names = services.getAll(
                hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).collect(Collectors.toSet()));
        String coordinator = hz.getCluster().getMembers().stream().map(m -> names.get(m.getUuid().toString()))
                .filter(java.util.Objects::nonNull).findFirst().orElse("none");
        return new Status(GroupState.decode(state.get(GROUP)), coordinator, new java.util.TreeMap<>(statuses),
                new java.util.TreeMap<>(hz.<String, String>getMap(GroupState.TAILS_MAP)));
    }

    /**
     * Asks the coordinator for a planned switchover to {@code target} and waits up to
     * {@code within} for the new epoch to open. Refused at once (empty state, message) when the
     * target is unknown, the master already, not available and caught up as the coordinator last
     * published, or the group is in the middle of a change.
     */
    public SwitchoverOutcome switchover(String target, Duration within) throws InterruptedException {
        Optional<GroupState> s = GroupState.decode(state.get(GROUP));
        if (s.isEmpty()) {
            return new SwitchoverOutcome(409, "the group has no state yet", Optional.empty());
        }
        Map<String, MemberStatus> seen = new HashMap<>();
        statuses.forEach((copy, value) -> {
            try {
                seen.put(copy, MemberStatus.valueOf(value.split("\\|")[0]));
            } catch (IllegalArgumentException e) {
                // not a status: not available
            }
        });
        List<String> copies = config.databases().stream().map(DatabaseSpec::name).toList();
        Optional<String> refused = Coordinator.refuseSwitchover(s.get(), target, copies, seen);
        if (refused.isPresent()) {
            return new SwitchoverOutcome(copies.contains(target) ? 409 : 400, refused.get(), s);
        }
        hz.<String, String>getMap(GroupState.REQUESTS_MAP).set("switchover", target);
        long deadline = System.nanoTime() + within.toNanos();
        long epoch = s.get().epoch();
        while (System.nanoTime() < deadline) {
            Optional<GroupState> now = GroupState.decode(state.get(GROUP));
            if (now.isPresent() && now.get().epoch() > epoch && now.get().open()) {
                return new SwitchoverOutcome(now.get().master().equals(target) ? 200 : 409,
                        now.get().master().equals(target) ? "switched over to " + target
                                : "the group moved to " + now.get().master() + " meanwhile", now);
            }
            Thread.sleep(50);
        }
        Optional<GroupState> now = GroupState.decode(state.get(GROUP));
        return now.isPresent() && now.get().epoch() > epoch
                ? new SwitchoverOutcome(202, "switchover to " + target + " under way (" + now.get().phase() + ")", now)
                : new SwitchoverOutcome(409, "the coordinator did not take the switchover to " + target
                        + " (refused on a closer look: see its log)", now);
    }

    /** What a switchover request came to: an HTTP status, a message, the group's state then. */
    public record SwitchoverOutcome(int status, String message, Optional<GroupState> state) {
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.shutdownNow();
        }
        if (monitor != null) {
            monitor.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        try {
            services.remove(uuid);
        } catch (RuntimeException e) {
            // the cluster is going down with us
        }
    }

    /** Hands every new group state to the write path. */
    private final class Follow implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {

        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, String> e) {
            GroupState.decode(e.getValue()).ifPresent(proxy::follow);
        }

        @Override
        public void entryUpdated(com.hazelcast.core.EntryEvent<String, String> e) {
            GroupState.decode(e.getValue()).ifPresent(proxy::follow);
        }
    }

    /** {@link Coordinator.Store} on the shared maps. */
    private final class HazelcastStore implements Coordinator.Store {

        @Override
        public Optional<GroupState> state() {
            return GroupState.decode(state.get(GROUP));
        }

        @Override
        public boolean create(GroupState initial) {
            return state.putIfAbsent(GROUP, initial.encode()) == null;
        }

        @Override
        public boolean replace(GroupState expected, GroupState next) {
            return state.replace(GROUP, expected.encode(), next.encode());
        }

        @Override
        public Optional<String> takeSwitchover() {
            return Optional.ofNullable(hz.<String, String>getMap(GroupState.REQUESTS_MAP).remove("switchover"));
        }

        @Override
        public Map<String, Long> fences() {
            Map<String, Long> out = new HashMap<>();
            Map<String, String> names = services.getAll(
                    hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).collect(Collectors.toSet()));
            Map<String, Long> fenced = fences.getAll(names.keySet());
            names.forEach((id, name) -> out.put(name, fenced.getOrDefault(id, 0L)));
            return out;
        }
    }
}
