package org.qoscluster.qrs;

import java.util.Optional;

import org.qoscluster.contract.StateChangeFlag;

/**
 * Where the router reads a user's database-state-change flag (M3, M10): after a user's write,
 * the write path records the node that wrote it, and until the replicas have applied the write
 * the router sends that user's requests to that node, skipping QoS selection.
 *
 * <p>The shared contract is {@link StateChangeFlag}: the Hazelcast map
 * {@link org.qoscluster.contract.ClusterMaps#FLAGS}, key the
 * user's UID, value {@code NODE|SEQUENCE|EPOCH_MILLIS}. The router's {@code FlagSweep} removes an
 * entry, every second, once every replica's watermark has passed its write or it is older than
 * {@code qos.session.flag-ttl-seconds}; the entry's time-to-live, set by the node that wrote it,
 * removes it at that bound even without a router.
 */
public interface StateChangeFlags {

    /** The user's flag, if set. */
    Optional<StateChangeFlag> flag(String uid);

    /**
     * A node announced {@code flag} for {@code uid} in its response to a writing request: held
     * from now on, as if the map's listener had delivered it (a newer flag already held stays).
     */
    default void announced(String uid, StateChangeFlag flag) {
    }

    /** No flags at all: for a router without a cluster. */
    StateChangeFlags NONE = uid -> Optional.empty();
}
