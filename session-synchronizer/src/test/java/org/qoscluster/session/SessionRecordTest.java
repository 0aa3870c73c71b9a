package org.qoscluster.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.StateChangeFlag;

class SessionRecordTest {

    private static final String UID = "AAAAAAAAAAAAAAAAAAAAAA";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SessionDelta delta(long now, Map<String, SessionDelta.Change> changes) {
        return new SessionDelta(now, "node-1", null, null, 60, false, false, changes, null);
    }

    private static SessionDelta.Change set(long base, String value) {
        return new SessionDelta.Change(base, value == null ? null : b(value));
    }

    @Test
    void shouldKeepChangesOfTwoOverlappingRequestsToDifferentAttributes() {
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("cart", set(0, "c0"), "user", set(0, "u0")))).record();
        long v = start.version();
        // Both requests read version v; one changes the cart, the other the user.
        SessionRecord afterA = SessionRecord.apply(UID, start, delta(1_100, Map.of("cart", set(v, "c1")))).record();
        SessionRecord.Applied b = SessionRecord.apply(UID, afterA, delta(1_200, Map.of("user", set(v, "u1"))));
        assertTrue(b.conflicts().isEmpty());
        assertArrayEquals(b("c1"), b.record().attributes().get("cart").value());
        assertArrayEquals(b("u1"), b.record().attributes().get("user").value());
    }

    @Test
    void shouldReportTheStoredValueWhenAnotherRequestChangedTheSameAttributeFirst() {
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("cart", set(0, "c0")))).record();
        long v = start.version();
        SessionRecord afterA = SessionRecord.apply(UID, start, delta(1_100, Map.of("cart", set(v, "A")))).record();
        SessionRecord.Applied b = SessionRecord.apply(UID, afterA, delta(1_200, Map.of("cart", set(v, "B"), "x", set(0, "x"))));
        assertEquals(1, b.conflicts().size());
        StoredAttribute theirs = b.conflicts().get("cart");
        assertArrayEquals(b("A"), theirs.value());
        assertArrayEquals(b("A"), b.record().attributes().get("cart").value(), "the conflicting change is not applied");
        assertArrayEquals(b("x"), b.record().attributes().get("x").value(), "the rest of the delta is");
        // The caller merges and sends again against the version it was shown: now it applies.
        SessionRecord.Applied again = SessionRecord.apply(UID, b.record(), delta(1_300, Map.of("cart", set(theirs.version(), "AB"))));
        assertTrue(again.conflicts().isEmpty());
        assertArrayEquals(b("AB"), again.record().attributes().get("cart").value());
    }

    @Test
    void shouldApplyAForcedChangeWhateverTheStoredVersion() {
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("blob", set(0, "b0")))).record();
        SessionRecord afterA = SessionRecord.apply(UID, start, delta(1_100, Map.of("blob", set(start.version(), "A")))).record();
        SessionRecord.Applied forced = SessionRecord.apply(UID, afterA,
                delta(1_200, Map.of("blob", new SessionDelta.Change(start.version(), b("B"), true))));
        assertTrue(forced.conflicts().isEmpty());
        assertArrayEquals(b("B"), forced.record().attributes().get("blob").value());
    }

    @Test
    void shouldTreatARemovalByAnotherRequestAsAConflictWithAnAbsentValue() {
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("cart", set(0, "c0")))).record();
        long v = start.version();
        SessionRecord removed = SessionRecord.apply(UID, start, delta(1_100, Map.of("cart", set(v, null)))).record();
        assertFalse(removed.attributes().containsKey("cart"));
        SessionRecord.Applied b = SessionRecord.apply(UID, removed, delta(1_200, Map.of("cart", set(v, "B"))));
        assertFalse(b.conflicts().get("cart").present());
    }

    @Test
    void shouldStartAfreshFromAnExpiredRecordAndDeleteOnRemove() {
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("cart", set(0, "c0")))).record();
        assertFalse(start.expired(60_999));
        assertTrue(start.expired(61_000));
        SessionRecord.Applied late = SessionRecord.apply(UID, start, delta(61_000, Map.of("other", set(0, "o"))));
        assertFalse(late.record().attributes().containsKey("cart"), "nothing survives expiry");
        assertEquals(61_000, late.record().createdAt());
        SessionRecord.Applied gone = SessionRecord.apply(UID, start, new SessionDelta(2_000, "node-1", null, null, 60,
                false, true, Map.of(), null));
        assertNull(gone.record());
    }

    @Test
    void shouldKeepTheLatestStateChangeFlagAndItsNode() {
        SessionRecord start = SessionRecord.apply(UID, null, new SessionDelta(1_000, "node-2", null, null, 60, false, false,
                Map.of(), new StateChangeFlag("node-2", 7, 1_000))).record();
        assertEquals("node-2", start.lastWriteNode());
        SessionRecord older = SessionRecord.apply(UID, start, new SessionDelta(1_100, "node-1", null, null, 60, false, false,
                Map.of(), new StateChangeFlag("node-1", 5, 900))).record();
        assertEquals(7, older.flag().sequence(), "an older write never replaces a newer flag");
        assertEquals("node-2", older.lastWriteNode());
        Map<String, SessionDelta.Change> none = new HashMap<>();
        SessionRecord kept = SessionRecord.apply(UID, older, delta(1_200, none)).record();
        assertEquals(new StateChangeFlag("node-2", 7, 1_000), kept.flag());
    }

    private static SessionDelta classes(long now, String session, String principal, boolean replace) {
        return new SessionDelta(now, "node-1", session, principal, 60, replace, false, Map.of(), null);
    }

    @Test
    void shouldKeepTheUserClassesUntilARequestChangesOrRemovesThem() {
        SessionRecord r = SessionRecord.apply(UID, null, classes(1_000, "gold", null, false)).record();
        assertEquals(new org.qoscluster.contract.UserClasses("gold", null), r.userClasses());
        r = SessionRecord.apply(UID, r, classes(1_100, null, "silver", false)).record();
        assertEquals(new org.qoscluster.contract.UserClasses("gold", "silver"), r.userClasses(), "null keeps the stored class");
        r = SessionRecord.apply(UID, r, delta(1_200, Map.of("cart", set(0, "c")))).record();
        assertEquals(new org.qoscluster.contract.UserClasses("gold", "silver"), r.userClasses(), "a request that sets none keeps both");
        r = SessionRecord.apply(UID, r, classes(1_300, "", null, false)).record();
        assertEquals(new org.qoscluster.contract.UserClasses(null, "silver"), r.userClasses(), "empty removes");
        r = SessionRecord.apply(UID, r, classes(1_400, null, null, true)).record();
        assertTrue(r.userClasses().isEmpty(), "a record written anew holds only what its delta carries");
        SessionRecord expired = SessionRecord.apply(UID, SessionRecord.apply(UID, null, classes(1_000, "gold", null, false)).record(),
                classes(1_000 + 61_000, null, null, false)).record();
        assertTrue(expired.userClasses().isEmpty(), "an expired session's class is gone with it");
    }
}
