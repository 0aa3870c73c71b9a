package org.qoscluster.session.internal;

import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
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
 * store the filter saw succeed survives that many sudden member deaths. Each node keeps
 * {@code qos.session.near-cache-entries} records at hand: the map's near cache (objects, so a hit
 * costs no deserialization; invalidated by Hazelcast when the record changes) and the records it
 * stored last ({@link WrittenRecords}); a request uses them only as {@link LocalCopy} allows. The map is first touched
 * from a thread outside the application (see {@link MemberHazelcast#outsideApplication}). The router is a
 * data member too (Payara Micro does not start as a lite member alone, and a router must start
 * while no node runs), so it owns a share of the partitions and serves the nodes' reads of them.
 */
final class HazelcastSessionStore implements SessionStore {

    private static final Logger LOG = Logger.getLogger(HazelcastSessionStore.class.getName());
    private static final long OPERATION_TIMEOUT_SECONDS = 10;
    private static final int MASTER_READS_REMEMBERED = 10_000;
    private static final int ENDS_REMEMBERED = 10_000;
    /** How long a session's end waits for the other members to confirm they heard of it. */
    private static final long END_ANNOUNCE_TIMEOUT_MILLIS = 2_000;

    private final IMap<String, SessionRecord> records;
    private final IMap<String, String> flags;
    private final IMap<String, String> userClasses;
    private final long flagTtlSeconds;
    /** Null when {@code qos.session.near-cache-entries} is 0. */
    private final WrittenRecords written;
    private final java.time.Clock clock;
    /** The session table, to read the master's copy of a record the map holds too old; null without the table. */
    private final SessionTable table;
    private final String node;
    /** The registration of {@link #forgetRemoved}'s listener, or null. */
    private volatile java.util.UUID removals;
    /** The users whose master rows this node read lately ({@link #fromMaster}). */
    private final MasterReads masterReads = new MasterReads(MASTER_READS_REMEMBERED);
    /** The sessions this node heard ended lately: never served from a copy held here. */
    private final EndedSessions endedHere = new EndedSessions(ENDS_REMEMBERED);
    /** Tells the other members of a session's end; null only in tests that keep no copies. */
    private final SessionEnds ends;
    /** What this node does when it hears of a session's end: forget its copy, and hold the end. */
    private final java.util.function.Consumer<String> onEnded = this::heardEnded;

    /** @param ends how the members hear of a session's end; may be null only when {@code written} is */
    HazelcastSessionStore(IMap<String, SessionRecord> records, IMap<String, String> flags,
                                  IMap<String, String> userClasses, long flagTtlSeconds, WrittenRecords written,
                                  SessionEnds ends, java.time.Clock clock, SessionTable table, String node) {
        if (written != null && ends == null) {
            throw new IllegalArgumentException("a store that keeps copies must hear of sessions' ends");
        }
        this.ends = ends;
        this.table = table;
        this.node = node;
        this.records = records;
        this.flags = flags;
        this.userClasses = userClasses;
        this.flagTtlSeconds = flagTtlSeconds;
        this.written = written;
        this.clock = clock;
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

    /**
     * The map's {@code MapStore} configuration: records kept in the session table
     * ({@link SessionTableStore}), written before the store returns (write-through) or in batches
     * {@code qos.session.table.write-delay-seconds} later (write-behind, coalesced: only a record's
     * latest version is written), never all loaded at start. The same on every node, so the
     * cluster keeps one.
     */
    static MapStoreConfig tableConfig(SessionSettings settings) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty(SessionTableStore.MASTER_JNDI, settings.masterJndi());
        p.setProperty(SessionTableStore.REPLICA_JNDI, settings.replicaJndi());
        // A record's bytes are its attributes' plus a little per attribute: far below twice the limit.
        p.setProperty(SessionTableStore.MAX_ROW_BYTES, String.valueOf(2L * settings.maxBytes() + 64 * 1024));
        boolean behind = settings.tableMode() == SessionSettings.TableMode.WRITE_BEHIND;
        return new MapStoreConfig()
                .setEnabled(true)
                .setClassName(SessionTableStore.class.getName())
                .setProperties(p)
                .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY)
                .setWriteDelaySeconds(behind ? settings.writeDelaySeconds() : 0)
                .setWriteBatchSize(behind ? 500 : 1)
                .setWriteCoalescing(true);
    }

    /** @param table the session table when {@code qos.session.table.enabled}, else null */
    static HazelcastSessionStore lookup(SessionSettings settings, java.time.Clock clock, SessionTable table) {
        HazelcastInstance hz;
        try {
            hz = MemberHazelcast.instance();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the Session Synchronizer needs Payara's Hazelcast: " + e.getMessage(), e);
        }
        // Records kept as objects: a store's entry processor applies the delta to the record on
        // the owner and on each backup without deserializing it and serializing it again (the
        // record is immutable, so holding it is safe; it is serialized only to travel).
        MapConfig config = new MapConfig(settings.mapName())
                .setBackupCount(settings.backupCount())
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setStatisticsEnabled(true);
        if (table != null) {
            config.setMapStoreConfig(tableConfig(settings));
        }
        if (settings.nearCacheEntries() > 0) {
            // Objects: a hit hands out the record itself (immutable; the filter copies what it
            // changes). Keys are Strings, kept as they are. Entries this member owns are cached
            // too (reading them from the map would deserialize the binary record on every hit).
            config.setNearCacheConfig(new NearCacheConfig(settings.mapName())
                    .setInMemoryFormat(InMemoryFormat.OBJECT)
                    .setInvalidateOnChange(true)
                    .setSerializeKeys(false)
                    .setCacheLocalEntries(true)
                    .setEvictionConfig(new EvictionConfig()
                            .setEvictionPolicy(EvictionPolicy.LRU)
                            .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT)
                            .setSize(settings.nearCacheEntries())));
        }
        try {
            hz.getConfig().addMapConfig(config);
        } catch (InvalidConfigurationException e) {
            // Another member added it first with other settings: the cluster keeps one; say so.
            LOG.log(Level.WARNING, "node={0} session map {1} already configured differently in the cluster ({2}); keeping the cluster''s",
                    new Object[] {settings.node(), settings.mapName(), e.getMessage()});
        }
        boolean copies = settings.nearCacheEntries() > 0;
        HazelcastSessionStore store = outsideApplication(() -> new HazelcastSessionStore(hz.getMap(settings.mapName()),
                hz.getMap(ClusterMaps.FLAGS), hz.getMap(ClusterMaps.USER_CLASSES), settings.flagTtlSeconds(),
                copies ? new WrittenRecords(settings.nearCacheEntries()) : null,
                new SessionEnds(hz, hz.getExecutorService(SessionEnds.EXECUTOR), settings.mapName()),
                clock, table, settings.node()));
        store.forgetRemoved();
        boolean near = store.records.getLocalMapStats().getNearCacheStats() != null;
        LOG.log(near || settings.nearCacheEntries() == 0 ? Level.INFO : Level.WARNING,
                "node={0} session map {1}: near cache {2} ({3}={4})", new Object[] {settings.node(), settings.mapName(),
                    near ? "on" : "off", SessionSettings.NEAR_CACHE_ENTRIES, String.valueOf(settings.nearCacheEntries())});
        return store;
    }

    /** {@code task} run outside the application ({@link MemberHazelcast#outsideApplication}). */
    static <T> T outsideApplication(java.util.concurrent.Callable<T> task) {
        return MemberHazelcast.outsideApplication(HazelcastSessionStore.class, "the session database", task);
    }

    /** The owner's copy: a read-only entry processor, past the near cache. */
    @Override
    public Optional<SessionRecord> load(String uid) {
        SessionRecord owner = bounded("read", records.submitToKey(uid, new ReadRecord()));
        if (written != null) {
            if (owner == null) {
                written.forgetOlder(uid, Long.MAX_VALUE);
            } else {
                written.forgetOlder(owner);
            }
        }
        return Optional.ofNullable(owner);
    }

    /**
     * The record this node stored last, else the near cache's copy, when {@link LocalCopy} allows
     * it for {@code seen}; else the owner's copy (a near-cache miss reads the owner and fills the
     * near cache; a copy too old is read again past it).
     */
    @Override
    public Optional<SessionRecord> load(String uid, long seen) {
        SessionRecord chosen;
        long now = clock.millis();
        boolean endedLately = endedHere.ended(uid, now);
        if (written == null || endedLately) {
            chosen = load(uid).orElse(null);
        } else {
            chosen = LocalCopy.choose(seen, now, written.get(uid),
                    () -> bounded("read", records.getAsync(uid)), () -> load(uid).orElse(null));
            if (chosen != null) {
                written.forgetOlder(chosen);
            }
        }
        // Not for a session ended lately: a write-behind store of it under way when it ended can
        // put its row back on the master until the queued delete follows, seconds later.
        return Optional.ofNullable(behindTheClient(table, seen, chosen) && !endedLately && masterReads.due(uid, clock.millis())
                ? fromMaster(uid, chosen) : chosen);
    }

    /**
     * Whether the cluster's record is older than the version the user's client was last answered
     * with: the cluster lost changes (its members all restarted, more died at once than the
     * backups, or it loaded the record from a copy of the table behind the master), or the
     * session ended (expired, or removed by another request) while the client kept its version
     * cookie, or the cookie is forged. Never so otherwise: the owner holds every version it
     * answered. Pure.
     */
    static boolean behindTheClient(SessionTable table, long seen, SessionRecord record) {
        return table != null && seen > 0 && (record == null || record.version() < seen);
    }

    /**
     * The master's copy of the record in the session table, put into the map if it is newer than
     * the map's ({@link InstallIfNewer}); else the map's. Once per such user: the response tells
     * the client the version it was served, or drops its version cookie when it has no session
     * left; a client that keeps sending it anyway (a forged cookie: it is not signed) costs a
     * master read at most once a minute per user on each node ({@link MasterReads}).
     */
    private SessionRecord fromMaster(String uid, SessionRecord cluster) {
        SessionRecord master;
        try {
            master = table.readMaster(uid);
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "node={0} uid={1} the session table''s master copy not read: {2}",
                    new Object[] {node, SessionTable.short8(uid), e.toString()});
            return cluster;
        }
        if (!InstallIfNewer.replaces(cluster, master) || master.expired(clock.millis())) {
            return cluster;
        }
        LOG.log(Level.INFO, "node={0} uid={1} session version {2} from the table''s master copy replaces version {3}",
                new Object[] {node, SessionTable.short8(uid), String.valueOf(master.version()),
                    cluster == null ? "none" : String.valueOf(cluster.version())});
        SessionRecord installed = bounded("read", records.submitToKey(uid, new InstallIfNewer(master)));
        if (written != null && installed != null) {
            written.forgetOlder(installed);
        }
        return installed;
    }

    @Override
    public void wrote(SessionRecord record) {
        if (written != null) {
            written.put(record);
        }
    }

    @Override
    public void forget(String uid, long version) {
        if (written != null) {
            written.forgetOlder(uid, version);
        }
    }

    @Override
    public SessionRecord.Applied apply(String uid, SessionDelta delta) {
        SessionRecord.Applied applied = ApplyDelta.answer(bounded("store", records.submitToKey(uid, new ApplyDelta(delta))));
        if (delta.remove()) {
            ended(uid);
        }
        return applied;
    }

    /**
     * A session removed (signed out, invalidated, moved to a new UID): every node, this one
     * first, forgets the copy it stored and reads the owner's for that UID from now on (past its
     * near cache, which Hazelcast invalidates only later), and this waits until the others
     * confirm ({@link SessionEnds}, at most {@value #END_ANNOUNCE_TIMEOUT_MILLIS} ms); and
     * the session table's row goes now rather than at the write-behind's next write: until then
     * a client replaying the old cookies would have the node find the row on the master, newer
     * than the cluster's nothing, and put the ended session back.
     */
    private void ended(String uid) {
        if (ends != null) {
            heardEnded(uid);
            java.util.List<String> unconfirmed;
            try {
                unconfirmed = ends.announce(uid, END_ANNOUNCE_TIMEOUT_MILLIS);
            } catch (RuntimeException e) {
                unconfirmed = java.util.List.of("all (" + e + ")");
            }
            if (!unconfirmed.isEmpty()) {
                LOG.log(Level.WARNING, "node={0} uid={1} the session''s end not confirmed by {2}: until the map''s own"
                        + " events reach them, those members may serve a client replaying its cookies the copy they hold",
                        new Object[] {node, SessionTable.short8(uid), unconfirmed});
            }
        }
        if (table == null) {
            return;
        }
        try {
            table.deleteNow(uid);
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "node={0} uid={1} the ended session''s row not deleted on the master now ({2});"
                    + " the write-behind deletes it later, and a client replaying its cookies meanwhile could get it back",
                    new Object[] {node, SessionTable.short8(uid), e.toString()});
        }
    }

    /** This node forgets the copy it stored of {@code uid}'s ended session, and serves none held here for a while. */
    private void heardEnded(String uid) {
        endedHere.end(uid, clock.millis());
        forget(uid, Long.MAX_VALUE);
    }

    /**
     * Has this node hear of every session of the map that ends: from the node that ended it, at
     * once ({@link SessionEnds}), and from the map's removal events, later (a session another
     * member removed otherwise, or whose end's news did not reach this member in time). A client
     * replaying an ended session's cookies (its UID and version) would otherwise be served the
     * copy held here.
     */
    void forgetRemoved() {
        if (ends == null || removals != null) {
            return;
        }
        ends.listen(onEnded);
        removals = outsideApplication(() -> records.addEntryListener(
                (com.hazelcast.map.listener.EntryRemovedListener<String, SessionRecord>) e -> heardEnded(e.getKey()),
                false));
    }

    /**
     * Stops listening to the map (the application is undeployed; Payara's Hazelcast goes on):
     * a listener left behind would hold this store and its copies for good.
     */
    void close() {
        java.util.UUID id = removals;
        removals = null;
        if (ends != null) {
            ends.stop(onEnded);
        }
        if (id != null) {
            try {
                var unused = outsideApplication(() -> records.removeEntryListener(id));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "node={0} the session map''s removal listener not removed: {1}", new Object[] {node, e.toString()});
            }
        }
    }

    /**
     * A plain {@code set} with the record's time-to-live: an entry processor on a key the map does
     * not hold would first load it from the session table, on the owner and on each backup (on
     * their partition threads), only to find nothing.
     */
    @Override
    public SessionRecord.Applied create(String uid, SessionDelta delta) {
        SessionRecord.Applied applied = SessionRecord.apply(uid, null, delta);
        SessionRecord record = applied.record();
        if (record != null) {
            bounded("store", records.setAsync(uid, record, ApplyDelta.ttlSeconds(record), java.util.concurrent.TimeUnit.SECONDS));
        }
        return applied.withoutRecord();
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
