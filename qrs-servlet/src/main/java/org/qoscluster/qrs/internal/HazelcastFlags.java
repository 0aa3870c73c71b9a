package org.qoscluster.qrs.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.MemberHazelcast;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.TimelineEvent;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.qrs.StateChangeFlags;
import org.qoscluster.qrs.UserClassDirectory;

/**
 * The shared maps the router reads, in Payara's embedded Hazelcast cluster reached through
 * {@link MemberHazelcast}: the state-change flags, the redundancy group's state and the
 * replicas' watermarks, each mirrored in the router's memory so that a request costs no remote
 * call: an entry listener applies every change to the local view, which is loaded whole when the
 * listener is in place.
 *
 * <p>A view trails its map by the listener's delivery time (milliseconds on one site). A user
 * whose next request arrives within that window after a flag was set elsewhere is routed by goal
 * once; the node that wrote closes the window by announcing the
 * flag in its response, which this router records before the user sees it.
 */
final class HazelcastFlags implements StateChangeFlags, UserClassDirectory, HealthChecker.Group, ClusterView {

    private static final Logger LOG = Logger.getLogger(HazelcastFlags.class.getName());

    private final ConcurrentHashMap<String, String> flags = new ConcurrentHashMap<>();
    /** The cluster's flag map; null until attached to a cluster. */
    private volatile IMap<String, String> flagMap;
    private final Map<String, String> watermarks = new ConcurrentHashMap<>();
    private final Map<String, String> group = new ConcurrentHashMap<>();
    /** The copies' statuses as the coordinators publish them (mirror of {@link ClusterMaps#STATUSES}). */
    private final Map<String, String> statuses = new ConcurrentHashMap<>();
    /** The change-of-masters timeline; null until attached to a cluster. */
    private volatile IMap<String, String> timeline;
    /** The user classes of sessions that hold one, decoded: UID to classes (mirror of {@link ClusterMaps#USER_CLASSES}). */
    private final ConcurrentHashMap<String, UserClasses> userClasses = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;
    /** Every map mirrored (set once {@link #attach} completes). */
    private volatile boolean attached;
    /** The connection to the cluster: up from attaching until a client loses it or the instance shuts down. */
    private volatile boolean linked;
    private final java.util.concurrent.atomic.AtomicBoolean watchingLink = new java.util.concurrent.atomic.AtomicBoolean();
    /** The maps mirrored so far, by name. */
    private final java.util.Set<String> mirrored = ConcurrentHashMap.newKeySet();

    /** Empty views, no cluster: {@link #attach} fills them once a cluster is reached. */
    HazelcastFlags() {
    }

    /** Whether the application's redundancy group is changing masters now ({@link GroupChange}). */
    @Override
    public boolean changing() {
        java.util.Optional<GroupState> s = group();
        return GroupChange.changing(s, s.flatMap(g -> CopyStatus.decode(statuses.get(g.master()))), System.currentTimeMillis());
    }

    /**
     * Records that {@code node} was out of rotation from {@code outMillis} (0: unknown) and came
     * back at {@code backMillis}, in the timeline of the group's change of masters under way (the
     * epoch it opens or has just opened), as the router's; nothing outside a change. Without
     * waiting for the write.
     */
    @Override
    public void backInRotation(String node, long outMillis, long backMillis) {
        java.util.Optional<GroupState> s = group();
        IMap<String, String> timeline = this.timeline;
        if (timeline == null || s.isEmpty() || !changing()) {
            return;
        }
        GroupState g = s.get();
        long epoch = g.open() && backMillis - g.sinceMillis() >= GroupChange.SETTLE_MS ? g.epoch() + 1 : g.epoch();
        List<TimelineEvent> events = new java.util.ArrayList<>();
        if (outMillis > 0) {
            events.add(new TimelineEvent(GroupState.DEFAULT_GROUP, epoch, "router", "out-of-rotation:" + node, outMillis));
        }
        events.add(new TimelineEvent(GroupState.DEFAULT_GROUP, epoch, "router", "back-in-rotation:" + node, backMillis));
        for (TimelineEvent e : events) {
            try {
                var unused = timeline.setAsync(e.key(), e.encode(), TimelineEvent.KEEP_MINUTES, TimeUnit.MINUTES);
            } catch (RuntimeException ex) {
                LOG.log(Level.FINE, "node={0} timeline event not recorded: {1}", new Object[] {node, ex});
            }
        }
    }

    @Override
    public boolean connected() {
        return attached && linked;
    }

    @Override
    public Map<String, GroupState> groups() {
        Map<String, GroupState> out = new java.util.TreeMap<>();
        group.forEach((name, value) -> GroupState.decode(value).ifPresent(s -> out.put(name, s)));
        return out;
    }

