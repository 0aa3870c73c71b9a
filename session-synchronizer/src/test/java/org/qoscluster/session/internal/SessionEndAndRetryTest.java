package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionContext;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionMergeable;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * What a session's end, a client's replayed or forged cookies, a request that goes on after its
 * answer was committed and a store whose answer never came must not do: bring an ended session
 * back, cost a read of the master database on every request, write over what another request
 * stored, or count one change twice. One real Hazelcast member; the session map is written behind
 * (3 s) into a session table in an in-memory Derby database, as the Session Synchronizer
 * configures it.
 */
class SessionEndAndRetryTest {

    private static final SessionSettings SETTINGS = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");
    private static final String TABLE_MAP = "ended-with-table";
    private static final AtomicInteger MASTER_READS = new AtomicInteger();
    private static HazelcastInstance hz;
    private static SessionTable table;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedDataSource ds = new EmbeddedDataSource();
        ds.setDatabaseName("memory:ended-" + UUID.randomUUID());
        ds.setCreateDatabase("create");
        DataSource db = ds;
        // The master path counts its reads (and deletes: each asks for the data source once).
        table = new SessionTable(() -> {
            MASTER_READS.incrementAndGet();
            return db;
        }, () -> db, System::currentTimeMillis, 1 << 20, "test");
        table.createIfMissing();
        Config c = new Config().setClusterName("ended-" + UUID.randomUUID());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        c.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        c.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        c.addMapConfig(new MapConfig("ended-*").setInMemoryFormat(InMemoryFormat.OBJECT)
                .setNearCacheConfig(new NearCacheConfig().setInMemoryFormat(InMemoryFormat.OBJECT).setCacheLocalEntries(true)));
        c.addMapConfig(new MapConfig(TABLE_MAP).setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMapStoreConfig(new MapStoreConfig().setEnabled(true).setImplementation(new SessionTableStore(table))
                        .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY).setWriteDelaySeconds(3)
                        .setWriteBatchSize(500).setWriteCoalescing(true)));
        hz = Hazelcast.newHazelcastInstance(c);
    }

    @AfterAll
    static void stop() {
        if (hz != null) {
            hz.shutdown();
        }
    }

    /** A node's store over {@code map}, keeping the records it stores, as a node does. */
    private static HazelcastSessionStore node(String map, String name) {
        HazelcastSessionStore s = new HazelcastSessionStore(hz.getMap(map), hz.getMap("ended-flags"), hz.getMap("ended-classes"), 60,
                new WrittenRecords(100), new SessionEnds(hz, hz.getExecutorService(SessionEnds.EXECUTOR), map), Clock.systemUTC(),
                table, name);
        s.forgetRemoved();
        return s;
    }

    private static SessionDelta signIn(String customer) {
        return new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 600, false, false,
                Map.of("customer", new SessionDelta.Change(0, customer.getBytes(StandardCharsets.UTF_8))), null);
    }

    private static SessionDelta removal() {
        return new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 600, false, true, Map.of(), null);
    }

    private static RequestSession request(SessionStore store, String uid, long seen) {
        return request(store, uid, seen, new SessionContext(uid, "standard", "node-1", null, null, null));
    }

    private static RequestSession request(SessionStore store, String uid, long seen, SessionContext context) {
        SessionRecord loaded = store.load(uid, seen).filter(r -> !r.expired(System.currentTimeMillis())).orElse(null);
        return new RequestSession(store, SETTINGS, context, loaded, null, SessionEndAndRetryTest.class.getClassLoader(),
                System.currentTimeMillis(), () -> "rotated-" + UUID.randomUUID(), u -> { }, () -> 0, () -> null);
    }

    /**
     * A version cookie no copy holds (the session ended while the client kept its cookie for a
     * year, or the cookie is forged: it is not signed) has the node look on the master once a
     * minute per user, not on every request.
     */
    @Test
    void shouldReadTheMasterForAVersionNoCopyHoldsOnceAMinutePerUserNotOnEveryRequest() {
        HazelcastSessionStore store = node("ended-versions", "node-1");
        String uid = "forged-" + UUID.randomUUID();
        store.create(uid, signIn("alice"));
        String gone = "gone-" + UUID.randomUUID();
        int before = MASTER_READS.get();
        for (int i = 0; i < 100; i++) {
            assertEquals(1, store.load(uid, Long.MAX_VALUE - 10).orElseThrow().version(), "the cluster's record still serves");
            assertTrue(store.load(gone, 7).isEmpty());
        }
        assertEquals(2, MASTER_READS.get() - before, "master reads for 200 requests of two users");
    }

    /**
     * A signed-out session stays ended for a client replaying its cookies (its UID and the version
     * it was answered with), on the node that removed it and on the node that stored it last,
     * although the map writes its removal to the session table only later: its row goes from
     * the master at once.
     */
    @Test
    void shouldNeverServeASignedOutSessionToItsReplayedCookies() throws Exception {
        HazelcastSessionStore one = node(TABLE_MAP, "node-1");
        HazelcastSessionStore two = node(TABLE_MAP, "node-2");
        String uid = "signed-in-" + UUID.randomUUID();
        two.create(uid, signIn("alice"));
        long version = two.load(uid, 1).orElseThrow().version();
        two.wrote(two.load(uid).orElseThrow()); // node 2 keeps the record it stored, as after a request's store
        one.wrote(two.load(uid).orElseThrow()); // and so does node 1, which served the user since
        SessionRecord stored = two.load(uid).orElseThrow();
        table.write(stored, System.currentTimeMillis() + 600_000); // as the write-behind will have
        assertNotNull(table.readMaster(uid));
        one.apply(uid, removal()); // the user signs out on node 1
        assertNull(table.readMaster(uid), "the ended session's row is gone from the master now, not at the next write-behind");
        // A write-behind store of the session under way when it ended puts its row back on the
        // master (the map's queued delete follows seconds later): no node brings the session back from it.
        table.write(stored, System.currentTimeMillis() + 600_000);
        assertTrue(one.load(uid, version).isEmpty(), "node 1 serves nothing to the replayed cookies");
        assertTrue(two.load(uid, version).isEmpty(), "node 2 heard of the sign-out before it was answered");
        assertTrue(one.load(uid).isEmpty(), "the map holds the ended session again");
        one.close();
        two.close();
    }

    /**
     * A request that goes on using the session after its answer was committed (with the UID's
     * cookie) stores through the version check: another request of the user may have stored
     * under the UID meanwhile, and its acknowledged change must stay.
     */
    @Test
    void shouldNotWriteOverWhatAnotherRequestStoredOnceTheAnswerWasCommitted() {
        HazelcastSessionStore store = node("ended-minted", "node-1");
        String uid = "minted-" + UUID.randomUUID();
        RequestSession first = request(store, uid, 0);
        first.uidMintedForThisRequest();
        first.store(); // before its commit: no session yet, nothing stored
        first.answerCommitted();
        RequestSession second = request(store, uid, VersionCookie.NONE); // the browser has the UID now
        second.session(true).setAttribute("cart", "lamp");
        second.store();
        assertEquals(1, second.version(), "the second request answered with version 1");
        first.session(true).setAttribute("visited", "home"); // the first request uses the session after its commit
        first.store();
        SessionRecord owner = store.load(uid).orElseThrow();
        assertNotNull(owner.attributes().get("cart"), "the acknowledged cart stays: " + owner.attributes().keySet());
        assertNotNull(owner.attributes().get("visited"), "and the late change is kept beside it: " + owner.attributes().keySet());
        assertEquals(2, owner.version());
    }

    /** A cart counting its items, merged with a concurrent change by adding both's additions. */
    static final class Counter implements java.io.Serializable, SessionMergeable<Counter> {
        private static final long serialVersionUID = 1L;
        int n;

        Counter(int n) {
            this.n = n;
        }

        @Override
        public Counter mergeConcurrent(Counter base, Counter theirs) {
            return new Counter((theirs == null ? 0 : theirs.n) + n - (base == null ? 0 : base.n));
        }
    }

    /** A store whose owner applies the change but whose answer does not come in time, once. */
    private static final class AnswerLost implements SessionStore {
        final Map<String, SessionRecord> owner = new HashMap<>();
        boolean loseNext;

        @Override
        public Optional<SessionRecord> load(String uid) {
            return Optional.ofNullable(owner.get(uid));
        }

        @Override
        public SessionRecord.Applied apply(String uid, SessionDelta delta) {
            SessionRecord.Applied a = SessionRecord.apply(uid, owner.get(uid), delta);
            if (a.record() == null) {
                owner.remove(uid);
            } else {
                owner.put(uid, a.record());
            }
            if (loseNext) {
                loseNext = false;
                throw new SessionStoreException("the session database did not answer the store within 10 s");
            }
            return a.withoutRecord();
        }

        @Override
        public void publish(String uid, StateChangeFlag flag) {
        }
    }

    /**
     * A store that failed without knowing whether the owner applied it (the request then fails)
     * is not sent again at the request's end: merged with itself, an item added once would count
     * twice.
     */
    @Test
    void shouldNotSendAgainAStoreWhoseOutcomeIsUnknown() throws Exception {
        AnswerLost store = new AnswerLost();
        String uid = "cart-user";
        RequestSession first = request(store, uid, 0);
        first.session(true).setAttribute("cart", new Counter(0));
        first.store();
        SessionContext context = new SessionContext(uid, "standard", "node-1", null, null, null);
        RequestSession add = request(store, uid, 0, context);
        ((Counter) add.session(false).getAttribute("cart")).n++;
        context.recordWrite(42, System.currentTimeMillis()); // the order it wrote: a store is due at the end whatever happens
        store.loseNext = true;
        assertThrows(SessionStoreException.class, add::store, "the store before the commit fails: the request fails");
        add.store(); // the filter's store at the request's end
        Counter cart = (Counter) JavaSerialization.deserialize(store.owner.get(uid).attributes().get("cart").value(),
                getClass().getClassLoader(), SETTINGS.attributeFilter());
        assertEquals(1, cart.n, "one item added once");
    }
}
