package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

class FailoverChoiceTest {

    private static final Map<String, CopyHealth> R1_SUSPECT = Map.of("master", CopyHealth.UNAVAILABLE,
            "replica-1", CopyHealth.SUSPECT, "replica-2", CopyHealth.AVAILABLE);

    @Test
    void shouldPromoteTheMostCaughtUpAvailableReplicaWhenItHasEveryAcknowledgedWrite() {
        FailoverChoice.Decision d = FailoverChoice.decide("master", Map.of("replica-1", 500L, "replica-2", 700L),
                Map.of("replica-1", 480L, "replica-2", 690L), Map.of(), 0, 4_000);
        assertEquals(new FailoverChoice.Promote("replica-2", 700, Optional.empty()), d);
    }

    @Test
    void shouldWaitForASuspectCopyThatHoldsWritesTheAvailableOnesLack() {
        FailoverChoice.Decision d = FailoverChoice.decide("master", Map.of("replica-2", 500L),
                Map.of("replica-1", 700L, "replica-2", 500L), R1_SUSPECT, 3_999, 4_000);
        assertInstanceOf(FailoverChoice.Wait.class, d);
        assertTrue(((FailoverChoice.Wait) d).why().contains("replica-1 (SUSPECT) has every change below 700"), d::toString);
    }

    @Test
    void shouldPromoteTheBestAvailableOnceTheHolderIsUnavailableOrTheWaitIsOver() {
        Map<String, CopyHealth> gone = new HashMap<>(R1_SUSPECT);
        gone.put("replica-1", CopyHealth.UNAVAILABLE);
        assertEquals(new FailoverChoice.Promote("replica-2", 500, Optional.of("replica-1 (UNAVAILABLE) had every change below 700")),
                FailoverChoice.decide("master", Map.of("replica-2", 500L), Map.of("replica-1", 700L), gone, 10, 4_000));
        assertEquals("replica-2", ((FailoverChoice.Promote) FailoverChoice.decide("master", Map.of("replica-2", 500L),
                Map.of("replica-1", 700L), R1_SUSPECT, 4_000, 4_000)).copy());
    }

    @Test
    void shouldIgnoreTheDeadMastersOwnEntryAndEntriesNoHigherThanTheCandidate() {
        assertEquals("replica-2", ((FailoverChoice.Promote) FailoverChoice.decide("master", Map.of("replica-2", 500L),
                Map.of("master", 900L, "replica-1", 500L), R1_SUSPECT, 0, 4_000)).copy());
    }

    /**
     * replica-2 was read at 90, then its apply of [90, 110) committed and was published (a write at
     * 105 may have been answered): not replica-1 from 100, nor replica-2 from 90, however long the
     * master has been gone; once a read agrees, replica-2 from 110.
     */
    @Test
    void shouldNotPromoteBelowAWatermarkACandidatePublishedAfterItWasRead() {
        Map<String, CopyHealth> up = Map.of("master", CopyHealth.UNAVAILABLE, "replica-1", CopyHealth.AVAILABLE,
                "replica-2", CopyHealth.AVAILABLE);
        for (long waited : new long[] {0, 60_000}) {
            FailoverChoice.Decision d = FailoverChoice.decide("master", Map.of("replica-1", 100L, "replica-2", 90L),
                    Map.of("replica-2", 110L), up, waited, 4_000);
            assertInstanceOf(FailoverChoice.Wait.class, d, "after " + waited + " ms");
            assertTrue(((FailoverChoice.Wait) d).why().contains("replica-2 published every change below 110 after it was read at 90"),
                    d::toString);
        }
        assertEquals(new FailoverChoice.Promote("replica-2", 110, Optional.empty()), FailoverChoice.decide("master",
                Map.of("replica-1", 100L, "replica-2", 110L), Map.of("replica-2", 110L), up, 0, 4_000));
    }

    @Test
    void shouldWaitWhenNoReplicaIsAvailable() {
        assertInstanceOf(FailoverChoice.Wait.class, FailoverChoice.decide("master", Map.of(), Map.of(), Map.of(), 60_000, 4_000));
    }

    /**
     * Generated situations: whatever the statuses, watermarks and watermarks, a promotion before the
     * time-out never picks a copy below a watermark of a copy that can still be reached, and always
     * picks the highest available watermark.
     */
    @Test
    void shouldNeverPromoteACopyLackingAnAcknowledgedWriteWhileAHolderCanBeReached() {
        Random random = new Random(7);
        List<String> copies = List.of("replica-1", "replica-2", "replica-3");
        CopyHealth[] kinds = {CopyHealth.AVAILABLE, CopyHealth.SUSPECT, CopyHealth.UNAVAILABLE, CopyHealth.UNKNOWN};
        for (int run = 0; run < 20_000; run++) {
            Map<String, CopyHealth> statuses = new HashMap<>();
            Map<String, Long> candidates = new LinkedHashMap<>();
            Map<String, Long> published = new HashMap<>();
            statuses.put("master", CopyHealth.UNAVAILABLE);
            published.put("master", (long) random.nextInt(1_000));
            for (String c : copies) {
                CopyHealth st = kinds[random.nextInt(kinds.length)];
                statuses.put(c, st);
                long low = random.nextInt(1_000);
                if (random.nextBoolean()) {
                    // Published after the commit: at most the watermark read, unless an apply
                    // committed between the read and the look at the published ones.
                    published.put(c, Math.max(0, low - random.nextInt(50) + (random.nextInt(5) == 0 ? 60 : 0)));
                }
                if (st == CopyHealth.AVAILABLE && random.nextInt(4) > 0) {
                    candidates.put(c, low);
                }
            }
            long waited = random.nextInt(8_000);
            FailoverChoice.Decision d = FailoverChoice.decide("master", candidates, published, statuses, waited, 4_000);
            if (d instanceof FailoverChoice.Promote p) {
                assertEquals(candidates.values().stream().mapToLong(Long::longValue).max().orElseThrow(), p.low(), d::toString);
                for (Map.Entry<String, Long> c : candidates.entrySet()) {
                    assertTrue(published.getOrDefault(c.getKey(), 0L) <= p.low(), "run " + run + ": promoted " + p
                            + " below what candidate " + c.getKey() + " published; " + candidates + published);
                }
                if (waited < 4_000) {
                    for (Map.Entry<String, Long> w : published.entrySet()) {
                        boolean reachable = !w.getKey().equals("master") && statuses.get(w.getKey()) != CopyHealth.UNAVAILABLE;
                        assertTrue(!reachable || w.getValue() <= p.low(), "run " + run + ": promoted " + p + " below " + w
                                + " of a reachable copy; " + statuses + candidates + published);
                    }
                }
            } else {
                boolean readAgain = candidates.entrySet().stream().anyMatch(c -> published.getOrDefault(c.getKey(), 0L) > c.getValue());
                assertTrue(candidates.isEmpty() || waited < 4_000 || readAgain,
                        "run " + run + ": waited past the time-out with a candidate whose read agrees with what it published");
            }
        }
    }
}
