package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.session.SessionContext;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;

/**
 * What a request tells the router about the session's user classes: the record holds them, the
 * user-class map gets them when they change, the session moves to another UID or is kept alive,
 * and the response announces them; nothing is published when nothing changed. Also which store
 * operation each write takes: the first record under a UID minted for the request is created
 * without a look at the cluster's, every later change applied on the owner.
 */
class UserClassPublishingTest {

    private final SessionSettings settings = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");
    private final Store store = new Store();
    private final AtomicInteger uids = new AtomicInteger();

    /** The session database in memory, applying deltas with the real merge, and what was published. */
    private static final class Store implements SessionStore {
        final Map<String, SessionRecord> records = new HashMap<>();
        final List<String> published = new ArrayList<>();
        final List<String> writes = new ArrayList<>();

        @Override
        public Optional<SessionRecord> load(String uid) {
            return Optional.ofNullable(records.get(uid));
        }

        @Override
        public SessionRecord.Applied create(String uid, SessionDelta delta) {
            writes.add("create " + uid);
            return change(uid, delta);
        }

        @Override
        public SessionRecord.Applied apply(String uid, SessionDelta delta) {
            writes.add("apply " + uid);
            return change(uid, delta);
        }

        private SessionRecord.Applied change(String uid, SessionDelta delta) {
            SessionRecord.Applied a = SessionRecord.apply(uid, records.get(uid), delta);
            if (a.record() == null) {
                records.remove(uid);
            } else {
                records.put(uid, a.record());
            }
            return a;
        }

        @Override
        public void publish(String uid, StateChangeFlag flag) {
        }

        @Override
        public void publish(String uid, UserClasses classes, int ttlSeconds) {
            published.add(uid + "=" + classes.encode() + " ttl " + ttlSeconds);
        }
    }

    /** One request of the user {@code uid} at {@code now}, whose principal's class is {@code principal}. */
    private RequestSession request(String uid, long now, String principal, SessionContext[] context) {
        SessionRecord loaded = store.records.get(uid);
        context[0] = new SessionContext(uid, "standard", "node-1", null, null, loaded == null ? null : loaded.userClass());
        return new RequestSession(store, settings, context[0], loaded, null, getClass().getClassLoader(), now,
                () -> "uid-" + uids.incrementAndGet(), rotated -> { }, () -> 0, () -> principal);
    }

    @Test
    void shouldCreateTheFirstRecordOfAMintedUidAndApplyEveryChangeAfterIt() {
        SessionContext[] c = new SessionContext[1];
        RequestSession first = request("u", 1_000, null, c);
        first.uidMintedForThisRequest();
        first.session(true).setAttribute("cart", "a");
        first.store();
        RequestSession second = request("u", 2_000, null, c);
        second.uidMintedForThisRequest(); // a record exists: not taken as new
        second.session(false).setAttribute("cart", "b");
        second.store();
        RequestSession signIn = request("u", 3_000, null, c);
        signIn.session(false);
        String moved = signIn.changeId();
        signIn.store();
        RequestSession old = request("v", 4_000, null, c);
        old.session(true).setAttribute("cart", "c");
        old.store();
        assertEquals(List.of("create u", "apply u", "create " + moved, "apply u", "apply v"), store.writes,
                "the new UID created, then the old one's removal applied; a presented UID without a record applied");
        assertTrue(store.records.containsKey(moved) && !store.records.containsKey("u"), "the session moved");
    }

    @Test
    void shouldPublishAndAnnounceAClassTheApplicationSetsOnlyWhenItChanges() {
        SessionContext[] c = new SessionContext[1];
        RequestSession first = request("u", 1_000, null, c);
        first.session(true);
        c[0].setUserClass("gold");
        first.store();
        assertEquals(new UserClasses("gold", null), store.records.get("u").userClasses());
        assertEquals(List.of("u=gold| ttl 1800"), store.published);
        assertEquals("u gold|", first.takeAnnouncement());
        assertNull(first.takeAnnouncement(), "announced once");

        RequestSession second = request("u", 2_000, null, c);
        assertEquals(Optional.of("gold"), c[0].sessionUserClass(), "the application reads what the session holds");
        second.session(false).setAttribute("cart", "c");
        second.store();
        assertEquals(1, store.published.size(), "unchanged: nothing published");
        assertNull(second.takeAnnouncement());

        RequestSession third = request("u", 3_000, null, c);
        third.session(false);
        c[0].clearUserClass();
        third.store();
        assertTrue(store.records.get("u").userClasses().isEmpty());
        assertEquals("u=| ttl 1800", store.published.get(1), "a session without a class leaves the map");
        assertEquals("u |", third.takeAnnouncement());
    }

    @Test
    void shouldCarryTheClassesToANewIdAndDropThemWithAnInvalidatedSession() {
        SessionContext[] c = new SessionContext[1];
        RequestSession first = request("u", 1_000, "silver", c);
        first.session(true);
        c[0].setUserClass("gold");
        first.store();
        assertEquals(List.of("u=gold|silver ttl 1800"), store.published);

        RequestSession signIn = request("u", 2_000, null, c);
        signIn.session(false);
        String moved = signIn.changeId();
        signIn.store();
        assertEquals(new UserClasses("gold", "silver"), store.records.get(moved).userClasses(), "carried to the new UID");
        assertEquals(List.of("u=| ttl 1800", moved + "=gold|silver ttl 1800"), store.published.subList(1, 3));
        assertEquals(moved + " gold|silver", signIn.takeAnnouncement());

        RequestSession signOut = request(moved, 3_000, null, c);
        signOut.session(false).invalidate();
        signOut.store();
        assertEquals(moved + "=| ttl 1800", store.published.get(3), "the old UID leaves the map");
        assertEquals(4, store.published.size());
        assertTrue(store.records.isEmpty());
    }

    @Test
    void shouldFollowThePrincipalsClassAndDropItAtLogout() {
        SessionContext[] c = new SessionContext[1];
        RequestSession first = request("u", 1_000, "gold", c);
        first.session(true);
        first.store();
        assertEquals(new UserClasses(null, "gold"), store.records.get("u").userClasses());
        RequestSession none = request("u", 2_000, null, c);
        none.session(false).setAttribute("x", "y");
        none.store();
        assertEquals(new UserClasses(null, "gold"), store.records.get("u").userClasses(), "no principal: kept");
        RequestSession other = request("u", 3_000, "", c);
        other.session(false);
        other.store();
        assertTrue(store.records.get("u").userClasses().isEmpty(), "a principal with no class's role: none");
        RequestSession again = request("u", 4_000, "gold", c);
        again.session(false);
        again.principalLoggedOut();
        again.store();
        assertEquals(new UserClasses(null, "gold"), store.records.get("u").userClasses(), "a principal at store time wins");
        RequestSession out = request("u", 5_000, null, c);
        out.session(false);
        out.principalLoggedOut();
        out.store();
        assertTrue(store.records.get("u").userClasses().isEmpty(), "logged out: gone");
    }

    @Test
    void shouldRepublishWhenTheSessionIsKeptAliveSoTheEntryLivesAsLongAsIt() {
        SessionContext[] c = new SessionContext[1];
        RequestSession first = request("u", 1_000, null, c);
        first.session(true);
        c[0].setUserClass("gold");
        first.store();
        RequestSession later = request("u", 1_000 + 61_000, null, c);
        later.session(false).getAttribute("nothing");
        later.store();
        assertEquals(List.of("u=gold| ttl 1800", "u=gold| ttl 1800"), store.published);
        assertThrows(IllegalArgumentException.class, () -> c[0].setUserClass("Gold Plus"));
    }
}
