package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpSession;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionContext;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;

/**
 * When a node may serve a request from a copy of the session it holds: never older than what the
 * user's client was last answered with, so a user whose requests alternate between nodes whose
 * near caches learn of changes late sees every change they were answered about, and overlapping
 * requests based on stale copies lose no change; and a request that changes nothing stores nothing.
 */
class LocalCopyTest {

    private static final long NOW = 1_000_000;
    private static final com.hazelcast.internal.serialization.SerializationService WIRE =
            new com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder().build();
    private final SessionSettings settings = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");

    private static SessionRecord record(long version, long lastAccess) {
        return new SessionRecord("uid-1", 0, lastAccess, 1800, version, Map.of(), null, null, null, null);
    }

    @Test
    void shouldUseACopyOnlyWhenItIsAtLeastTheVersionTheClientSawAndNotExpired() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long seen = random.nextInt(6);
            SessionRecord copy = random.nextInt(8) == 0 ? null
                    : record(1 + random.nextInt(6), NOW - random.nextInt(2) * 1_800_000L);
            boolean expected = copy != null && seen > 0 && copy.version() >= seen && !copy.expired(NOW);
            assertEquals(expected, LocalCopy.usable(copy, seen, NOW), "seen " + seen + ", copy "
                    + (copy == null ? "none" : copy.version() + (copy.expired(NOW) ? " expired" : "")));
        }
    }

    @Test
    void shouldAskTheNearCacheOnlyWhenTheNodesOwnCopyWillNotDoAndTheOwnerOnlyWhenNeitherWill() {
        SessionRecord owner = record(5, NOW);
        List<String> asked = new ArrayList<>();
        assertSame(owner, LocalCopy.choose(0, NOW, record(5, NOW), () -> { asked.add("near"); return owner; },
                () -> { asked.add("owner"); return owner; }), "version unknown: the owner");
        assertEquals(List.of("owner"), asked);
        asked.clear();
        SessionRecord mine = record(5, NOW);
        assertSame(mine, LocalCopy.choose(5, NOW, mine, () -> { asked.add("near"); return null; },
                () -> { asked.add("owner"); return null; }));
        assertEquals(List.of(), asked, "the node's own copy is enough: nothing asked");
        SessionRecord near = record(6, NOW);
        assertSame(near, LocalCopy.choose(6, NOW, mine, () -> { asked.add("near"); return near; },
                () -> { asked.add("owner"); return null; }));
        assertEquals(List.of("near"), asked);
        asked.clear();
        assertSame(owner, LocalCopy.choose(7, NOW, mine, () -> { asked.add("near"); return near; },
                () -> { asked.add("owner"); return owner; }), "both too old: the owner, whatever it holds");
        assertEquals(List.of("near", "owner"), asked);
    }

    @Test
    void shouldTrustOnlyTheNearCachesNoRecordForAClientAnsweredWithNoVersion() {
        List<String> asked = new ArrayList<>();
        SessionRecord owner = record(5, NOW);
        assertNull(LocalCopy.choose(VersionCookie.NONE, NOW, null, () -> { asked.add("near"); return null; },
                () -> { asked.add("owner"); return owner; }), "no record at hand: none, as the near cache says");
        assertEquals(List.of("near"), asked);
        asked.clear();
        assertNull(LocalCopy.choose(VersionCookie.NONE, NOW, record(3, NOW), () -> { asked.add("near"); return record(3, NOW); },
                () -> { asked.add("owner"); return null; }), "a copy here, ended on the owner since (a sign-out): none");
        assertEquals("owner", asked.get(asked.size() - 1));
        asked.clear();
        assertSame(owner, LocalCopy.choose(VersionCookie.NONE, NOW, null, () -> { asked.add("near"); return record(4, NOW); },
                () -> { asked.add("owner"); return owner; }), "a copy in the near cache: the owner's");
        assertEquals(List.of("near", "owner"), asked);
    }

    @Test
    void shouldReadTheVersionOnlyForTheSameUid() {
        assertEquals("42.abcdefgh", VersionCookie.encode("abcdefghijkl", 42));
        assertEquals(42, VersionCookie.decode("42.abcdefgh", "abcdefghijkl"));
        assertEquals(0, VersionCookie.decode("42.zzzzzzzz", "abcdefghijkl"), "another UID's version");
        for (String bad : new String[] {"", ".abcdefgh", "x.abcdefgh", "-1.abcdefgh", "99999999999999999999.abcdefgh", "42"}) {
            assertEquals(0, VersionCookie.decode(bad, "abcdefghijkl"), bad);
        }
        assertEquals(0, VersionCookie.decode(null, "abcdefghijkl"));
    }

    /**
     * A cluster in memory: the owner's records with the real merge, and per node a near cache that
     * hears of other nodes' changes only when the test delivers the invalidation, plus the records
     * the node wrote last; each node loads with {@link LocalCopy#choose}, as the Hazelcast store does.
     */
    private static final class Cluster {
        final Map<String, SessionRecord> owner = new HashMap<>();
        final List<Node> nodes = List.of(new Node(), new Node());
        int storesApplied;
        int patchesApplied;

        final class Node implements SessionStore {
            final Map<String, SessionRecord> near = new HashMap<>();
            final WrittenRecords written = new WrittenRecords(100);

            @Override
            public Optional<SessionRecord> load(String uid) {
                return Optional.ofNullable(owner.get(uid));
            }

            @Override
            public Optional<SessionRecord> load(String uid, long seen) {
                return Optional.ofNullable(LocalCopy.choose(seen, NOW, written.get(uid),
                        () -> near.computeIfAbsent(uid, owner::get), () -> owner.get(uid)));
            }

            @Override
            public SessionRecord.Applied apply(String uid, SessionDelta delta) {
                storesApplied++;
                // As it reaches the owner: through Hazelcast's serialization (a patch travels alone).
                SessionDelta arrived = ((ApplyDelta) WIRE.toObject(WIRE.toData(new ApplyDelta(delta)))).delta();
                SessionRecord.Applied a = SessionRecord.apply(uid, owner.get(uid), arrived);
                arrived.changes().forEach((name, c) -> {
                    if (c.patch() != null && !a.conflicts().containsKey(name)) {
                        patchesApplied++;
                    }
                });
                if (a.record() == null) {
                    owner.remove(uid);
                } else {
                    owner.put(uid, a.record());
                }
                near.remove(uid); // invalidated at once on the member that changed it
                return a;
            }

            @Override
            public void wrote(SessionRecord record) {
                written.put(record);
            }

            @Override
            public void forget(String uid, long version) {
                written.forgetOlder(uid, version);
            }

            @Override
            public void publish(String uid, StateChangeFlag flag) {
            }
        }

        /** The other nodes learn of the change, in some order, some time later. */
        void deliverInvalidation(Node node, String uid) {
            node.near.remove(uid);
        }
    }

    /** A browser: the UID and the version cookie it was last answered with. */
    private final class Client {
        final String uid = "user-0123456789";
        String versionCookie;
        final AtomicInteger uids = new AtomicInteger();

        RequestSession request(Cluster.Node node) {
            long seen = versionCookie == null ? VersionCookie.NONE : VersionCookie.decode(versionCookie, uid);
            SessionRecord loaded = node.load(uid, seen).orElse(null);
            SessionContext context = new SessionContext(uid, "standard", "node-1", null, null, null);
            return new RequestSession(node, settings, context, loaded, null, getClass().getClassLoader(), NOW,
                    () -> "moved-" + uids.incrementAndGet(), u -> { }, () -> 0, () -> null);
        }

        /** Stores the request's session and keeps the version cookie the filter would set. */
        void answered(RequestSession request) {
            request.store();
            if (request.version() > 0) {
                versionCookie = VersionCookie.encode(request.uid(), request.version());
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldShowAUserEveryChangeTheyWereAnsweredAboutWhateverNodeAndHoweverLateTheNearCachesLearn() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            Cluster cluster = new Cluster();
            Client client = new Client();
            Map<String, Integer> expected = new HashMap<>();
            List<Integer> expectedList = new ArrayList<>();
            RequestSession first = client.request(cluster.nodes.get(0));
            first.session(true).setAttribute("list", new ArrayList<Integer>());
            client.answered(first);
            for (int step = 0; step < 40; step++) {
                Cluster.Node node = cluster.nodes.get(random.nextInt(2));
                RequestSession request = client.request(node);
                HttpSession session = request.session(false);
                for (Map.Entry<String, Integer> e : expected.entrySet()) {
                    assertEquals(e.getValue(), session.getAttribute(e.getKey()), "seed " + seed + " step " + step + ": " + e.getKey());
                }
                List<Integer> list = (List<Integer>) session.getAttribute("list");
                assertEquals(expectedList, list, "seed " + seed + " step " + step + ": the list");
                switch (random.nextInt(3)) {
                    case 0 -> {
                        String name = "n" + random.nextInt(3);
                        session.setAttribute(name, step);
                        expected.put(name, step);
                    }
                    case 1 -> {
                        list.add(step); // changed in place, without setAttribute
                        expectedList.add(step);
                    }
                    default -> { } // reads only
                }
                client.answered(request);
                if (random.nextInt(3) == 0) {
                    cluster.deliverInvalidation(cluster.nodes.get(random.nextInt(2)), client.uid);
                }
            }
        }
    }

    @Test
    void shouldKeepBothChangesOfTwoOverlappingRequestsBasedOnStaleCopies() {
        for (long seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            Cluster cluster = new Cluster();
            Client client = new Client();
            RequestSession first = client.request(cluster.nodes.get(0));
            first.session(true).setAttribute("a", -1);
            client.answered(first);
            Map<String, Integer> expected = new HashMap<>(Map.of("a", -1));
            for (int round = 0; round < 20; round++) {
                // Both read (one node's near cache may be behind), then both store.
                RequestSession one = client.request(cluster.nodes.get(0));
                RequestSession two = client.request(cluster.nodes.get(1));
                one.session(false).setAttribute("a", round);
                two.session(false).setAttribute("b" + round, round);
                expected.put("a", round);
                expected.put("b" + round, round);
                if (random.nextBoolean()) {
                    client.answered(one);
                    client.answered(two);
                } else {
                    client.answered(two);
                    client.answered(one);
                }
                if (random.nextBoolean()) {
                    cluster.deliverInvalidation(cluster.nodes.get(random.nextInt(2)), client.uid);
                }
            }
            SessionRecord stored = cluster.owner.get(client.uid);
            for (Map.Entry<String, Integer> e : expected.entrySet()) {
                Client checker = new Client();
                checker.versionCookie = "unreadable"; // a version that tells nothing: the owner's copy
                RequestSession check = checker.request(cluster.nodes.get(0));
                assertEquals(e.getValue(), check.session(false).getAttribute(e.getKey()), "seed " + seed + ": " + e.getKey());
            }
            assertEquals(expected.keySet(), stored.attributes().keySet());
        }
    }

    @Test
    void shouldDropTheNodesCopyOnceAStoreOfItMetAChangeFromElsewhere() {
        Cluster cluster = new Cluster();
        Client client = new Client();
        Cluster.Node one = cluster.nodes.get(0);
        Cluster.Node two = cluster.nodes.get(1);
        RequestSession first = client.request(one);
        first.session(true).setAttribute("a", 1);
        client.answered(first);
        String told = client.versionCookie;
        RequestSession elsewhere = client.request(two);
        elsewhere.session(false).setAttribute("b", 1);
        client.answered(elsewhere);
        // An answer that arrived late left the client with the older version: node 1's copy serves it.
        client.versionCookie = told;
        RequestSession stale = client.request(one);
        assertNull(stale.session(false).getAttribute("b"), "node 1's copy, older than the owner's");
        stale.session(false).setAttribute("a", 2);
        client.answered(stale);
        assertEquals(3, cluster.owner.get(client.uid).version());
        assertNull(one.written.get(client.uid), "node 1 cannot tell what the owner holds now: its copy goes");
        RequestSession next = client.request(one);
        assertEquals(1, next.session(false).getAttribute("b"), "the next request reads the owner's copy");
        assertEquals(2, next.session(false).getAttribute("a"));
    }

    @Test
    void shouldNotReachTheSessionDatabaseForARequestThatOnlyReads() {
        Cluster cluster = new Cluster();
        Client client = new Client();
        RequestSession first = client.request(cluster.nodes.get(0));
        HttpSession created = first.session(true);
        created.setAttribute("name", "Ann");
        created.setAttribute("count", 3);
        created.setAttribute("cart", new ArrayList<>(List.of(1, 2)));
        client.answered(first);
        assertEquals(1, cluster.storesApplied);
        for (int i = 0; i < 3; i++) {
            RequestSession read = client.request(cluster.nodes.get(i % 2));
            HttpSession session = read.session(false);
            assertEquals("Ann", session.getAttribute("name"));
            assertEquals(3, session.getAttribute("count"));
            assertEquals(List.of(1, 2), session.getAttribute("cart"));
            session.setAttribute("count", 3); // the same value again
            client.answered(read);
        }
        assertEquals(1, cluster.storesApplied, "nothing changed: nothing stored");
        assertNull(cluster.nodes.get(1).written.get(client.uid), "node 2 wrote nothing");
        assertTrue(cluster.nodes.get(0).written.get(client.uid) != null, "node 1 keeps what it wrote");
    }
    /** A large value the application changes in place; two requests' changes merge (counts add up). */
    static final class Tally implements java.io.Serializable, org.qoscluster.session.SessionMergeable<Tally> {
        private static final long serialVersionUID = 1L;
        final int[] counts = new int[2_000];

        @Override
        public Tally mergeConcurrent(Tally base, Tally theirs) {
            Tally merged = new Tally();
            for (int i = 0; i < counts.length; i++) {
                int b = base == null ? 0 : base.counts[i];
                merged.counts[i] = (theirs == null ? 0 : theirs.counts[i]) + counts[i] - b;
            }
            return merged;
        }
    }

    /**
     * Requests of one user, one or two at a time on either node, each counting one event in place
     * in an 8 KB value: a change travels as a patch of the bytes the request read, two overlapping
     * ones merge, and no count is lost, also when a request is based on a node's stale copy.
     */
    @Test
    void shouldLoseNoChangeToALargeValueChangedInPlaceWhileSendingPatches() {
        for (long seed = 0; seed < 60; seed++) {
            Random random = new Random(seed);
            Cluster cluster = new Cluster();
            Client client = new Client();
            RequestSession first = client.request(cluster.nodes.get(0));
            first.session(true).setAttribute("tally", new Tally());
            client.answered(first);
            int[] expected = new int[2_000];
            int stores = 0;
            for (int round = 0; round < 30; round++) {
                List<RequestSession> requests = new ArrayList<>();
                for (int r = 1 + random.nextInt(2); r > 0; r--) {
                    RequestSession request = client.request(cluster.nodes.get(random.nextInt(2)));
                    int slot = random.nextInt(expected.length);
                    ((Tally) request.session(false).getAttribute("tally")).counts[slot]++;
                    expected[slot]++;
                    requests.add(request);
                }
                java.util.Collections.shuffle(requests, random);
                for (RequestSession request : requests) {
                    client.answered(request);
                    stores++;
                }
                if (random.nextBoolean()) {
                    cluster.deliverInvalidation(cluster.nodes.get(random.nextInt(2)), client.uid);
                }
            }
            Client checker = new Client();
            checker.versionCookie = "unreadable"; // the owner's copy
            Tally stored = (Tally) checker.request(cluster.nodes.get(0)).session(false).getAttribute("tally");
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(stored.counts), "seed " + seed);
            assertTrue(cluster.patchesApplied >= 30, "seed " + seed + ": " + cluster.patchesApplied + " of " + stores
                    + " stores applied as patches; at least the first of each round is based on the owner's version");
        }
    }
}
