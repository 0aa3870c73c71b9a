package org.qoscluster.session.internal;

import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.MemberHazelcast;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;

/**
 * The session database in Payara's embedded Hazelcast (reached through {@link MemberHazelcast}):
 * an {@code IMap} of UID to {@link SessionRecord}, binary in
 * memory, with {@code qos.session.backup-count} synchronous backups on other members, so a
 * store the filter saw succeed survives that many sudden member deaths. The map is first touched
 * from a thread outside the application (see {@link MemberHazelcast#outsideApplication}). The router is a
 * data member too (Payara Micro does not start as a lite member alone, and a router must start
 * while no node runs), so it owns a share of the partitions and serves the nodes' reads of them.
 */
final class HazelcastSessionStore implements SessionStore {

    private static final Logger LOG = Logger.getLogger(HazelcastSessionStore.class.getName());
    private static final long OPERATION_TIMEOUT_SECONDS = 10;

    private final IMap<String, SessionRecord> records;
    private final IMap<String, String> flags;
    private final IMap<String, String> userClasses;
    private final long flagTtlSeconds;

    private HazelcastSessionStore(IMap<String, SessionRecord> records, IMap<String, String> flags,
                                  IMap<String, String> userClasses, long flagTtlSeconds) {
        this.records = records;
        this.flags = flags;
        this.userClasses = userClasses;
        this.flagTtlSeconds = flagTtlSeconds;
    }

    /** Every replica watermark as published now ({@link ClusterMaps#WATERMARKS}), read from Payara's Hazelcast. */
    static java.util.function.Supplier<java.util.Map<String, String>> watermarks() {
        IMap<String, String> map = synchronousModeMap(ClusterMaps.WATERMARKS);
        return () -> {
            java.util.Map<String, String> all = new java.util.HashMap<>();
            map.entrySet().forEach(e -> all.put(e.getKey(), e.getValue()));
            return all;
        };
    }

    /** The application's redundancy group as published now ({@link ClusterMaps#GROUPS}), empty without one. */
    static java.util.function.Supplier<java.util.Optional<GroupState>> group() {
        IMap<String, String> map = synchronousModeMap(ClusterMaps.GROUPS);
        return () -> GroupState.decode(map.get(GroupState.DEFAULT_GROUP));
    }

    /** A map of Payara's Hazelcast that the synchronous mode reads, made outside the application. */
    private static IMap<String, String> synchronousModeMap(String name) {
        HazelcastInstance hz;
        try {
            hz = MemberHazelcast.instance();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("synchronous mode needs Payara's Hazelcast: " + e.getMessage(), e);
        }
        return outsideApplication(() -> hz.getMap(name));
    }

    static HazelcastSessionStore lookup(SessionSettings settings) {
        HazelcastInstance hz;
        try {
            hz = MemberHazelcast.instance();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the Session Synchronizer needs Payara's Hazelcast: " + e.getMessage(), e);
        }
        MapConfig config = new MapConfig(settings.mapName())
                .setBackupCount(settings.backupCount())
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.BINARY)
                .setStatisticsEnabled(true);
        try {
            hz.getConfig().addMapConfig(config);
        } catch (InvalidConfigurationException e) {
            // Another member added it first with other settings: the cluster keeps one; say so.
            LOG.log(Level.WARNING, "node={0} session map {1} already configured differently in the cluster ({2}); keeping the cluster''s",
                    new Object[] {settings.node(), settings.mapName(), e.getMessage()});
        }
        return outsideApplication(() -> new HazelcastSessionStore(hz.getMap(settings.mapName()), hz.getMap(ClusterMaps.FLAGS),
                hz.getMap(ClusterMaps.USER_CLASSES), settings.flagTtlSeconds()));
    }

    /** {@code task} run outside the application ({@link MemberHazelcast#outsideApplication}). */
    static <T> T outsideApplication(java.util.concurrent.Callable<T> task) {
        return MemberHazelcast.outsideApplication(HazelcastSessionStore.class, "the session database", task);
    }

    @Override
    public Optional<SessionRecord> load(String uid) {
        return Optional.ofNullable(bounded("read", records.getAsync(uid)));
    }

    @Override
    public SessionRecord.Applied apply(String uid, SessionDelta delta) {
        return bounded("store", records.submitToKey(uid, new ApplyDelta(delta)));
    }

    /**
     * Waits at most {@value #OPERATION_TIMEOUT_SECONDS} s: a request never hangs on the session
     * database; it fails with a message saying which step did not answer.
     */
    private static <T> T bounded(String step, java.util.concurrent.CompletionStage<T> operation) {
        try {
            return operation.toCompletableFuture().get(OPERATION_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SessionStoreException("the session database did not answer the " + step + " within "
                    + OPERATION_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionStoreException("interrupted during the session " + step);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new SessionStoreException("the session " + step + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * The flag lives at most {@code qos.session.flag-ttl-seconds} (the entry's time-to-live, which
     * the members enforce with or without a router); the router removes it sooner, once every
     * replica has the write.
     */
    @Override
    public void publish(String uid, StateChangeFlag flag) {
        flags.set(uid, flag.encode(), flagTtlSeconds, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Asynchronous: the request does not wait for the cluster (the router learns the classes from
     * the response's announcement first); a failure is logged, and the next store that changes
     * or keeps alive the session publishes again.
     */
    @Override
    public void publish(String uid, UserClasses classes, int ttlSeconds) {
        java.util.concurrent.CompletionStage<?> done = classes.isEmpty() ? userClasses.removeAsync(uid)
                : userClasses.setAsync(uid, classes.encode(), ttlSeconds, java.util.concurrent.TimeUnit.SECONDS);
        var unused = done.whenComplete((r, e) -> {
            if (e != null) {
                LOG.log(Level.WARNING, "uid={0} user classes {1} not published: {2}", new Object[] {
                    uid.substring(0, Math.min(8, uid.length())), classes.encode(), e.toString()});
            }
        });
    }
}
