package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapStore;

/**
 * The store over a real two-member Hazelcast cluster on 127.0.0.1 whose session map has a map
 * store behind it (standing in for the session table, counting what the members load from it):
 * a session's first record, under a UID minted for the request, is stored without loading
 * anything, on the owner or the backup; a change to a record the map does not hold loads it.
 */
class HazelcastSessionStoreTest {

    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final String MAP = "qos-sessions-test";
    private static final String NEAR_MAP = "qos-sessions-near-test";
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static HazelcastInstance first;
    private static HazelcastInstance second;
    private static HazelcastSessionStore store;

    /** The table's stand-in: holds nothing, counts every load the members ask of it. */
    public static final class CountingTable implements MapStore<String, SessionRecord> {
        @Override
        public SessionRecord load(String key) {
            LOADS.incrementAndGet();
            return null;
        }

        @Override
        public Map<String, SessionRecord> loadAll(Collection<String> keys) {
            LOADS.addAndGet(keys.size());
            return Map.of();
        }

        @Override
        public Iterable<String> loadAllKeys() {
            return null;
        }

        @Override
        public void store(String key, SessionRecord value) {
        }

        @Override
        public void storeAll(Map<String, SessionRecord> map) {
        }

        @Override
        public void delete(String key) {
        }

        @Override
        public void deleteAll(Collection<String> keys) {
        }
    }

