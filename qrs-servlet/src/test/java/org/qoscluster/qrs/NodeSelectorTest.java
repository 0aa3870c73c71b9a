package org.qoscluster.qrs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ServiceClass;

class NodeSelectorTest {

    private static final ServiceClass TIGHT = new ServiceClass("browse", 200, 50, 0, List.of());
    private static final ServiceClass LOOSE = new ServiceClass("default", 1000, 10, 0, List.of());
    private static final ServiceClass URGENT = new ServiceClass("checkout", 800, 90, 0, List.of());
    private static final long NOW = 1_000_000_000_000L;

    private final NodeSelector selector = new NodeSelector(8, new Random(42));
    private NodeRecord fast;
    private NodeRecord slow;

    @BeforeEach
    void twoHealthyNodes() {
        fast = node("node-1");
        slow = node("node-2");
    }

    @Test
    void shouldSendATightClassOnlyToTheNodeThatMeetsItsGoal() {
        measure(fast, TIGHT, 20_000);
        measure(slow, TIGHT, 300_000);
        for (int i = 0; i < 50; i++) {
            assertEquals(fast, selector.select(List.of(fast, slow), TIGHT, null, NOW).orElseThrow());
        }
    }

    @Test
    void shouldLetALooseClassUseTheSlowNode() {
        measure(fast, LOOSE, 20_000);
        measure(slow, LOOSE, 300_000);
        long onSlow = 0;
        for (int i = 0; i < 200; i++) {
            onSlow += selector.select(List.of(fast, slow), LOOSE, null, NOW).orElseThrow() == slow ? 1 : 0;
        }
        assertTrue(onSlow > 50, "slow node took " + onSlow + " of 200 loose requests");
    }

    @Test
    void shouldTakeTheBestAvailableWhenNoNodeMeetsTheGoal() {
        measure(fast, TIGHT, 400_000);
        measure(slow, TIGHT, 900_000);
        assertEquals(fast, selector.select(List.of(fast, slow), TIGHT, null, NOW).orElseThrow());
    }

    @Test
    void shouldSpreadByRequestsInFlightWhenNoNodeMeetsTheGoal() {
        measure(fast, TIGHT, 400_000);
        measure(slow, TIGHT, 900_000);
        fast.begin(TIGHT.name());
        fast.begin(TIGHT.name());
        slow.begin(TIGHT.name());
        assertEquals(slow, selector.select(List.of(fast, slow), TIGHT, null, NOW).orElseThrow());
    }

