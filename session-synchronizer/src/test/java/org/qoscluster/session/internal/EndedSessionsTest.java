package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class EndedSessionsTest {

    /** Against a model: a UID counts as ended for the hold after its latest end, whatever the order of ends and requests. */
    @Test
    void shouldHoldEachEndForItsHoldAfterTheLatestEnd() {
        for (long seed = 1; seed <= 200; seed++) {
            Random r = new Random(seed);
            EndedSessions ended = new EndedSessions(1_000);
            Map<String, Long> model = new HashMap<>();
            long now = r.nextInt(1_000_000);
            for (int i = 0; i < 500; i++) {
                now += r.nextInt(r.nextBoolean() ? 5_000 : 200_000);
                String uid = "user-" + r.nextInt(12);
                if (r.nextInt(4) == 0) {
                    ended.end(uid, now);
                    model.put(uid, now);
                } else {
                    Long at = model.get(uid);
                    boolean expected = at != null && now - at < EndedSessions.HOLD_MS;
                    assertEquals(expected, ended.ended(uid, now), "seed " + seed + ", step " + i + " of " + uid + " at " + now);
                }
            }
        }
    }

    @Test
    void shouldForgetTheEarliestEndsFirstAndNeverHoldMoreThanItsCapacity() {
        EndedSessions ended = new EndedSessions(2);
        ended.end("a", 0);
        ended.end("b", 1);
        ended.end("a", 2); // ended again: now the latest
        ended.end("c", 3);
        assertEquals(2, ended.size());
        assertFalse(ended.ended("b", 4), "the earliest end is forgotten first");
        assertTrue(ended.ended("a", 4));
        assertTrue(ended.ended("c", 4));
        assertThrows(IllegalArgumentException.class, () -> new EndedSessions(0));
    }
}
