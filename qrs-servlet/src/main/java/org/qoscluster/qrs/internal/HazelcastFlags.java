package org.qoscluster.qrs.internal;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.logging.Logger;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;

import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.qrs.StateChangeFlags;

/**
 * The shared maps the router reads, in Payara's embedded Hazelcast cluster reached through JNDI
 * {@code payara/Hazelcast} (the one place the router looks it up): the state-change flags and the
 * replicas' watermarks, each mirrored in the router's memory so that a request costs no remote
 * call: an entry listener applies every change to the local view, which is loaded whole when the
 * listener is in place.
 *
 * <p>A view trails its map by the listener's delivery time (milliseconds on one site). A user
 * whose next request arrives within that window after a flag was set elsewhere is routed by goal
 * once; the write path (issue 6) closes the window by having the node that wrote announce the
 * flag in its response, which this router records before the user sees it.
 */
final class HazelcastFlags implements StateChangeFlags {

    private static final Logger LOG = Logger.getLogger(HazelcastFlags.class.getName());

    private final Map<String, String> flags;
    private final Map<String, String> watermarks;
    private final Map<String, String> group;

    private HazelcastFlags(Map<String, String> flags, Map<String, String> watermarks, Map<String, String> group) {
        this.flags = flags;
        this.watermarks = watermarks;
        this.group = group;
    }

    /**
     * Whether the redundancy group is between masters (draining or promoting), or opened its new
     * master less than {@value #SETTLE_MS} ms ago (a health check sent before still times out).
     */
    boolean groupChanging() {
        return org.qoscluster.contract.GroupState.decode(group.get(org.qoscluster.contract.GroupState.DEFAULT_GROUP))
                .map(s -> !s.open() || s.epoch() > 1 && System.currentTimeMillis() - s.sinceMillis() < SETTLE_MS).orElse(false);
    }

    private static final long SETTLE_MS = 3_000;

    /** The redundancy group's state now (master, members), as its coordinator last wrote it (issue 7). */
    java.util.Optional<org.qoscluster.contract.GroupState> group() {
        return org.qoscluster.contract.GroupState.decode(group.get(org.qoscluster.contract.GroupState.DEFAULT_GROUP));
    }

    /** The cluster's maps, or no flags and no watermarks (logged) when there is no cluster to read. */
    static HazelcastFlags lookup() {
        try {
            HazelcastInstance hz = (HazelcastInstance) new InitialContext().lookup("payara/Hazelcast");
            // Proxies made from application code get Payara's tenant control, which fails on the
            // other members (see the Session Synchronizer): they are made on a plain thread.
            FutureTask<HazelcastFlags> make = new FutureTask<>(() ->
                    new HazelcastFlags(mirror(hz, MAP), mirror(hz, ReplicaWatermark.MAP),
                            mirror(hz, org.qoscluster.contract.GroupState.MAP)));
            Thread t = new Thread(null, make, "qos-router-maps", 0, false);
            t.start();
            return make.get();
        } catch (NamingException | RuntimeException | java.util.concurrent.ExecutionException e) {
            LOG.warning("no Hazelcast cluster at payara/Hazelcast (" + e + "); state-change stickiness"
                    + " and replica watermarks are off");
            return new HazelcastFlags(Map.of(), Map.of(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the cluster's maps", e);
        }
    }

    private static Map<String, String> mirror(HazelcastInstance hz, String name) {
        Map<String, String> view = new ConcurrentHashMap<>();
        IMap<String, String> map = hz.getMap(name);
        map.addEntryListener(new Mirror(view), true);
        map.forEach(view::put);
        return Collections.unmodifiableMap(view);
    }

    @Override
    public Optional<StateChangeFlag> flag(String uid) {
        String value = flags.get(uid);
        return value == null ? Optional.empty() : StateChangeFlag.decode(value);
    }

    /** The replicas' watermarks as the replication agent last published them, by replica name. */
    Map<String, ReplicaWatermark> watermarks() {
        Map<String, ReplicaWatermark> out = new java.util.TreeMap<>();
        watermarks.forEach((replica, value) -> ReplicaWatermark.decode(value).ifPresent(w -> out.put(replica, w)));
        return out;
    }

    /** Applies every change of a map to a local view. */
    private static final class Mirror implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
            EntryExpiredListener<String, String>, MapClearedListener {

        private final Map<String, String> view;

        Mirror(Map<String, String> view) {
            this.view = view;
        }

        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            view.put(e.getKey(), e.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            view.put(e.getKey(), e.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void mapCleared(MapEvent e) {
            view.clear();
        }
    }
}
