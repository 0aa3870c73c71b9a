package org.qoscluster.session.internal;

import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryStore;
import com.hazelcast.map.MapLoaderLifecycleSupport;

import org.qoscluster.session.SessionRecord;

/**
 * The session map's {@code MapStore} and {@code MapLoader} (Hazelcast's {@link EntryStore}): every
 * record the map stores is written to the session table ({@link SessionTable}) through the
 * member's master path, every removal deletes its row, and a key the map does not hold (the whole
 * cluster restarted, or a record made at another site) is loaded from the table, with the row's
 * expiry as the entry's. Hazelcast makes one on every member from its class name (this jar is on
 * every member's class path) and calls it on the member that owns the key: before the store
 * returns in write-through mode, in batches later in write-behind mode.
 *
 * <p>A write that fails (the master unreachable, a failover under way) is logged with the UID and
 * dropped, not retried: the request that made the change is not failed for it, the record stays in
 * the map with its backups, and the session's next store writes the whole record again. A load
 * that fails throws, so the request fails (503) rather than starting the user over with an empty
 * session. The data sources are the member's own JDBC resources ({@value #MASTER_JNDI} and
 * {@value #REPLICA_JNDI} properties): those the member's Session Synchronizer looked up in its
 * application at start-up, else looked up by their JNDI names when first needed.
 */
public final class SessionTableStore implements EntryStore<String, SessionRecord>, MapLoaderLifecycleSupport {

    private static final Logger LOG = Logger.getLogger(SessionTableStore.class.getName());
    /** Property: the JNDI name of the master path's data source. */
    static final String MASTER_JNDI = "master-jndi";
    /** Property: the JNDI name of the data source of the member's own copy. */
    static final String REPLICA_JNDI = "replica-jndi";
    /** Property: the largest record bytes a row may hold and still be loaded. */
    static final String MAX_ROW_BYTES = "max-row-bytes";
    /** Failed writes logged at WARNING at most once in this many ms; the others counted in the next. */
    private static final long LOG_EVERY_MS = 10_000;

    private SessionTable table;
    private String member = "?";
    private final AtomicLong lastLogged = new AtomicLong();
    private final AtomicLong unlogged = new AtomicLong();

    /** For Hazelcast, which makes it by class name; {@link #init} sets it up. */
    public SessionTableStore() {
    }

    /** A store over {@code table} (tests). */
    SessionTableStore(SessionTable table) {
        this.table = table;
    }

    @Override
    public void init(HazelcastInstance hz, Properties properties, String mapName) {
        member = hz.getCluster().getLocalMember().getAddress().toString();
        if (System.getProperty(org.qoscluster.contract.NodeApp.NODE_APPS_PROPERTY) == null) {
            // Not a node: the router on Payara Micro is a data member too but has no database
            // path. The records it holds are neither loaded from nor written to the table here.
            LOG.log(Level.WARNING, "member={0} is not a node (no database path): the session records it holds are not kept in the"
                    + " table {1}", new Object[] {member, org.qoscluster.session.SessionTableSchema.TABLE});
            return;
        }
        int maxRowBytes = Integer.parseInt(properties.getProperty(MAX_ROW_BYTES, String.valueOf(64 * 1024 * 1024)));
        table = new SessionTable(dataSource(properties.getProperty(MASTER_JNDI)), dataSource(properties.getProperty(REPLICA_JNDI)),
                System::currentTimeMillis, maxRowBytes, member);
        LOG.log(Level.INFO, "member={0} session map {1} kept in the table {2} (master path {3}, reads {4})", new Object[] {
            member, mapName, org.qoscluster.session.SessionTableSchema.TABLE, properties.getProperty(MASTER_JNDI),
            properties.getProperty(REPLICA_JNDI)});
    }

    @Override
    public void destroy() {
        // The data sources are the member's; nothing of ours to close.
    }

    /**
     * Data sources this member's Session Synchronizer looked up in its application (JNDI works
     * there for certain), by JNDI name: the store takes them from here first, since Hazelcast calls
     * it on its own threads, outside any application.
     */
    private static final java.util.concurrent.ConcurrentMap<String, DataSource> FOUND = new java.util.concurrent.ConcurrentHashMap<>();

    /** Looks the member's JDBC resources at {@code names} up now, in the application, for the store to find. */
    static void lookUpInApplication(String... names) {
        for (String name : names) {
            FOUND.computeIfAbsent(name, SessionTableStore::lookup);
        }
    }

