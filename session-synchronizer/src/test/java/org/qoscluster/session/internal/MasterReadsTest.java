package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MasterReadsTest {

    /** Against a model: a user's master row is read when none was read for it in the last minute. */
    @Test
    void shouldAllowOneMasterReadPerUserAMinuteWhateverTheOrderOfRequests() {
        for (long seed = 1; seed <= 200; seed++) {
            Random r = new Random(seed);
            MasterReads reads = new MasterReads(1_000);
            Map<String, Long> model = new HashMap<>();
            long now = r.nextInt(1_000_000);
            for (int i = 0; i < 500; i++) {
                now += r.nextInt(r.nextBoolean() ? 500 : 30_000);
                String uid = "user-" + r.nextInt(12);
                Long last = model.get(uid);
                boolean expected = last == null || now - last >= MasterReads.AGAIN_MS;
                if (expected) {
                    model.put(uid, now);
                }
                assertEquals(expected, reads.due(uid, now), "seed " + seed + ", request " + i + " of " + uid + " at " + now);
            }
        }
    }

    @Test
    void shouldForgetTheUsersAskedAboutLeastRecentlyFirstAndNeverHoldMoreThanItsCapacity() {
        MasterReads reads = new MasterReads(2);
        assertTrue(reads.due("a", 0));
        assertTrue(reads.due("b", 1));
        assertFalse(reads.due("a", 2), "a was read a moment ago");
        assertTrue(reads.due("c", 3), "c pushes out b, asked about least recently");
        assertFalse(reads.due("a", 4));
        assertTrue(reads.due("b", 5), "b was forgotten");
        assertTrue(reads.due("c", MasterReads.AGAIN_MS + 3), "a minute after c's read");
    }

    @Test
    void shouldReadAgainWhenTheClockWentBack() {
        MasterReads reads = new MasterReads(10);
        assertTrue(reads.due("a", 10_000));
        assertTrue(reads.due("a", 5_000), "a clock set back does not hold a user's reads off for longer than a minute");
        assertThrows(IllegalArgumentException.class, () -> new MasterReads(0));
    }
}
