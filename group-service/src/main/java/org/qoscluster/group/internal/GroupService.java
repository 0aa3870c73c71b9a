package org.qoscluster.group.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.Logs;
import org.qoscluster.redundancy.ConfiguredGroup;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.GroupSettings;
import org.qoscluster.redundancy.HeartbeatMonitor;
import org.qoscluster.redundancy.MasterProxy;

/**
 * One node's part in the cluster's redundancy groups, over Payara's Hazelcast: its
 * write-path proxy follows the application's group (an entry listener, and a read every beat in
 * case an event was lost), and each beat the node checks whether it is the coordinator: the
 * oldest live member of the cluster that runs this service (the first of {@code getMembers()}
 * that registered in {@link ClusterMaps#SERVICES}, the same answer on every member). The coordinator runs
 * each group's heartbeat monitor, publishes the copies' statuses and takes each group's
 * decisions ({@link Coordinator}, one {@link CoordinatedGroup} each); when it dies, Hazelcast
 * drops it from the member list and the next oldest takes over from the shared state. This class
 * owns the node's lifecycle (start, the beat loop, close); the operators' requests are
 * {@link GroupAdmin}'s, what they see {@link GroupStatus}.
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
    private final Map<String, CoordinatedGroup> groups = new LinkedHashMap<>();
    /** The newest state of each group this node has seen, by group name. */
    private final Map<String, GroupState> seen = new java.util.concurrent.ConcurrentHashMap<>();
    private GroupMaps maps;
    private GroupAdmin admin;
    private MasterProxy proxy;
    private ScheduledExecutorService loop;
    /** The timeline listener that starts early beats; null before the start. */
    private java.util.UUID refusals;
    /** The next beat, as scheduled (touched on the loop's thread only). */
    private ScheduledFuture<?> next;
    /** The member UUID this node last registered under in the services' map, or null. */
    private volatile String registeredAs;
    /** The epoch the write path last fenced to, or null. */
    private volatile Long fencedTo;
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
        maps = new GroupMaps(hz, memberName);
        MemberSpec me = config.member(memberName)
                .orElseThrow(() -> new IllegalStateException("member " + memberName + " is not in the configuration"));
        // The write path listens on the node's own host address, beside the node.
        proxy = new MasterProxy(memberName, new InetSocketAddress(config.address(memberName), me.dbProxyPort()),
                name -> Optional.ofNullable(followed).flatMap(s -> s.copy(name))
                        .map(m -> new InetSocketAddress(m.host(), m.port())),
                Duration.ofSeconds(30), this::fenced,
                (epoch, event, millis) -> maps.mark(GroupState.DEFAULT_GROUP, epoch, event, millis));
        proxy.start();
        maps.state.addEntryListener(new Follow(), GroupState.DEFAULT_GROUP, true);
        for (ConfiguredGroup g : ConfiguredGroup.all(config)) {
            groups.put(g.name(), new CoordinatedGroup(g, maps, settings, clock, dbPassword, adminToken));
        }
        admin = new GroupAdmin(maps, groupNames(), adminToken, clock);
        // Hand-over: the oldest registered member coordinates, so register only once the proxy listens.
        register();
        loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(null, r, "qos-group-" + memberName, 0, false));
        loop.execute(this::paced);
        refusals = maps.timeline().addEntryListener(new Refusals(), false);
        LOG.log(Level.INFO, "member={0} group service for {1}: write path on {2}:{3}, heartbeat every {4} ms", new Object[] {
            memberName, groups.keySet(), config.address(memberName), String.valueOf(me.dbProxyPort()), String.valueOf(settings.period().toMillis())});
    }

    /** Publishes the epoch this node's write path has fenced to, under this member's UUID now. */
    private void fenced(long epoch) {
        fencedTo = epoch;
        maps.fences.set(maps.uuid(), epoch);
    }

    /**
     * Registers this node as running the group service (and its write path's fence) under its
     * member UUID, again when that changed or the entry is gone: a member that merges back after
     * a network partition takes a new UUID, and two members lost at once (a host killed, then
     * another cut off before the data grid had made the first one's backups again) take the
     * entries whose two copies they held; without this no node would coordinate the groups any more.
     */
    private void register() {
        String uuid = maps.uuid();
        boolean same = uuid.equals(registeredAs);
        if (same && memberName.equals(maps.services.get(uuid))) {
            return;
        }
        if (same) {
            LOG.log(Level.WARNING, "member={0} its registration as {1} was lost from the data grid; registering again",
                    new Object[] {memberName, uuid});
        } else if (registeredAs != null) {
            LOG.log(Level.INFO, "member={0} rejoined the cluster as {1} (was {2}); registering again",
                    new Object[] {memberName, uuid, registeredAs});
        }
        Long fence = fencedTo;
        if (fence != null) {
            maps.fences.set(uuid, fence);
        }
        maps.services.set(uuid, memberName);
        registeredAs = uuid;
    }

    /**
     * Puts back a group's newer state when the cluster's map holds an older epoch than this node
     * has seen. Epochs only grow, so that happens only when a network partition heals: Hazelcast
     * merges the two sides' maps keeping, for an entry both hold, the receiving side's value, which
     * may be from before the failover the other side made. The replace is a compare-and-set, so a
     * change made meanwhile wins. Returns each group's state as the map holds it now (a group
     * whose put-back lost to a change made meanwhile is left out until the next beat).
     */
    private Map<String, GroupState> keepNewestEpochs() {
        Map<String, GroupState> current = new java.util.HashMap<>();
        for (String group : groups.keySet()) {
            String raw = maps.state.get(group);
            Optional<GroupState> now = GroupState.decode(raw);
            GroupState before = seen.get(group);
            if (now.isPresent() && before != null && before.epoch() > now.get().epoch()) {
                if (maps.state.replace(group, raw, before.encode())) {
                    current.put(group, before);
                    LOG.log(Level.WARNING, "member={0} group={1} the cluster held epoch {2} again after a partition healed;"
                            + " epoch {3} (master {4}) put back", new Object[] {memberName, group,
                            String.valueOf(now.get().epoch()), String.valueOf(before.epoch()), before.master()});
                }
                continue;
            }
            now.ifPresent(s -> {
                current.put(group, s);
                seen.merge(group, s, (old, next) -> next.epoch() >= old.epoch() ? next : old);
            });
        }
        return current;
    }

    /**
     * One beat, then the next one a period after this one began ({@link HeartbeatMonitor#nextBeatIn}):
     * a beat's own time (probes, the data grid, a decision) does not stretch the period, so a
     * dead copy is found within {@code retries x period}.
     */
    private void paced() {
        long began = clock.millis();
        try {
            beat();
        } finally {
            try {
                next = loop.schedule(this::paced, HeartbeatMonitor.nextBeatIn(settings.period(), clock.millis() - began).toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed
            }
        }
    }

    /**
     * A node's write path found the application's master refusing connections: if this node
     * coordinates and its last probe found the master answering, the next beat runs now instead
     * of up to a period later (the beats after it a period apart again), so the failover's
     * detection starts at the first sign. On the beat loop's thread.
     */
    private void early() {
        ScheduledFuture<?> pending = next;
        CoordinatedGroup g = groups.get(GroupState.DEFAULT_GROUP);
        if (!coordinated || g == null || pending == null || !g.masterAnswering() || !pending.cancel(false)) {
            return;
        }
        LOG.log(Level.INFO, "member={0} group={1} a write path found the master refusing connections: probing it now",
                new Object[] {memberName, GroupState.DEFAULT_GROUP});
        paced();
    }

    private void beat() {
        try {
            register();
            // One read of each group's state per beat, shared by the epoch check and the write path.
            Optional.ofNullable(keepNewestEpochs().get(GroupState.DEFAULT_GROUP)).ifPresent(this::follow);
            // A master's site cut off from the other sites holds its write paths (a group across sites).
            proxy.hold(maps.heldWritePaths().containsKey(GroupState.DEFAULT_GROUP));
            boolean coordinating = maps.coordinating();
            if (coordinating != coordinated) {
                LOG.log(Level.INFO, coordinating ? "member={0} coordinates the groups now" : "member={0} no longer coordinates the groups",
                        memberName);
                coordinated = coordinating;
            }
            for (CoordinatedGroup g : groups.values()) {
                g.beat(coordinating);
            }
        } catch (RuntimeException e) {
            Logs.log(LOG, Level.WARNING, e, "member={0} group beat failed", memberName);
        }
    }

    private void follow(GroupState s) {
        followed = s;
        proxy.follow(s);
    }

    /** The groups' names, the application's first. */
    public List<String> groupNames() {
        return List.copyOf(groups.keySet());
    }

    /** The operators' requests on this node's groups (once started). */
    GroupAdmin admin() {
        return admin;
    }

    /** The status of {@code group}; empty for a group that does not exist. */
    Optional<GroupStatus> status(String group) {
        if (!groups.containsKey(group)) {
            return Optional.empty();
        }
        return Optional.of(GroupStatus.read(maps, group));
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.shutdownNow();
        }
        if (refusals != null) {
            try {
                maps.timeline().removeEntryListener(refusals);
            } catch (RuntimeException e) {
                // the cluster is going down with us
            }
        }
        groups.values().forEach(CoordinatedGroup::close);
        if (proxy != null) {
            proxy.close();
        }
        try {
            maps.services.remove(maps.uuid());
        } catch (RuntimeException e) {
            // the cluster is going down with us
        }
    }

    /**
     * Runs an early beat when any node's write path records that the application's master
     * refused it ({@link MasterProxy#MASTER_REFUSED} in the timeline).
     */
    private final class Refusals implements EntryAddedListener<String, String> {

        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, String> e) {
            if (e.getKey().startsWith(GroupState.DEFAULT_GROUP + "|") && e.getKey().endsWith("|" + MasterProxy.MASTER_REFUSED)) {
                try {
                    loop.execute(GroupService.this::early);
                } catch (java.util.concurrent.RejectedExecutionException ex) {
                    // closed
                }
            }
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
}
