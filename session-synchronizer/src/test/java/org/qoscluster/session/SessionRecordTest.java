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
    private static byte[] blob(long seed, int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The change as the owner receives it: the patch of the bytes read alone. */
    private static SessionDelta.Change patched(long base, byte[] read, byte[] value) {
        BytePatch patch = BytePatch.between(read, value, java.util.Arrays.mismatch(read, value));
        assertTrue(patch != null, "a patch");
        return new SessionDelta.Change(base, value, false, patch).onTheWire();
    }

    @Test
    void shouldApplyAPatchToTheBytesItWasMadeFromAtTheVersionRead() {
        byte[] read = blob(1, 50_000);
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("blob", new SessionDelta.Change(0, read)))).record();
        byte[] value = read.clone();
        value[30]++;
        SessionDelta.Change change = patched(start.version(), read, value);
        assertNull(change.value());
        SessionRecord.Applied applied = SessionRecord.apply(UID, start, delta(1_100, Map.of("blob", change)));
        assertTrue(applied.conflicts().isEmpty());
        assertArrayEquals(value, applied.record().attributes().get("blob").value());
        assertEquals(applied.version(), applied.record().attributes().get("blob").version());
    }

    @Test
    void shouldReportAConflictForAPatchBasedOnAnotherVersionAsForAWholeValue() {
        byte[] read = blob(2, 10_000);
        SessionRecord start = SessionRecord.apply(UID, null, delta(1_000, Map.of("blob", new SessionDelta.Change(0, read)))).record();
        byte[] theirs = read.clone();
        theirs[5]++;
        SessionRecord afterA = SessionRecord.apply(UID, start, delta(1_100, Map.of("blob", patched(start.version(), read, theirs))))
                .record();
        byte[] mine = read.clone();
        mine[9_000]++;
        SessionRecord.Applied b = SessionRecord.apply(UID, afterA, delta(1_200, Map.of("blob", patched(start.version(), read, mine))));
        assertArrayEquals(theirs, b.conflicts().get("blob").value(), "shown the value stored meanwhile");
        assertArrayEquals(theirs, b.record().attributes().get("blob").value(), "the patch is not applied");
    }

    @Test
    void shouldReportAConflictForAPatchWhoseVersionMatchesBytesItWasNotMadeFrom() {
        // The record expired and was made again under the UID: its attribute has the version the
        // request read, but other bytes. Applying the patch to them would make a value nobody wrote.
        byte[] read = blob(3, 10_000);
        byte[] remade = blob(4, 10_000);
        SessionRecord again = SessionRecord.apply(UID, null, delta(100_000, Map.of("blob", new SessionDelta.Change(0, remade))))
                .record();
        byte[] mine = read.clone();
        mine[0]++;
        SessionRecord.Applied applied = SessionRecord.apply(UID, again, delta(100_100, Map.of("blob", patched(again.version(), read, mine))));
        assertArrayEquals(remade, applied.conflicts().get("blob").value());
        assertArrayEquals(remade, applied.record().attributes().get("blob").value());
    }

    /**
     * Two requests at a time read the record, change a large attribute (or another one) in place
     * and store in either order, retrying their conflicts as the filter does: sent as patches, the
     * owner ends with exactly the records and conflicts it ends with when every value is sent whole.
     */
    @Test
    void shouldEndAlikeWhetherChangesTravelAsPatchesOrWhole() {
        for (long seed = 0; seed < 300; seed++) {
            java.util.Random random = new java.util.Random(seed);
            byte[] first = blob(seed, 300 + random.nextInt(20_000));
            Map<String, SessionDelta.Change> start = Map.of("blob", new SessionDelta.Change(0, first), "n", set(0, "0"));
            SessionRecord whole = SessionRecord.apply(UID, null, delta(1_000, start)).record();
            SessionRecord patch = SessionRecord.apply(UID, null, delta(1_000, start)).record();
            SessionRecord older = whole;
            for (int round = 0; round < 20; round++) {
                SessionRecord readA = whole;
                SessionRecord readB = random.nextBoolean() ? whole : older; // a stale copy
                older = whole;
                java.util.List<Map<String, SessionDelta.Change>> asWhole = new java.util.ArrayList<>();
                java.util.List<Map<String, SessionDelta.Change>> asPatch = new java.util.ArrayList<>();
                SessionRecord[] reads = {readA, readB};
                for (int r = 0; r < 2; r++) {
                    String name = random.nextInt(3) == 0 ? "n" : "blob";
                    StoredAttribute was = reads[r].attributes().get(name);
                    byte[] value = was.value().clone();
                    value[random.nextInt(value.length)] ^= (byte) (1 + random.nextInt(255));
                    SessionDelta.Change full = new SessionDelta.Change(was.version(), value);
                    BytePatch p = BytePatch.between(was.value(), value, java.util.Arrays.mismatch(was.value(), value));
                    asWhole.add(Map.of(name, full));
                    asPatch.add(Map.of(name, new SessionDelta.Change(was.version(), value, false, p).onTheWire()));
                }
                int[] order = random.nextBoolean() ? new int[] {0, 1} : new int[] {1, 0};
                for (int r : order) {
                    long now = 1_000 + round * 10L + r;
                    SessionRecord.Applied w = SessionRecord.apply(UID, whole, delta(now, asWhole.get(r)));
                    SessionRecord.Applied p = SessionRecord.apply(UID, patch, delta(now, asPatch.get(r)));
                    assertEquals(w.conflicts().keySet(), p.conflicts().keySet(), "seed " + seed + " round " + round);
                    for (String name : w.conflicts().keySet()) {
                        assertArrayEquals(w.conflicts().get(name).value(), p.conflicts().get(name).value());
                        assertEquals(w.conflicts().get(name).version(), p.conflicts().get(name).version());
                    }
                    whole = w.record();
                    patch = p.record();
                    if (!w.conflicts().isEmpty()) {
                        // The filter sends the conflicting attribute again, whole and forced (not mergeable).
                        Map<String, SessionDelta.Change> forced = new HashMap<>();
                        asWhole.get(r).forEach((name, c) -> forced.put(name, new SessionDelta.Change(
                                w.conflicts().get(name).version(), c.value(), true)));
                        whole = SessionRecord.apply(UID, whole, delta(now, forced)).record();
                        patch = SessionRecord.apply(UID, patch, delta(now, forced)).record();
                    }
                    assertEquals(whole.version(), patch.version());
                    assertEquals(whole.attributes().keySet(), patch.attributes().keySet());
                    for (String name : whole.attributes().keySet()) {
                        assertArrayEquals(whole.attributes().get(name).value(), patch.attributes().get(name).value(),
                                "seed " + seed + " round " + round + ": " + name);
                        assertEquals(whole.attributes().get(name).version(), patch.attributes().get(name).version());
                    }
                }
            }
        }
    }
}
