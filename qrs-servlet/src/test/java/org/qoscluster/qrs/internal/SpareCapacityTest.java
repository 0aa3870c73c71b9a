package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SpareCapacityTest {

    private static final long S = 1_000_000_000L;

    @Test
    void shouldReportTheCapacityLessTheWindowsPeakNotTheLatestSample() {
        SpareCapacity spare = new SpareCapacity(5 * S);
        spare.sample(0, 10);
        spare.sample(1 * S, 40);
        spare.sample(2 * S, 5);
        assertEquals(128 - 40, spare.spare(3 * S, 2, 128), "the burst a second ago still counts");
        assertEquals(128 - 5, spare.spare(6 * S + 1, 3, 128), "the burst has left the window");
        assertEquals(0, spare.spare(7 * S, 200, 128), "never below 0");
        assertEquals(0, spare.spare(8 * S, 0, 0), "a site with no healthy node has none");
    }

    @Test
    void shouldKeepTheLastSampleWhenNothingNewerCame() {
        SpareCapacity spare = new SpareCapacity(5 * S);
        spare.sample(0, 30);
        assertEquals(30, spare.peak(60 * S));
    }

    @Test
    void shouldRefuseAnEmptyWindow() {
        assertThrows(IllegalArgumentException.class, () -> new SpareCapacity(0));
    }

    /**
     * Against every sample kept: the peak is the largest of those in the window, and the latest
     * always counts. Time only goes forward, as the router's monotonic clock does.
     */
    @Test
    void shouldAgreeWithTheLargestSampleInTheWindowForRandomSamples() {
        Random random = new Random(7);
        for (int run = 0; run < 200; run++) {
            long window = (1 + random.nextInt(10)) * S / 2;
            SpareCapacity spare = new SpareCapacity(window);
            List<long[]> all = new ArrayList<>();
            long now = 0;
            for (int i = 0; i < 100; i++) {
                now += random.nextInt(2) * (long) random.nextInt(2_000) * 1_000_000L;
                int inFlight = random.nextInt(100);
                spare.sample(now, inFlight);
                all.add(new long[] {now, inFlight});
                long at = now + random.nextInt(3) * window / 2;
                now = at;
                long expected = all.get(all.size() - 1)[1];
                for (long[] s : all) {
                    if (at - s[0] <= window) {
                        expected = Math.max(expected, s[1]);
                    }
                }
                assertEquals(expected, spare.peak(at), "run " + run + " sample " + i);
            }
        }
    }
}