    /**
     * For 2,000 seeded random sets of nodes (latencies, requests in flight, health) with a goal
     * none of them meets: the node chosen has room, the fewest requests in flight among the
     * nodes with room, and no node with room and as few in flight has a lower prediction.
     */
    @Test
    void shouldTakeTheLeastLoadedThenTheBestPredictedNodeWhenNoneMeetsTheGoal() {
        Random seeds = new Random(7);
        ServiceClass impossible = new ServiceClass("browse", 1, 50, 0, List.of());
        for (int round = 0; round < 2_000; round++) {
            Random r = new Random(seeds.nextLong());
            List<NodeRecord> nodes = new java.util.ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(5); i++) {
                NodeRecord n = node("node-" + i);
                if (r.nextInt(5) == 0) {
                    n.markDown("test");
                }
                measure(n, impossible, 10_000 + r.nextInt(1_000_000));
                for (int k = r.nextInt(10); k > 0; k--) {
                    n.begin(impossible.name());
                }
                nodes.add(n);
            }
            int limit = selector.admissible(impossible);
            List<NodeRecord> room = nodes.stream().filter(n -> n.healthy() && n.inFlight() < limit).toList();
            Optional<NodeRecord> chosen = selector.select(nodes, impossible, null, NOW);
            assertEquals(room.isEmpty(), chosen.isEmpty(), "round " + round + ": shed exactly when no node has room");
            if (chosen.isPresent()) {
                NodeRecord c = chosen.get();
                assertTrue(room.contains(c), "round " + round + ": chose a node without room");
                for (NodeRecord n : room) {
                    assertTrue(c.inFlight() <= n.inFlight(), "round " + round + ": " + n.name() + " had fewer in flight");
                    assertTrue(n.inFlight() > c.inFlight() || selector.predictedMicros(c, impossible)
                            <= selector.predictedMicros(n, impossible), "round " + round + ": " + n.name() + " predicted lower");
                }
            }
        }
    }

    @Test
    void shouldProbeAStaleNodeThatMissesTheGoalOnceInProbeEveryRequests() {
        measure(fast, TIGHT, 20_000);
        measure(slow, TIGHT, 300_000);
        long stale = NOW + ClassRecord.STALE_AFTER_NANOS;
        for (int i = 1; i < NodeSelector.PROBE_EVERY; i++) {
            assertEquals(fast, selector.select(List.of(fast, slow), TIGHT, null, stale).orElseThrow(), "request " + i);
        }
        assertEquals(slow, selector.select(List.of(fast, slow), TIGHT, null, stale).orElseThrow(), "the probe");
        for (int i = 0; i < 3 * NodeSelector.PROBE_EVERY; i++) {
            assertEquals(fast, selector.select(List.of(fast, slow), TIGHT, null, stale + ClassRecord.STALE_AFTER_NANOS - 1)
                    .orElseThrow(), "a probe counts as a refresh: no second one before the estimate is stale again");
        }
        for (int i = 1; i < NodeSelector.PROBE_EVERY; i++) {
            assertEquals(fast, selector.select(List.of(fast, slow), TIGHT, null, stale + ClassRecord.STALE_AFTER_NANOS)
                    .orElseThrow(), "request " + i);
        }
        assertEquals(slow, selector.select(List.of(fast, slow), TIGHT, null, stale + ClassRecord.STALE_AFTER_NANOS)
                .orElseThrow(), "the next probe");
    }

    @Test
    void shouldProbeAStaleNodeAlsoWhenNoNodeMeetsTheGoal() {
        measure(fast, TIGHT, 400_000);
        measure(slow, TIGHT, 30_000_000);
        long later = NOW + ClassRecord.STALE_AFTER_NANOS;
        fast.begin(TIGHT.name());
        fast.end(TIGHT.name(), 400_000, false, later);
        int onSlow = 0;
        for (int i = 0; i < 10 * NodeSelector.PROBE_EVERY; i++) {
            onSlow += selector.select(List.of(fast, slow), TIGHT, null, later + i).orElseThrow() == slow ? 1 : 0;
        }
        assertEquals(1, onSlow, "one probe of the stale node; the fresh one, with the lower prediction, takes the rest");
    }

    @Test
    void shouldStartANewEstimateWithTheFirstAnswerAfterAStaleOne() {
        measure(slow, TIGHT, 30_000_000);
        ClassRecord r = slow.record(TIGHT.name());
        r.add(20_000, false, NOW + ClassRecord.STALE_AFTER_NANOS);
        assertEquals(20_000, r.p95Micros(), 0.001, "the recovered node's answer is its estimate");
        r.add(30_000, false, NOW + ClassRecord.STALE_AFTER_NANOS + 1);
        assertEquals(22_000, r.meanMicros(), 0.001, "a fresh estimate takes answers at weight 0.2");
        ClassRecord blended = fast.record(TIGHT.name());
        measure(fast, TIGHT, 30_000_000);
        blended.add(20_000, false, NOW + ClassRecord.STALE_AFTER_NANOS - 1);
        assertTrue(blended.p95Micros() > 30_000_000, "an answer to a fresh estimate is blended in: " + blended.p95Micros());
    }

    /**
     * For 300 seeded scenarios: one node answers slowly (1.5 times the goal up to a minute, a
     * burst) and then recovers, while the others meet the goal, or all miss it. Once the last
     * slow answer is in, the recovered node gets a request again within
     * {@code STALE_AFTER + nodes x PROBE_EVERY} requests of the class, and by the end of the run
     * it meets the goal again.
     */
    @Test
    void shouldMeasureARecoveredNodeAgainWithinTheProbeBound() {
        Random seeds = new Random(11);
        for (int round = 0; round < 300; round++) {
            Random r = new Random(seeds.nextLong());
            int goalMillis = 50 + r.nextInt(951);
            ServiceClass c = new ServiceClass("browse", goalMillis, 50, 0, List.of());
            NodeSelector s = new NodeSelector(64, new Random(r.nextLong()));
            SimulatedNodes sim = new SimulatedNodes(s, NOW);
            boolean othersMeet = r.nextBoolean();
            long slowMillis = (long) (1.5 * goalMillis + r.nextDouble() * r.nextDouble() * 60_000);
            long fastMillis = 2L + r.nextInt(Math.min(goalMillis / 3, 30));
            long recovered = NOW + 500_000_000L + (long) (r.nextDouble() * 20e9);
            int burst = sim.add(t -> 1000 * (t < recovered ? slowMillis : fastMillis) + jitter(r, fastMillis));
            int nodes = 2 + r.nextInt(3);
            for (int i = 1; i < nodes; i++) {
                long millis = othersMeet ? 2L + r.nextInt(Math.min(goalMillis / 3, 30))
                        : (long) (goalMillis * (1.2 + 1.8 * r.nextDouble()));
                sim.add(t -> 1000 * millis + jitter(r, millis));
            }
            long gapMillis = 5L + r.nextInt(300);
            while (sim.now() < recovered) {
                sim.request(c);
                sim.advance(gap(r, gapMillis));
            }
            long lastSlowAnswer = sim.sent().stream().filter(x -> x.node() == burst && x.sentNanos() < recovered)
                    .mapToLong(SimulatedNodes.Sent::answeredNanos).max().orElse(recovered);
            long settled = Math.max(recovered, lastSlowAnswer);
            long end = settled + 10 * ClassRecord.STALE_AFTER_NANOS;
            int afterStale = 0;
            while (sim.now() < end || afterStale < 10 * nodes * NodeSelector.PROBE_EVERY) {
                if (sim.request(c).isPresent() && sim.now() >= settled + ClassRecord.STALE_AFTER_NANOS) {
                    afterStale++;
                }
                sim.advance(gap(r, gapMillis));
            }
            sim.advance(60_000_000_000L);
            String scenario = "round " + round + ": goal " + goalMillis + " ms, " + nodes + " nodes, others "
                    + (othersMeet ? "meet it" : "miss it") + ", burst of " + slowMillis + " ms, then " + fastMillis + " ms";
            List<SimulatedNodes.Sent> after = sim.sent().stream().filter(x -> x.sentNanos() >= settled).toList();
            int firstBack = -1;
            int beforeIt = 0;
            for (SimulatedNodes.Sent x : after) {
                if (x.node() == burst) {
                    firstBack = after.indexOf(x);
                    break;
                }
                if (x.sentNanos() >= settled + ClassRecord.STALE_AFTER_NANOS) {
                    beforeIt++;
                }
            }
            assertTrue(firstBack >= 0, scenario + ": never measured again");
            assertTrue(beforeIt <= nodes * NodeSelector.PROBE_EVERY, scenario + ": measured again only after " + beforeIt
                    + " requests past the stale time");
            assertTrue(s.predictedMicros(sim.node(burst), c) <= goalMillis * 1000.0, scenario
                    + ": still predicted at " + s.predictedMicros(sim.node(burst), c) / 1000 + " ms");
        }
    }

    /**
     * For 300 seeded scenarios where one node stays slower than the goal and the others meet
     * it: from the slow node's first answer on, it gets at most one request in
     * {@code PROBE_EVERY} of the class and at most one per {@code STALE_AFTER}; the fast nodes
     * get all the others.
     */
    @Test
    void shouldGiveANodeThatStaysSlowNoMoreThanTheProbeShare() {
        Random seeds = new Random(13);
        for (int round = 0; round < 300; round++) {
            Random r = new Random(seeds.nextLong());
            int goalMillis = 50 + r.nextInt(951);
            ServiceClass c = new ServiceClass("browse", goalMillis, 50, 0, List.of());
            NodeSelector s = new NodeSelector(64, new Random(r.nextLong()));
            SimulatedNodes sim = new SimulatedNodes(s, NOW);
            long slowMillis = (long) (1.5 * goalMillis + r.nextDouble() * r.nextDouble() * 30_000);
            int slowNode = sim.add(t -> 1000 * slowMillis + jitter(r, slowMillis));
            int nodes = 2 + r.nextInt(3);
            for (int i = 1; i < nodes; i++) {
                long millis = 2L + r.nextInt(Math.min(goalMillis / 3, 30));
                sim.add(t -> 1000 * millis + jitter(r, millis));
            }
            long gapMillis = 1L + r.nextInt(500);
            int requests = 200 + r.nextInt(3000);
            for (int i = 0; i < requests; i++) {
                sim.request(c);
                sim.advance(gap(r, gapMillis));
            }
            long firstAnswer = sim.sent().stream().filter(x -> x.node() == slowNode)
                    .mapToLong(SimulatedNodes.Sent::answeredNanos).min().orElse(Long.MAX_VALUE);
            List<SimulatedNodes.Sent> after = sim.sent().stream().filter(x -> x.sentNanos() >= firstAnswer).toList();
            long onSlow = after.stream().filter(x -> x.node() == slowNode).count();
            String scenario = "round " + round + ": goal " + goalMillis + " ms, slow node " + slowMillis + " ms, "
                    + nodes + " nodes, a request every " + gapMillis + " ms";
            assertTrue(onSlow <= after.size() / NodeSelector.PROBE_EVERY, scenario + ": the slow node took " + onSlow
                    + " of " + after.size() + " requests");
            assertTrue(onSlow <= Math.max(0, sim.now() - firstAnswer) / ClassRecord.STALE_AFTER_NANOS, scenario
                    + ": the slow node took " + onSlow + " requests in " + (sim.now() - firstAnswer) / 1_000_000 + " ms");
            assertEquals(0, sim.shed(), scenario);
        }
    }

    @Test
    void shouldShedLowPriorityFirstWhenNodesAreFull() {
        assertEquals(4, selector.admissible(LOOSE));
        assertEquals(7, selector.admissible(URGENT));
        for (int i = 0; i < 4; i++) {
            fast.begin("default");
            slow.begin("default");
        }
        assertEquals(Optional.empty(), selector.select(List.of(fast, slow), LOOSE, null, NOW), "low priority is shed");
        assertTrue(selector.select(List.of(fast, slow), URGENT, null, NOW).isPresent(), "high priority still has room");
    }

    @Test
    void shouldNeverAdmitPastTheLimitWhenManyRequestsChooseAtOnce() throws Exception {
        int threads = 24;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        try {
            List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(pool.submit(() -> {
                    start.await();
                    selector.admit(List.of(fast, slow), LOOSE, null, NOW).ifPresent(n -> admitted.incrementAndGet());
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(8, admitted.get(), "4 low-priority requests a node, no more");
        assertEquals(4, fast.inFlight());
        assertEquals(4, slow.inFlight());
        assertTrue(selector.admit(List.of(fast, slow), URGENT, null, NOW).isPresent(), "high priority still has room");
    }

    @Test
    void shouldSkipUnhealthyAndExcludedNodes() {
        slow.markDown("test");
        assertEquals(fast, selector.select(List.of(fast, slow), LOOSE, null, NOW).orElseThrow());
        assertEquals(Optional.empty(), selector.select(List.of(fast, slow), LOOSE, fast, NOW));
    }

    @Test
    void shouldHonourTheClassConcurrencyCap() {
        ServiceClass capped = new ServiceClass("report", 5000, 50, 1, List.of());
        fast.begin("report");
        slow.begin("report");
        assertEquals(Optional.empty(), selector.select(List.of(fast, slow), capped, null, NOW));
        assertEquals(Optional.empty(), selector.admit(List.of(fast, slow), capped, null, NOW));
        assertEquals(2, fast.inFlight("report") + slow.inFlight("report"), "a refused admission counts nothing");
    }

    private static NodeRecord node(String name) {
        NodeRecord n = new NodeRecord(name, URI.create("http://127.0.0.1:1/"));
        n.markUp(1);
        return n;
    }

    /** Up to a fifth of {@code millis} more, in microseconds. */
    private static long jitter(Random r, long millis) {
        return (long) (r.nextDouble() * 200 * millis);
    }

    /** Between half and one and a half times {@code millis}, in nanoseconds. */
    private static long gap(Random r, long millis) {
        return (long) ((0.5 + r.nextDouble()) * millis * 1_000_000L);
    }

    private static void measure(NodeRecord n, ServiceClass c, long micros) {
        for (int i = 0; i < 10; i++) {
            n.begin(c.name());
            n.end(c.name(), micros, false, NOW);
        }
    }
}
