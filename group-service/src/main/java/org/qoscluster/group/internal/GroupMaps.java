package org.qoscluster.group.internal;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.TimelineEvent;

/**
 * The shared Hazelcast maps one node's group service reads and writes ({@link ClusterMaps#GROUPS},
 * {@link ClusterMaps#FENCES}, {@link ClusterMaps#STATUSES}, {@link ClusterMaps#SERVICES},
 * {@link ClusterMaps#REQUESTS}, and the agents', tails', watermarks' and timeline's maps on demand), with the
 * few readings several parts share: a group's state, the live members that run the service and
 * which of them coordinates (the oldest registered member, the same answer on every member).
 */
final class GroupMaps {

    private static final Logger LOG = Logger.getLogger(GroupMaps.class.getName());

    final HazelcastInstance hz;
    /** This node's name, for the log. */
    final String memberName;
    final IMap<String, String> state;
    final IMap<String, Long> fences;
    final IMap<String, String> statuses;
    final IMap<String, String> services;
    final IMap<String, String> requests;

    GroupMaps(HazelcastInstance hz, String memberName) {
        this.hz = hz;
        this.memberName = memberName;
        this.state = hz.getMap(ClusterMaps.GROUPS);
        this.fences = hz.getMap(ClusterMaps.FENCES);
        this.statuses = hz.getMap(ClusterMaps.STATUSES);
        this.services = hz.getMap(ClusterMaps.SERVICES);
        this.requests = hz.getMap(ClusterMaps.REQUESTS);
    }

    /**
     * This Hazelcast member's UUID now: its key in the services' and fences' maps. Read each time:
     * a member that merges back into the cluster after a network partition takes a new one.
     */
    String uuid() {
        return hz.getCluster().getLocalMember().getUuid().toString();
    }

    /** The state of {@code group}; empty when it has none (or it does not decode). */
    Optional<GroupState> read(String group) {
        return GroupState.decode(state.get(group));
    }

    IMap<String, String> watermarks() {
        return hz.getMap(ClusterMaps.WATERMARKS);
    }

    IMap<String, String> tails() {
        return hz.getMap(ClusterMaps.TAILS);
    }

    IMap<String, String> agents() {
        return hz.getMap(ClusterMaps.AGENTS);
    }

    /**
     * The groups whose write paths this site holds (key the group, value when it was held, epoch
     * ms): a master's site that reaches no other site of a group across sites
     * ({@code org.qoscluster.redundancy.SiteMastership}). Every node's write path follows it.
     */
    IMap<String, Long> heldWritePaths() {
        return hz.getMap(HELD_WRITE_PATHS);
    }

    /** The map of {@link #heldWritePaths()}. */
    static final String HELD_WRITE_PATHS = "qos-group-held";

    IMap<String, String> timeline() {
        return hz.getMap(ClusterMaps.TIMELINE);
    }

    /**
     * Records {@code event} of {@code group}'s change into {@code epoch} as this node's, at
     * {@code epochMillis}, without waiting for the write: a timeline must not hold a failover up
     * (a failed write is logged at FINE and lost).
     */
    void mark(String group, long epoch, String event, long epochMillis) {
        TimelineEvent e = new TimelineEvent(group, epoch, memberName, event, epochMillis);
        try {
            var unused = timeline().setAsync(e.key(), e.encode(), TimelineEvent.KEEP_MINUTES, TimeUnit.MINUTES);
        } catch (RuntimeException ex) {
            LOG.log(Level.FINE, "member={0} group={1} timeline event {2} not recorded: {3}", new Object[] {memberName, group, event, ex});
        }
    }

    /** The node names of the live members that run the group service, by member UUID. */
    Map<String, String> liveServices() {
        return services.getAll(
                hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).collect(Collectors.toSet()));
    }

    /** Whether this member coordinates: the first of {@code getMembers()} that registered in the services' map. */
    boolean coordinating() {
        Set<String> running = services.keySet();
        for (Member m : hz.getCluster().getMembers()) {
            if (running.contains(m.getUuid().toString())) {
                return m.localMember();
            }
        }
        return false;
    }

    /** The name of the node that coordinates, or {@code none}. */
    String coordinator() {
        Map<String, String> names = liveServices();
        return hz.getCluster().getMembers().stream().map(m -> names.get(m.getUuid().toString()))
                .filter(java.util.Objects::nonNull).findFirst().orElse("none");
    }
}
