package org.qoscluster.group.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.Tail;
import org.qoscluster.contract.TimelineEvent;

/**
 * What an operator sees of a group, read from the shared maps: its state, the node that
 * coordinates it, each copy's status as the coordinator last published it, each replica's
 * watermark of this group as the replication agent last published it, the asynchronous tails
 * set aside on its returning masters, and the timeline of its last changes of masters (a value
 * that does not decode is left out, and logged).
 *
 * @param watermarks each copy's last published watermark of this group (of any epoch: a copy of
 *                   an older one has not been copied or carried over into the current one yet)
 * @param timeline the events of the group's last {@value #TIMELINE_EPOCHS} epochs that have
 *                 any, by epoch, each epoch's in the order they happened
 */
record GroupStatus(String group, Optional<GroupState> state, String coordinator, Map<String, CopyStatus> copies,
                   Map<String, ReplicaWatermark> watermarks, Map<String, Tail> tails, Map<Long, List<TimelineEvent>> timeline) {

    private static final Logger LOG = Logger.getLogger(GroupStatus.class.getName());
    static final int TIMELINE_EPOCHS = 3;

    /** The status of {@code group} as the shared maps hold it now. */
    static GroupStatus read(GroupMaps maps, String group) {
        String coordinator = maps.coordinator();
        Optional<GroupState> s = maps.read(group);
        Set<String> copies = s.map(g -> Set.copyOf(g.copyNames())).orElse(Set.of());
        Map<String, CopyStatus> published = new TreeMap<>();
        maps.statuses.getAll(copies).forEach((copy, value) -> decoded(maps, ClusterMaps.STATUSES, copy, value, CopyStatus::parse)
                .ifPresent(c -> published.put(copy, c)));
        Map<String, ReplicaWatermark> watermarks = new TreeMap<>();
        maps.watermarks().getAll(copies).forEach((copy, value) -> decoded(maps, ClusterMaps.WATERMARKS, copy, value, ReplicaWatermark::parse)
                .filter(w -> w.group().equals(group)).ifPresent(w -> watermarks.put(copy, w)));
        Map<String, Tail> tails = new TreeMap<>();
        maps.tails().getAll(copies).forEach((copy, value) ->
                decoded(maps, ClusterMaps.TAILS, copy, value, Tail::parse).ifPresent(t -> tails.put(copy, t)));
        return new GroupStatus(group, s, coordinator, published, watermarks, tails, timeline(maps, group));
    }

    private static Map<Long, List<TimelineEvent>> timeline(GroupMaps maps, String group) {
        TreeMap<Long, List<TimelineEvent>> byEpoch = new TreeMap<>();
        maps.timeline().forEach((key, value) -> decoded(maps, ClusterMaps.TIMELINE, key, value, TimelineEvent::parse)
                .filter(e -> e.group().equals(group))
                .ifPresent(e -> byEpoch.computeIfAbsent(e.epoch(), k -> new ArrayList<>()).add(e)));
        while (byEpoch.size() > TIMELINE_EPOCHS) {
            byEpoch.pollFirstEntry();
        }
        byEpoch.values().forEach(l -> l.sort(Comparator.comparingLong(TimelineEvent::epochMillis)));
        return byEpoch;
    }

    /** {@code value} of {@code key} in {@code map} decoded; empty, and logged, when it is malformed. */
    private static <T> Optional<T> decoded(GroupMaps maps, String map, String key, String value, Function<String, T> parse) {
        try {
            return Optional.of(parse.apply(value));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "member={0} map={1} key={2} left out: {3}", new Object[] {maps.memberName, map, key, e.getMessage()});
            return Optional.empty();
        }
    }
}
