package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The warm-up's settling rule ({@link Settling}) over seeded random measurements, against a
 * model: settled exactly when enough whole seconds have passed and each of the last quiet ones
 * has, for every source, at least one measurement and none above the source's bound.
 */
class SettlingTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final Map<String, Long> BOUNDS = Map.of("replica-1", 100 * MS, "replica-2", 100 * MS, "master", 50 * MS);

    @Test
    void shouldSettleExactlyWhenTheLastQuietSecondsOfEverySourceAreWithinBounds() {
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            int min = 2 + random.nextInt(4);
            int quiet = 1 + random.nextInt(min);
            Settling settling = new Settling(BOUNDS, min, quiet);
            int seconds = 1 + random.nextInt(12);
            // The model: per source and second, the worst value, -1 for none.
            Map<String, long[]> model = new java.util.HashMap<>();
            BOUNDS.keySet().forEach(k -> model.put(k, new long[seconds]));
            model.values().forEach(a -> java.util.Arrays.fill(a, -1));
            double calm = random.nextDouble();
            for (int s = 0; s < seconds; s++) {
                for (String source : BOUNDS.keySet()) {
                    int n = random.nextInt(10) < 1 ? 0 : 1 + random.nextInt(5);
                    for (int i = 0; i < n; i++) {
                        long bound = BOUNDS.get(source);
                        long v = random.nextDouble() < calm ? (long) (random.nextDouble() * bound) : bound + 1 + random.nextInt(500) * MS;
                        if (random.nextInt(20) == 0) {
                            v = bound; // the bound itself is within it
                        }
                        settling.measured(source, s * S + random.nextInt(1_000) * MS, v);
                        model.get(source)[s] = Math.max(model.get(source)[s], v);
                    }
                }
            }
            for (int now = 0; now <= seconds; now++) {
                long at = now * S + (now == seconds ? 0 : random.nextInt(1_000) * MS);
                int whole = (int) (at / S);
                boolean expected = whole >= min;
                for (int s = whole - quiet; expected && s < whole; s++) {
                    for (String source : BOUNDS.keySet()) {
                        long w = model.get(source)[s];
                        expected &= w >= 0 && w <= BOUNDS.get(source);
                    }
                }
                assertEquals(expected, settling.settled(at), "seed " + seed + " at " + at / MS + " ms (min " + min + ", quiet " + quiet + ")");
            }
        }
    }

    @Test
    void shouldNotSettleWhileASourceMeasuresNothing() {
        Settling settling = new Settling(Map.of("replica-1", 100 * MS, "master", 50 * MS), 2, 2);
        for (int s = 0; s < 5; s++) {
            settling.measured("master", s * S, 5 * MS);
        }
        assertFalse(settling.settled(5 * S), "a replica whose poller saw nothing is not quiet");
        settling.measured("replica-1", 3 * S + 10 * MS, 20 * MS);
        settling.measured("replica-1", 4 * S + 10 * MS, 20 * MS);
        assertTrue(settling.settled(5 * S));
        assertEquals(List.of(-1L, -1L, -1L, 20L, 20L), settling.worstMillis(5 * S).get("replica-1"));
    }

    @Test
    void shouldRefuseAnUnknownSourceAndImpossibleRules() {
        Settling settling = new Settling(Map.of("replica-1", 100 * MS), 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settling.measured("replica-9", 0, 0));
        assertTrue(e.getMessage().contains("replica-9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Settling(Map.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Settling(Map.of("m", 1L), 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Settling(Map.of("m", 1L), 1, 0));
    }
}
