package org.qoscluster.group.internal;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.RequestAnswer;
import org.qoscluster.redundancy.ConfiguredGroup;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.SignedRequest;

/**
 * {@link Coordinator.Store} of one group on the shared maps: its state by compare-and-set, the
 * operators' requests taken from the requests' map (only those signed with the admin token and
 * fresh; the others answered 401 or dropped, and logged) and their answers put back there, the
 * copies' watermarks for this group, and each live node's write-path fence.
 */
final class GroupStore implements Coordinator.Store {

    private static final Logger LOG = Logger.getLogger(GroupStore.class.getName());

    private final ConfiguredGroup group;
    private final GroupMaps maps;
    private final String adminToken;
    private final Clock clock;

    GroupStore(ConfiguredGroup group, GroupMaps maps, String adminToken, Clock clock) {
        this.group = group;
        this.maps = maps;
        this.adminToken = adminToken;
        this.clock = clock;
    }

    @Override
    public Optional<GroupState> state() {
        return maps.read(group.name());
    }

    @Override
    public boolean create(GroupState initial) {
        return maps.state.putIfAbsent(group.name(), initial.encode()) == null;
    }

    @Override
    public boolean replace(GroupState expected, GroupState next) {
        return maps.state.replace(group.name(), expected.encode(), next.encode());
    }

    @Override
    public Optional<Coordinator.Request> takeRequest() {
        String value = maps.requests.remove(ClusterMaps.requestKey(group.name()));
        if (value == null) {
            return Optional.empty();
        }
        Optional<SignedRequest> r = SignedRequest.decode(group.name(), value);
        if (r.isEmpty()) {
            LOG.log(Level.WARNING, "group={0} request refused, not carried out: malformed or unsigned: {1}", new Object[] {group.name(), value});
            return Optional.empty();
        }
        Optional<String> refused = r.get().refusal(adminToken, clock.millis());
        if (refused.isPresent()) {
            LOG.log(Level.WARNING, "group={0} request id={1} {2} refused, not carried out: {3}",
                    new Object[] {group.name(), r.get().request().id(), r.get().request().kind(), refused.get()});
            answer(r.get().request(), 401, "refused: " + refused.get());
            return Optional.empty();
        }
        return Optional.of(r.get().request());
    }

    @Override
    public void answer(Coordinator.Request r, int status, String message) {
        maps.requests.set(r.id(), new RequestAnswer(status, message).encode(), 5, TimeUnit.MINUTES);
    }

    @Override
    public void timeline(long epoch, String event, long epochMillis) {
        maps.mark(group.name(), epoch, event, epochMillis);
    }

    /** What this coordinator last set (null: nothing yet), so a beat writes only a change. */
    private Boolean held;

    @Override
    public void holdWritePaths(boolean hold) {
        if (Boolean.valueOf(hold).equals(held)) {
            return;
        }
        if (hold) {
            maps.heldWritePaths().set(group.name(), clock.millis());
        } else {
            maps.heldWritePaths().delete(group.name());
        }
        held = hold;
    }

    @Override
    public Map<String, ReplicaWatermark> watermarks() {
        Optional<GroupState> s = state();
        if (s.isEmpty()) {
            return Map.of();
        }
        Map<String, ReplicaWatermark> out = new HashMap<>();
        maps.watermarks().getAll(Set.copyOf(s.get().copyNames()))
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
        Map<String, String> names = maps.liveServices();
        Map<String, Long> fenced = maps.fences.getAll(names.keySet());
        names.forEach((id, name) -> out.put(name, fenced.getOrDefault(id, 0L)));
        return out;
    }
}
