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
                    assertTrue(n.inFlight() > c.inFlight() || selector.predictedMicros(c, impossible, NOW)
                            <= selector.predictedMicros(n, impossible, NOW), "round " + round + ": " + n.name() + " predicted lower");
                }
            }
        }
    }

    @Test
    void shouldForgetAnOldVerdictSoTheNodeIsProbedAgain() {
        measure(slow, TIGHT, 300_000);
        assertTrue(slow.record("browse").p95Micros(NOW) > 200_000);
        assertTrue(slow.record("browse").p95Micros(NOW + 5 * ClassRecord.HALF_LIFE_NANOS) < 200_000);
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

    private static void measure(NodeRecord n, ServiceClass c, long micros) {
        for (int i = 0; i < 10; i++) {
            n.begin(c.name());
            n.end(c.name(), micros, false, NOW);
        }
    }
}