    @Override
    public Map<String, CopyStatus> statuses() {
        Map<String, CopyStatus> out = new java.util.TreeMap<>();
        statuses.forEach((copy, value) -> CopyStatus.decode(value).ifPresent(s -> out.put(copy, s)));
        return out;
    }

    /** The redundancy group's state now (master, members), as its coordinator last wrote it. */
    java.util.Optional<GroupState> group() {
        return GroupState.decode(group.get(GroupState.DEFAULT_GROUP));
    }

    /**
     * The cluster's maps through this member's own Hazelcast (the router on Payara Micro), or no
     * flags and no watermarks (logged) when there is no cluster to read.
     */
    static HazelcastFlags lookup() {
        HazelcastFlags out = new HazelcastFlags();
        try {
            HazelcastInstance hz = MemberHazelcast.instance();
            MemberHazelcast.outsideApplication(HazelcastFlags.class, "the router maps", () -> {
                out.attach(hz);
                return out;
            });
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while reading the cluster's maps", e);
            }
            LOG.log(Level.WARNING, "no Hazelcast cluster ({0}); state-change stickiness and replica watermarks are off", e.toString());
        }
        return out;
    }

    /**
     * Mirrors the cluster's maps of {@code hz} (a member, or a client already connected) into this
     * object's views, which until then stay empty: requests routed meanwhile are routed by goal
     * alone. Called once (again only after an attempt that failed). From then on the router has the
     * cluster's maps ({@link #connected}) until a client reports itself disconnected or the
     * instance shuts down, and again once a client connects anew.
     */
    void attach(HazelcastInstance hz) {
        if (watchingLink.compareAndSet(false, true)) {
            // Called once connected (a client: on its first connection): from here the lifecycle says.
            linked = true;
            hz.getLifecycleService().addLifecycleListener(event -> {
                switch (event.getState()) {
                    case CLIENT_CONNECTED -> linked = true;
                    case CLIENT_DISCONNECTED, SHUTTING_DOWN, SHUTDOWN -> linked = false;
                    default -> {
                        // starting, merging, merged: still connected
                    }
                }
            });
        }
        mirror(hz, ClusterMaps.WATERMARKS, watermarks);
        mirror(hz, ClusterMaps.GROUPS, group);
        mirror(hz, ClusterMaps.STATUSES, statuses);
        mirror(hz, ClusterMaps.USER_CLASSES, new Decoded(userClasses));
        timeline = hz.getMap(ClusterMaps.TIMELINE);
        mirror(hz, ClusterMaps.FLAGS, flags);
        flagMap = hz.getMap(ClusterMaps.FLAGS);
        attached = true;
        LOG.log(Level.INFO, "router maps mirrored from the cluster ({0} flags, {1} watermarks)",
                new Object[] {String.valueOf(flags.size()), String.valueOf(watermarks.size())});
    }

    /**
     * Mirrors map {@code name} into {@code view}: a listener, then the whole map read. Once per
     * map: an attempt to {@link #attach} that failed part of the way is made again, and the maps
     * already mirrored keep their listeners (one each).
     */
    private void mirror(HazelcastInstance hz, String name, Map<String, String> view) {
        if (mirrored.contains(name)) {
            return;
        }
        IMap<String, String> map = hz.getMap(name);
        UUID listener = map.addEntryListener(new Mirror(view), true);
        try {
            map.forEach(view::put);
        } catch (RuntimeException e) {
            try {
                map.removeEntryListener(listener);
            } catch (RuntimeException ignored) {
                // the next attempt adds one anyway; a second listener puts the same entries
            }
            throw e;
        }
        // After a network partition heals, this member's maps take the merged cluster's entries
        // without an event for those that did not change there; a client that lost its
        // connection missed the events meanwhile: read the map again.
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED
                    || event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.CLIENT_CONNECTED) {
                reread(map, view, event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED
                        ? "the cluster merged" : "the client connected again");
            }
        });
        // Two members lost at once take the entries whose two copies they held, without an
        // event per entry: the mirror would keep them (a group's old master, for one).
        map.addPartitionLostListener(event -> reread(map, view, "a partition was lost"));
        mirrored.add(name);
    }

    private static void reread(IMap<String, String> map, Map<String, String> view, String why) {
        Map<String, String> now = new java.util.HashMap<>();
        map.forEach(now::put);
        view.keySet().retainAll(now.keySet());
        view.putAll(now);
        LOG.log(Level.INFO, "map={0} read again after {1}: {2} entries", new Object[] {map.getName(), why,
                String.valueOf(now.size())});
    }

    /**
     * Removes, every second, the flags {@code sweep} says are done with, from the cluster's map
     * (only if unchanged since read, so a newer write of the same user stays) and from the mirror.
     * The mirror therefore holds the flags of writes not yet on every replica and younger than the
     * staleness bound; the map's entries also expire by their time-to-live without a router.
     */
    synchronized void startSweeping(FlagSweep sweep, LongPredicate replicatedEverywhere, LongSupplier millis) {
        if (sweeper != null) {
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qos-router-flag-sweeper");
            t.setDaemon(true);
            return t;
        });
        var unused = sweeper.scheduleWithFixedDelay(new Sweeper(sweep, replicatedEverywhere, millis), 1, 1, TimeUnit.SECONDS);
    }

    synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
    }

    /** How many flags the router holds in memory now. */
    int mirrored() {
        return flags.size();
    }

    /** One sweep of the flags (the house-keeping job of {@link #startSweeping}). */
    private final class Sweeper implements Runnable {
        private final FlagSweep sweep;
        private final LongPredicate replicatedEverywhere;
        private final LongSupplier millis;

        Sweeper(FlagSweep sweep, LongPredicate replicatedEverywhere, LongSupplier millis) {
            this.sweep = sweep;
            this.replicatedEverywhere = replicatedEverywhere;
            this.millis = millis;
        }

        @Override
        public void run() {
            IMap<String, String> flagMap = HazelcastFlags.this.flagMap;
            if (flagMap == null) {
                return; // not attached to a cluster (yet): no flags to sweep
            }
            try {
                List<String> done = sweep.removable(flags, millis.getAsLong(), replicatedEverywhere);
                int removed = 0;
                for (String uid : done) {
                    String value = flags.get(uid);
                    if (value != null && flagMap.remove(uid, value)) {
                        removed++;
                    }
                    if (value != null) {
                        flags.remove(uid, value);
                    }
                }
                if (removed > 0) {
                    LOG.log(Level.FINE, "router removed {0} state-change flags that every replica has or that are past"
                            + " the staleness bound; {1} remain", new Object[] {String.valueOf(removed), String.valueOf(flags.size())});
                }
            } catch (RuntimeException e) {
                // The next sweep tries again; the map's time-to-live removes the flags meanwhile.
                LOG.log(Level.WARNING, "router flag sweep failed: {0}", e.toString());
            }
        }
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

    @Override
    public void announced(String uid, StateChangeFlag flag) {
        flags.merge(uid, flag.encode(), (held, announced) -> StateChangeFlag.decode(held)
                .filter(h -> h.sequence() > flag.sequence()).isPresent() ? held : announced);
    }

    @Override
    public UserClasses classes(String uid) {
        return userClasses.get(uid);
    }

    @Override
    public void announced(String uid, UserClasses classes) {
        if (classes.isEmpty()) {
            userClasses.remove(uid);
        } else {
            userClasses.put(uid, classes);
        }
    }

    /** How many users' classes the router holds in memory now. */
    int userClassesMirrored() {
        return userClasses.size();
    }

    /**
     * A view of {@link ClusterMaps#USER_CLASSES} that keeps the values decoded, so a request reads
     * a ready value; a malformed or empty value is not kept.
     */
    private static final class Decoded extends java.util.AbstractMap<String, String> {
        private final ConcurrentHashMap<String, UserClasses> view;

        Decoded(ConcurrentHashMap<String, UserClasses> view) {
            this.view = view;
        }

        @Override
        public String put(String uid, String value) {
            java.util.Optional<UserClasses> c = UserClasses.decode(value).filter(u -> !u.isEmpty());
            if (c.isPresent()) {
                view.put(uid, c.get());
            } else {
                view.remove(uid);
            }
            return null;
        }

        @Override
        public String remove(Object uid) {
            view.remove(uid);
            return null;
        }

        @Override
        public java.util.Set<Map.Entry<String, String>> entrySet() {
            java.util.Set<Map.Entry<String, String>> out = new java.util.HashSet<>();
            view.forEach((k, v) -> out.add(Map.entry(k, v.encode())));
            return out;
        }

        @Override
        public java.util.Set<String> keySet() {
            return view.keySet();
        }

        @Override
        public void clear() {
            view.clear();
        }
    }

    /** Applies every change of a map to a local view. */
    private static final class Mirror implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
            EntryExpiredListener<String, String>, MapClearedListener, EntryMergedListener<String, String> {

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

        /** An entry the other side of a healed split brought in (an add or an update, not reported as either). */
        @Override
        public void entryMerged(EntryEvent<String, String> e) {
            if (e.getValue() != null) {
                view.put(e.getKey(), e.getValue());
            }
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