    /** The member's JDBC resource at {@code name}, looked up when first used and then kept. */
    static Supplier<DataSource> dataSource(String name) {
        return new Supplier<>() {
            private volatile DataSource found;

            @Override
            public DataSource get() {
                DataSource ds = found;
                if (ds == null) {
                    ds = FOUND.get(name);
                    if (ds == null) {
                        ds = lookup(name);
                        FOUND.putIfAbsent(name, ds);
                    }
                    found = ds;
                }
                return ds;
            }
        };
    }

    /**
     * Looks {@code name} up with this class's loader as the context class loader, else with the
     * thread's own (on Hazelcast's threads the naming provider may be visible to either).
     */
    @SuppressWarnings("BanJNDI") // a name from the cluster's own configuration, never from input
    private static DataSource lookup(String name) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        NamingException first = null;
        for (ClassLoader loader : new ClassLoader[] {SessionTableStore.class.getClassLoader(), before}) {
            t.setContextClassLoader(loader);
            try {
                return (DataSource) new InitialContext().lookup(name);
            } catch (NamingException e) {
                first = first == null ? e : first;
            } catch (ClassCastException e) {
                throw new IllegalStateException("JNDI " + name + " is not a JDBC data source: " + e, e);
            } finally {
                t.setContextClassLoader(before);
            }
        }
        throw new IllegalStateException("no JDBC data source at JNDI " + name + " on this member: " + first, first);
    }

    @Override
    public MetadataAwareValue<SessionRecord> load(String uid) {
        if (table == null) {
            return null;
        }
        SessionRecord record;
        try {
            record = table.read(uid);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("the session table did not answer for uid=" + SessionTable.short8(uid) + ": " + e, e);
        }
        if (record == null) {
            return null;
        }
        LOG.log(Level.FINE, "member={0} uid={1} session version {2} loaded from the table",
                new Object[] {member, SessionTable.short8(uid), String.valueOf(record.version())});
        return new MetadataAwareValue<>(record, SessionRows.expiresAt(record) + 1_000);
    }

    @Override
    public Map<String, MetadataAwareValue<SessionRecord>> loadAll(Collection<String> uids) {
        Map<String, MetadataAwareValue<SessionRecord>> all = new HashMap<>();
        for (String uid : uids) {
            MetadataAwareValue<SessionRecord> v = load(uid);
            if (v != null) {
                all.put(uid, v);
            }
        }
        return all;
    }

    /** None: records are loaded one by one when first asked for, never all at start (the table may hold millions). */
    @Override
    public Iterable<String> loadAllKeys() {
        return null;
    }

    @Override
    public void store(String uid, MetadataAwareValue<SessionRecord> value) {
        if (table == null) {
            return;
        }
        SessionRecord record = value.getValue();
        try {
            if (!table.write(record, SessionRows.expiresAt(record))) {
                LOG.log(Level.FINE, "member={0} uid={1} session version {2} not written: the table holds a later one",
                        new Object[] {member, SessionTable.short8(uid), String.valueOf(record.version())});
            }
        } catch (SQLException | RuntimeException e) {
            failed("written", uid, e);
        }
    }

    /**
     * A write-behind batch: one transaction on the master for all of it; if that fails, each
     * record on its own, so one bad record costs only its own write.
     */
    @Override
    public void storeAll(Map<String, MetadataAwareValue<SessionRecord>> values) {
        if (values.size() > 1 && table != null) {
            try {
                table.writeAll(values.values().stream().map(MetadataAwareValue::getValue).toList());
                return;
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.FINE, "member={0} a batch of {1} session rows not written together ({2}); one by one",
                        new Object[] {member, String.valueOf(values.size()), e.toString()});
            }
        }
        values.forEach(this::store);
    }

    @Override
    public void delete(String uid) {
        if (table == null) {
            return;
        }
        try {
            table.delete(uid);
        } catch (SQLException | RuntimeException e) {
            failed("deleted", uid, e);
        }
    }

    @Override
    public void deleteAll(Collection<String> uids) {
        uids.forEach(this::delete);
    }

    private void failed(String what, String uid, Exception e) {
        long now = System.currentTimeMillis();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY_MS && lastLogged.compareAndSet(last, now)) {
            long others = unlogged.getAndSet(0);
            LOG.log(Level.WARNING, "member={0} uid={1} session row not {2} ({3} other failed writes since the last report;"
                    + " the record stays in the data grid and its next store writes it again): {4}",
                    new Object[] {member, SessionTable.short8(uid), what, String.valueOf(others), e.toString()});
        } else {
            unlogged.incrementAndGet();
        }
    }
}
