package org.qoscluster.group.internal;

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
import org.qoscluster.contract.Tail;

/**
 * What an operator sees of a group, read from the shared maps: its state, the node that
 * coordinates it, each copy's status as the coordinator last published it, and the asynchronous
 * tails set aside on its returning masters (a value that does not decode is left out, and logged).
 */
record GroupStatus(String group, Optional<GroupState> state, String coordinator, Map<String, CopyStatus> copies,
                          Map<String, Tail> tails) {

    private static final Logger LOG = Logger.getLogger(GroupStatus.class.getName());

    /** The status of {@code group} as the shared maps hold it now. */
    static GroupStatus read(GroupMaps maps, String group) {
        String coordinator = maps.coordinator();
        Optional<GroupState> s = maps.read(group);
        Set<String> copies = s.map(g -> Set.copyOf(g.copyNames())).orElse(Set.of());
        Map<String, CopyStatus> published = new TreeMap<>();
        maps.statuses.getAll(copies).forEach((copy, value) -> decoded(maps, ClusterMaps.STATUSES, copy, value, CopyStatus::parse)
                .ifPresent(c -> published.put(copy, c)));
        Map<String, Tail> tails = new TreeMap<>();
        maps.tails().getAll(copies).forEach((copy, value) ->
                decoded(maps, ClusterMaps.TAILS, copy, value, Tail::parse).ifPresent(t -> tails.put(copy, t)));
        return new GroupStatus(group, s, coordinator, published, tails);
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
