package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The servlet path's forwarding threads: every request the nodes may admit at once has one (it
 * may block writing to a client that stopped reading), with spares, whatever the number of nodes
 * and their capacity, up to the ceiling.
 */
class UpstreamThreadsTest {

    @Test
    void shouldHaveAThreadForEveryAdmittedRequestUpToTheCeiling() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            int nodes = 1 + random.nextInt(64);
            int capacity = 1 + random.nextInt(i % 2 == 0 ? 100 : 100_000);
            int threads = RouterRuntime.upstreamThreads(nodes, capacity);
            long admitted = (long) nodes * capacity;
            assertTrue(threads >= 200, nodes + " x " + capacity + ": " + threads);
            assertTrue(threads <= RouterRuntime.MAX_UPSTREAM_THREADS, nodes + " x " + capacity + ": " + threads);
            if (admitted + RouterRuntime.UPSTREAM_SPARE_THREADS <= RouterRuntime.MAX_UPSTREAM_THREADS) {
                assertTrue(threads >= admitted + RouterRuntime.UPSTREAM_SPARE_THREADS, nodes + " x " + capacity + ": " + threads);
            }
        }
    }

    @Test
    void shouldKeepTheDefaultPoolForTheDemosTwoNodesAndGrowItForFour() {
        assertEquals(200, RouterRuntime.upstreamThreads(2, 64));
        assertEquals(4 * 64 + RouterRuntime.UPSTREAM_SPARE_THREADS, RouterRuntime.upstreamThreads(4, 64));
        assertEquals(RouterRuntime.MAX_UPSTREAM_THREADS, RouterRuntime.upstreamThreads(64, 100_000));
    }
}
