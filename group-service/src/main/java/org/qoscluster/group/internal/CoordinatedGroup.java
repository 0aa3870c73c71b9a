package org.qoscluster.group.internal;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.redundancy.ConfiguredGroup;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.GroupSettings;
import org.qoscluster.redundancy.HeartbeatMonitor;
import org.qoscluster.redundancy.JdbcCopies;
import org.qoscluster.redundancy.CopyHealth;
import org.qoscluster.redundancy.Probe;

/**
 * One group's work on the coordinator, a beat at a time: its heartbeat monitor (opened when this
 * node starts coordinating, closed when it stops), its {@link Coordinator}'s decisions over a
 * {@link GroupStore}, and the copies' statuses it publishes in the statuses' map (what it last
 * published is kept, so a beat writes only what changed).
 */
final class CoordinatedGroup implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CoordinatedGroup.class.getName());

    private final ConfiguredGroup plan;
    private final GroupMaps maps;
    private final GroupSettings settings;
    private final Clock clock;
    private final JdbcCopies copies;
    private final Coordinator coordinator;
    private HeartbeatMonitor monitor;
    /** What this member last published as coordinator, by copy (no read of the shared map per beat). */
    private final Map<String, String> published = new HashMap<>();

    CoordinatedGroup(ConfiguredGroup plan, GroupMaps maps, GroupSettings settings, Clock clock, String dbPassword,
                     String adminToken) {
        this.plan = plan;
        this.maps = maps;
        this.settings = settings;
        this.clock = clock;
        this.copies = plan.copies(dbPassword);
        this.coordinator = new Coordinator(plan.name(), plan.configured(), plan.configuredMaster(), new GroupStore(plan, maps, adminToken, clock),
                copies, clock, settings.period().multipliedBy(4), settings.detectionBound().multipliedBy(2));
        plan.sites().ifPresent(coordinator::acrossSites);
    }

    void beat(boolean coordinating) {
        if (!coordinating) {
            if (monitor != null) {
                monitor.close();
                monitor = null;
            }
            return;
        }
        Optional<GroupState> s = maps.read(plan.name());
        List<GroupState.Copy> copyList = s.map(GroupState::copies).orElse(plan.configured());
        if (monitor == null) {
            published.clear(); // another coordinator may have published meanwhile
            monitor = new HeartbeatMonitor(probes(copyList), settings, clock,
                    (m, from, to, why) -> LOG.log(Level.INFO, "group={0} copy={1} {2} -> {3} ({4})",
                            new Object[] {plan.name(), m, from, to, why}));
        } else if (!monitor.copies().equals(Set.copyOf(copyList.stream().map(GroupState.Copy::name).toList()))) {
            monitor.copies(probes(copyList));
        }
        // Beats here rather than on the monitor's own thread: a decision follows its beat at once.
        monitor.beat();
        Map<String, CopyHealth> now = new HashMap<>();
        monitor.states().forEach((m, st) -> now.put(m, st.status()));
        coordinator.step(now).ifPresent(this::publishStatuses);
    }

    /** Whether this node's monitor last found the group's master answering (false when it does not coordinate). */
    boolean masterAnswering() {
        HeartbeatMonitor m = monitor;
        return m != null && maps.read(plan.name()).map(s -> m.answering(s.master())).orElse(false);
    }

    private Map<String, Probe> probes(List<GroupState.Copy> list) {
        Map<String, Probe> probes = new LinkedHashMap<>();
        list.forEach(m -> probes.put(m.name(), copies.probe(m)));
        return probes;
    }

    /**
     * Each copy's status as the coordinator sees it: the heartbeat's, except that a copy that
     * answers but is not yet a replica of this epoch, or whose watermark is older than a few
     * beats, is catching up.
     */
    private void publishStatuses(GroupState s) {
        Map<String, String> watermarks = maps.watermarks().getAll(Set.copyOf(s.copyNames()));
        for (String gone : List.copyOf(published.keySet())) {
            if (s.copy(gone).isEmpty()) {
                String was = published.remove(gone);
                maps.statuses.remove(gone, was); // unless another group has published it since (a move)
            }
        }
        long now = clock.millis();
        long stale = Math.max(3_000, settings.period().toMillis() * 6);
        monitor.states().forEach((copy, st) -> {
            if (s.copy(copy).isEmpty()) {
                return; // removed this beat: the monitor follows on the next
            }
            CopyHealth status = st.status();
            if (status == CopyHealth.AVAILABLE && !copy.equals(s.master())) {
                Optional<ReplicaWatermark> w = ReplicaWatermark.decode(watermarks.get(copy));
                if (w.isEmpty() || !w.get().group().equals(plan.name()) || w.get().epoch() != s.epoch()
                        || w.get().sequence() < s.firstSequence() || now - w.get().epochMillis() > stale) {
                    status = CopyHealth.CATCHING_UP;
                }
            }
            String value = new CopyStatus(status.name(), copy.equals(s.master()) ? CopyStatus.Role.MASTER : CopyStatus.Role.REPLICA,
                    s.epoch(), plan.name()).encode();
            if (!value.equals(published.put(copy, value))) {
                maps.statuses.set(copy, value);
            }
        });
    }

    @Override
    public void close() {
        if (monitor != null) {
            monitor.close();
        }
    }
}