    @BeforeAll
    static void cluster() {
        String name = "session-store-test-" + UUID.randomUUID();
        int[] ports = {freePort(), freePort()};
        first = Hazelcast.newHazelcastInstance(member(name, ports[0], ports));
        second = Hazelcast.newHazelcastInstance(member(name, ports[1], ports));
        store = new HazelcastSessionStore(first.getMap(MAP), first.getMap("flags"), first.getMap("classes"), 60, null, null,
                Clock.systemUTC(), null, "node-1");
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.shutdown();
        }
        if (first != null) {
            first.shutdown();
        }
    }

    /** A port free now and not handed out before in this run: the system can give a port it just gave again. */
    private static int freePort() {
        while (true) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static Config member(String clusterName, int port, int[] all) {
        Config c = new Config().setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        c.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        c.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        c.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
                .addMember("127.0.0.1:" + all[0]).addMember("127.0.0.1:" + all[1]);
        c.addMapConfig(new MapConfig(MAP).setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMapStoreConfig(new MapStoreConfig().setEnabled(true).setImplementation(new CountingTable())
                        .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY)));
        c.addMapConfig(new MapConfig(NEAR_MAP).setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT)
                .setNearCacheConfig(new NearCacheConfig().setInMemoryFormat(InMemoryFormat.OBJECT).setCacheLocalEntries(true)));
        return c;
    }

    private static SessionDelta cart(String value) {
        return new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 60, false, false,
                Map.of("cart", new SessionDelta.Change(0, value.getBytes(StandardCharsets.UTF_8))), null);
    }

    @Test
    void shouldStoreANewSessionsFirstRecordWithoutLoadingFromTheTable() {
        assertEquals(2, first.getCluster().getMembers().size(), "two members: the record has a backup");
        int before = LOADS.get();
        for (int i = 0; i < 20; i++) {
            String uid = "new-" + i + "-" + UUID.randomUUID();
            SessionRecord.Applied applied = store.create(uid, cart("item " + i));
            assertEquals(1, applied.version());
            SessionRecord stored = store.load(uid).orElseThrow();
            assertEquals("item " + i, new String(stored.attributes().get("cart").value(), StandardCharsets.UTF_8));
        }
        assertEquals(before, LOADS.get(), "loads from the table for 20 new sessions, on owners and backups");
    }

    @Test
    void shouldLoadFromTheTableWhenChangingARecordTheMapDoesNotHold() {
        int before = LOADS.get();
        store.apply("unknown-" + UUID.randomUUID(), cart("item"));
        assertTrue(LOADS.get() > before, "an entry processor on a key the map does not hold asks the table first");
    }
    /** A node's store on {@code member} over the near-cached map, keeping the records it stores, as a node does. */
    private static HazelcastSessionStore keepingCopies(HazelcastInstance member, String node) {
        HazelcastSessionStore s = new HazelcastSessionStore(member.getMap(NEAR_MAP), member.getMap("flags"), member.getMap("classes"),
                60, new WrittenRecords(100), new SessionEnds(member, member.getExecutorService(SessionEnds.EXECUTOR), NEAR_MAP),
                Clock.systemUTC(), null, node);
        s.forgetRemoved();
        return s;
    }

    /**
     * A session signed out on one node is served by no node to a client replaying its cookies
     * (its UID and the version it was answered with) once the sign-out is answered: not from the
     * other node's near cache, which Hazelcast invalidates only in batches, nor from the record a
     * node stored last. Keys owned by either member.
     */
    @Test
    void shouldServeNoCopyOfASignedOutSessionOnAnyNodeOnceTheSignOutReturns() {
        HazelcastSessionStore one = keepingCopies(first, "node-1");
        HazelcastSessionStore two = keepingCopies(second, "node-2");
        try {
            for (int i = 0; i < 12; i++) {
                String uid = "signed-out-" + i + "-" + UUID.randomUUID();
                one.create(uid, cart("item " + i));
                SessionRecord stored = one.load(uid).orElseThrow();
                if (i % 2 == 0) {
                    two.wrote(stored); // node 2 stored it last
                } else {
                    one.wrote(stored);
                }
                assertTrue(two.load(uid, stored.version()).isPresent(), "node 2 serves the session (a miss fills its near cache)");
                assertTrue(two.load(uid, stored.version()).isPresent(), "node 2 serves the session from a copy it holds");
                one.apply(uid, new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 60, false, true, Map.of(), null));
                assertTrue(two.load(uid, stored.version()).isEmpty(), "node 2 served the signed-out session " + uid);
                assertTrue(one.load(uid, stored.version()).isEmpty(), "node 1 served the signed-out session " + uid);
            }
        } finally {
            one.close();
            two.close();
        }
    }

    /**
     * Two requests that change the same attribute, through the real entry processor on keys owned by
     * either member: the second is answered with the value the first stored, and the version.
     */
    @Test
    void shouldAnswerAStoreBasedOnAnOldVersionWithWhatWasStoredMeanwhile() {
        for (int i = 0; i < 12; i++) {
            String uid = "conflict-" + i + "-" + UUID.randomUUID();
            store.create(uid, cart("first"));
            SessionRecord.Applied one = store.apply(uid, new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 60,
                    false, false, Map.of("cart", new SessionDelta.Change(1, "one".getBytes(StandardCharsets.UTF_8))), null));
            assertEquals(2, one.version());
            assertTrue(one.conflicts().isEmpty());
            SessionRecord.Applied two = store.apply(uid, new SessionDelta(System.currentTimeMillis(), "node-2", null, null, 60,
                    false, false, Map.of("cart", new SessionDelta.Change(1, "two".getBytes(StandardCharsets.UTF_8)),
                            "other", new SessionDelta.Change(0, "x".getBytes(StandardCharsets.UTF_8))), null));
            assertEquals(3, two.version(), "the other attribute is stored");
            assertEquals(Map.of("cart", 2L), Map.of("cart", two.conflicts().get("cart").version()));
            assertEquals("one", new String(two.conflicts().get("cart").value(), StandardCharsets.UTF_8));
            assertEquals(1, two.conflicts().size());
        }
    }

    /**
     * A one-byte change to a 50 KB attribute sent as a patch, through the real entry processor:
     * the owner and its backup both make the new value from the bytes they hold, so a client of the
     * member left after the owner dies abruptly ({@code terminate}, no hand-over) reads it.
     */
    @Test
    void shouldKeepAPatchedChangeOnTheOwnerAndOnItsBackup() {
        String name = "patch-test-" + UUID.randomUUID();
        int[] ports = {freePort(), freePort()};
        HazelcastInstance a = Hazelcast.newHazelcastInstance(member(name, ports[0], ports));
        HazelcastInstance b = Hazelcast.newHazelcastInstance(member(name, ports[1], ports));
        try {
            HazelcastSessionStore viaA = new HazelcastSessionStore(a.getMap(MAP), a.getMap("flags"), a.getMap("classes"), 60, null, null,
                    Clock.systemUTC(), null, "node-1");
            byte[] read = new byte[51_200];
            new java.util.Random(4).nextBytes(read);
            java.util.List<String> uids = new java.util.ArrayList<>();
            java.util.Map<String, byte[]> expected = new java.util.HashMap<>();
            for (int i = 0; i < 12; i++) { // owned by either member
                String uid = "patched-" + i + "-" + UUID.randomUUID();
                viaA.create(uid, new SessionDelta(System.currentTimeMillis(), "node-1", null, null, 60, false, false,
                        Map.of("blob", new SessionDelta.Change(0, read)), null));
                SessionRecord stored = viaA.load(uid).orElseThrow();
                byte[] changed = read.clone();
                changed[27 + i]++;
                SessionDelta.Change change = new SessionDelta.Change(stored.attributes().get("blob").version(), changed, false,
                        org.qoscluster.session.BytePatch.between(read, changed, 27 + i));
                SessionRecord.Applied applied = viaA.apply(uid, new SessionDelta(System.currentTimeMillis(), "node-1", null, null,
                        60, false, false, Map.of("blob", change), null));
                assertTrue(applied.conflicts().isEmpty());
                org.junit.jupiter.api.Assertions.assertArrayEquals(changed, viaA.load(uid).orElseThrow().attributes().get("blob").value());
                uids.add(uid);
                expected.put(uid, changed);
            }
            b.getLifecycleService().terminate(); // the records it owned live on as the backups on a
            HazelcastSessionStore survivor = new HazelcastSessionStore(a.getMap(MAP), a.getMap("flags"), a.getMap("classes"), 60,
                    null, null, Clock.systemUTC(), null, "node-1");
            for (String uid : uids) {
                SessionRecord kept = survivor.load(uid).orElseThrow(() -> new AssertionError("record lost: " + uid));
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(uid), kept.attributes().get("blob").value(), uid);
            }
        } finally {
            b.getLifecycleService().terminate();
            a.shutdown();
        }
    }
}
