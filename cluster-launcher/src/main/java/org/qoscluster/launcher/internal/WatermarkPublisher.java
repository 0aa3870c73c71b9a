package org.qoscluster.launcher.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.contract.ClusterClients;
import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.Shipping;
import org.qoscluster.contract.Tail;
import org.qoscluster.contract.TimelineEvent;
import org.qoscluster.replication.ReplicationAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each replica's watermark in the cluster's Hazelcast map {@link ClusterMaps#WATERMARKS},
 * as a Hazelcast client of the Payara members: when the sequence moves, and at least every
 * {@code heartbeat} otherwise, so a reader can tell a quiet replica from an agent that stopped.
 * The client connects in the background and reconnects on its own; while it is offline the
 * agent goes on shipping and the published watermarks only age (readers then fall back to the
 * master).
 */
public final class WatermarkPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkPublisher.class);
    /** Held here: the level set on it would go with a collected logger. */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    /** Made on a thread of its own: the agent ships meanwhile (a restarted agent starts sooner). */
    private final java.util.concurrent.CompletableFuture<HazelcastInstance> client;
    private IMap<String, String> map;
    private final Clock clock;
    private final Duration heartbeat;
    private final Map<String, ReplicaWatermark> last = new ConcurrentHashMap<>();
    private volatile boolean offlineReported;

    /** @param clusterName the cluster's secret Hazelcast name ({@link PayaraMemberConfig#hazelcastClusterName}) */
    public WatermarkPublisher(ClusterConfig config, String clusterName, Clock clock, Duration heartbeat) {
        ClientConfig c = ClusterClients.config(clusterName, "qos-replication-agent",
                java.util.Arrays.asList(PayaraMemberConfig.tcpipMembers(config).split(",")), PayaraMemberConfig.HAZELCAST_NO_HEARTBEAT_SECONDS);
        // The client retries every 2 s while no member answers (a databases-only cluster has
        // none); this class reports being offline once instead.
        HAZELCAST_LOG.setLevel(java.util.logging.Level.SEVERE);
        this.client = java.util.concurrent.CompletableFuture.supplyAsync(() -> HazelcastClient.newHazelcastClient(c),
                r -> {
                    Thread t = new Thread(r, "qos-replication-hazelcast-start");
                    t.setDaemon(true);
                    t.start();
                });
        this.clock = clock;
        this.heartbeat = heartbeat;
    }

    /** The client once made; fails (as when offline) before. */
    private HazelcastInstance client() {
        HazelcastInstance c = client.getNow(null);
        if (c == null) {
            throw new IllegalStateException("the Hazelcast client is still starting");
        }
        return c;
    }

    /**
     * What the agent of {@code group}'s epoch {@code epoch} tells: its replicas' watermarks are
     * published with the group and epoch they were counted in.
     */
    public ReplicationAgent.WatermarkListener of(String group, long epoch) {
        return new ReplicationAgent.WatermarkListener() {
            /** The first watermark a replica reported in this epoch (-1: none yet), and whether one has passed it. */
            private long following = -1;
            private boolean shipped;

            @Override
            public void watermark(String replica, ReplicationAgent.Watermark w) {
                publish(replica, new ReplicaWatermark(group, epoch, w.sequence(), w.time().toEpochMilli(), w.lag().toMillis()));
                synchronized (this) {
                    if (following < 0) {
                        following = w.sequence();
                        mark(group, epoch, "replica-following");
                    } else if (!shipped && w.sequence() > following) {
                        shipped = true;
                        mark(group, epoch, "first-shipped");
                    }
                }
            }

            @Override
            public void tail(String copy, long tailEpoch, long changes) {
                WatermarkPublisher.this.tail(copy, tailEpoch, changes);
            }

            @Override
            public void readied(String replica) {
                mark(group, epoch, "replica-readied:" + replica);
            }
        };
    }

    void publish(String replica, ReplicaWatermark now) {
        ReplicaWatermark before = last.get(replica);
        if (before != null && before.sequence() == now.sequence() && before.epoch() == now.epoch()
                && before.group().equals(now.group()) && now.epochMillis() - before.epochMillis() < heartbeat.toMillis()) {
            return;
        }
        try {
            if (map == null) {
                // Only once connected: a client started in the background refuses proxies before.
                map = client().getMap(ClusterMaps.WATERMARKS);
            }
            map.set(replica, now.encode());
            last.put(replica, now);
            if (offlineReported) {
                offlineReported = false;
                LOG.info("watermarks published to the cluster again");
            }
        } catch (RuntimeException e) {
            if (!offlineReported) {
                offlineReported = true;
                LOG.warn("cannot publish watermarks to the cluster ({}); replicas look stale to readers meanwhile", e.toString());
            }
        }
    }

    /** Says whether this agent ships for {@code group} now ({@link ClusterMaps#AGENTS}). */
    public void shipping(String group, boolean running, long epoch) {
        try {
            client().<String, String>getMap(ClusterMaps.AGENTS).set(group, new Shipping(running, epoch).encode());
        } catch (RuntimeException e) {
            LOG.warn("cannot say whether group {} ships ({})", group, e.toString());
        }
    }

    /**
     * Records {@code event} of {@code group}'s change into {@code epoch} as the agent's, now, in
     * the map {@link ClusterMaps#TIMELINE} ({@link TimelineEvent}): {@code agent-started} (it
     * ships from the new master), {@code replica-following} (a replica's first watermark of the
     * epoch), {@code first-shipped} (a replica's first transaction of the new master). Without
     * waiting for the write; one that fails is lost.
     */
    public void mark(String group, long epoch, String event) {
        TimelineEvent e = new TimelineEvent(group, epoch, "agent", event, clock.millis());
        try {
            var unused = client().<String, String>getMap(ClusterMaps.TIMELINE).setAsync(e.key(), e.encode(),
                    TimelineEvent.KEEP_MINUTES, java.util.concurrent.TimeUnit.MINUTES);
        } catch (RuntimeException ex) {
            LOG.debug("timeline event {} of group {} not recorded ({})", event, group, ex.toString());
        }
    }

    /** Withdraws {@code replica}'s watermark: it left the group, and readers must not take it for a replica. */
    public void forget(String replica) {
        last.remove(replica);
        try {
            client().<String, String>getMap(ClusterMaps.WATERMARKS).delete(replica);
        } catch (RuntimeException e) {
            LOG.warn("cannot withdraw the watermark of {} ({}); it ages out for readers", replica, e.toString());
        }
    }

    /**
     * Records that {@code copy}, master in {@code epoch}, came back with {@code changes} change rows
     * that never reached the group, in the map {@link ClusterMaps#TAILS} ({@link Tail}),
     * where the group's status shows them to an operator.
     */
    public void tail(String copy, long epoch, long changes) {
        try {
            client().<String, String>getMap(ClusterMaps.TAILS).set(copy, new Tail(epoch, changes, clock.millis()).encode());
        } catch (RuntimeException e) {
            LOG.warn("cannot publish the asynchronous tail of {} ({}); it is in the agent's log", copy, e.toString());
        }
    }

    /**
     * Runs {@code changed} whenever {@code group}'s state is written (an entry listener, which
     * the client registers again after a reconnection); false while the client is not connected
     * yet (ask again later).
     */
    public boolean onChange(String group, Runnable changed) {
        try {
            client().<String, String>getMap(ClusterMaps.GROUPS).addEntryListener(new GroupListener(changed), group, false);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Tells of an added or updated group state, without its value. */
    private record GroupListener(Runnable changed) implements com.hazelcast.map.listener.EntryAddedListener<String, String>,
            com.hazelcast.map.listener.EntryUpdatedListener<String, String> {

        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, String> event) {
            changed.run();
        }

        @Override
        public void entryUpdated(com.hazelcast.core.EntryEvent<String, String> event) {
            changed.run();
        }
    }

    /** A redundancy group's state as the coordinator last wrote it; empty while unknown or offline. */
    public java.util.Optional<org.qoscluster.contract.GroupState> group(String name) {
        try {
            return org.qoscluster.contract.GroupState.decode(
                    client().<String, String>getMap(ClusterMaps.GROUPS).get(name));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public void close() {
        var unused = client.thenAccept(HazelcastInstance::shutdown);
    }
}
