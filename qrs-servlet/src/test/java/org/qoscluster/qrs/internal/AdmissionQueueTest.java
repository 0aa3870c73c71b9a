package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The admission queue's order, on seeded random sequences: a freed place goes to the highest
 * priority waiting whose class it admits, the longest waiting first within a priority; a full
 * queue keeps the best ranked; what leaves the queue (admitted, removed, displaced) never comes
 * back out of it.
 */
class AdmissionQueueTest {

    /** A waiting request: its priority and the order it came in (for the expected order). */
    private record Req(int priority, int arrival) {
    }

    private static final Comparator<Req> RANK = Comparator.<Req>comparingInt(r -> -r.priority()).thenComparingInt(Req::arrival);

    @Test
    void shouldOfferPlacesByPriorityThenArrivalToThoseTheyAdmit() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            int capacity = 1 + random.nextInt(12);
            AdmissionQueue<Req> queue = new AdmissionQueue<>(capacity);
            List<Req> model = new ArrayList<>();
            int arrivals = 0;
            for (int step = 0; step < 60; step++) {
                int action = random.nextInt(4);
                if (action <= 1) {
                    Req r = new Req(random.nextInt(4) * 30, arrivals++);
                    AdmissionQueue.Added<Req> added = queue.add(r, r.priority());
                    List<Req> ranked = new ArrayList<>(model);
                    ranked.add(r);
                    ranked.sort(RANK);
                    if (model.size() < capacity) {
                        assertTrue(added.queued() && added.displaced().isEmpty(), "seed " + seed + ": room left, " + r + " waits");
                        model.add(r);
                    } else if (ranked.get(ranked.size() - 1).equals(r)) {
                        assertFalse(added.queued(), "seed " + seed + ": full, and " + r + " ranks last: refused");
                        assertEquals(Optional.empty(), added.displaced());
                    } else {
                        Req last = ranked.get(ranked.size() - 1);
                        assertTrue(added.queued(), "seed " + seed + ": full, " + r + " ranks before " + last);
                        assertEquals(Optional.of(last), added.displaced(), "seed " + seed + ": the last ranked makes room");
                        model.remove(last);
                        model.add(r);
                    }
                } else if (action == 2) {
                    // Places free for priorities at or above a threshold (a class admitted only
                    // where it has room), as many as there are.
                    int threshold = random.nextInt(4) * 30;
                    int[] places = {random.nextInt(3)};
                    List<Map.Entry<Req, Integer>> admitted = queue.admit(r -> {
                        if (places[0] > 0 && r.priority() >= threshold) {
                            places[0]--;
                            return Optional.of(r.arrival());
                        }
                        return Optional.empty();
                    });
                    List<Req> eligible = model.stream().filter(r -> r.priority() >= threshold).sorted(RANK).toList();
                    int n = Math.min(eligible.size(), admitted.size());
                    assertEquals(eligible.subList(0, n), admitted.stream().map(Map.Entry::getKey).toList(),
                            "seed " + seed + ": the best ranked that fit, in order");
                    admitted.forEach(e -> assertEquals(e.getKey().arrival(), e.getValue(), "each with its own place"));
                    model.removeAll(admitted.stream().map(Map.Entry::getKey).toList());
                } else if (!model.isEmpty()) {
                    Req gone = model.get(random.nextInt(model.size()));
                    assertTrue(queue.remove(gone), "seed " + seed + ": " + gone + " was waiting");
                    assertFalse(queue.remove(gone), "seed " + seed + ": and is no more");
                    model.remove(gone);
                }
                assertEquals(model.size(), queue.size(), "seed " + seed + ": as many wait as the model says");
            }
            List<Req> rest = queue.admit(Optional::of).stream().map(Map.Entry::getKey).toList();
            assertEquals(model.stream().sorted(RANK).toList(), rest, "seed " + seed + ": everyone left, in rank order");
            assertEquals(0, queue.size());
        }
    }

    @Test
    void shouldRefuseAQueueOfNoPlace() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new AdmissionQueue<String>(0));
        assertTrue(e.getMessage().contains("at least one"), e.getMessage());
    }
}
