package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.qrs.NodeRecord;

/**
 * A node's place in flight comes back exactly once per proxied try, whether the node's answer or
 * the exchange's time-out ends it first, and whatever the two threads' timing: the client may
 * never complete a request (a Jetty fault seen on connections closed as they opened), and the
 * node must not keep that request's place for good, nor get one back twice.
 */
class AttemptTest {

    private static final String CLASS = "browse";
    private final HttpClient client = new HttpClient();
    private final NodeRecord node = new NodeRecord("node-1", URI.create("http://127.0.0.1:1/"));

    @AfterEach
    void stop() throws Exception {
        client.stop();
    }

    private Attempt admitted(long startNanos) {
        assertTrue(node.tryBegin(CLASS, 100, 0));
        return new Attempt(node, CLASS, startNanos, client.newRequest("http://127.0.0.1:1/page"));
    }

    @Test
    void shouldGiveTheNodeItsPlaceBackOnceWhenTheAnswerComesFirst() {
        Attempt attempt = admitted(1_000_000L);
        assertEquals(1, node.inFlight());

        assertTrue(attempt.answered(false, 3_000_000L));
        assertEquals(0, node.inFlight());
        assertEquals(1, node.served());
        assertEquals(0.0, node.record(CLASS).errorRate());

        // The exchange's time-out comes later: nothing left to end, the request is not aborted.
        assertFalse(attempt.timedOut(40_000_000_000L));
        assertEquals(0, node.inFlight(), "the place came back twice");
        assertEquals(1, node.served());
        assertNull(attempt.request().getAbortCause());
    }

    @Test
    void shouldGiveItBackAndAbortTheRequestWhenTheExchangeTimesOutFirst() {
        Attempt attempt = admitted(1_000_000L);

        assertTrue(attempt.timedOut(41_000_000_000L));
        assertEquals(0, node.inFlight(), "the node kept the place of a request its client never completed");
        assertEquals(1.0, node.record(CLASS).errorRate(), "a try its exchange gave up on counts against the node");
        Throwable cause = attempt.request().getAbortCause();
        assertInstanceOf(TimeoutException.class, cause);
        assertTrue(cause.getMessage().contains("node-1"), cause.getMessage());

        // The client completes it after all (the abort): already ended, nothing counted again.
        assertFalse(attempt.answered(true, 41_000_001_000L));
        assertEquals(0, node.inFlight(), "the place came back twice");
        assertEquals(1, node.served());
    }

    @Test
    void shouldEndEachTryOnceWhateverTheOrderOfAnswerAndTimeOut() throws Exception {
        Random random = new Random(7);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                int tries = 1 + random.nextInt(20);
                List<Attempt> attempts = new ArrayList<>();
                for (int i = 0; i < tries; i++) {
                    attempts.add(admitted(round));
                }
                long servedBefore = node.served();
                long at = round;
                CountDownLatch go = new CountDownLatch(1);
                Future<Integer> answers = threads.submit(() -> {
                    go.await();
                    int n = 0;
                    for (Attempt a : attempts) {
                        n += a.answered(false, at + 1) ? 1 : 0;
                    }
                    return n;
                });
                Future<Integer> timeOuts = threads.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int i = attempts.size() - 1; i >= 0; i--) {
                        n += attempts.get(i).timedOut(at + 2) ? 1 : 0;
                    }
                    return n;
                });
                go.countDown();
                int ended = answers.get(10, TimeUnit.SECONDS) + timeOuts.get(10, TimeUnit.SECONDS);
                assertEquals(tries, ended, "round " + round + ": each try ends exactly once");
                assertEquals(0, node.inFlight(), "round " + round);
                assertEquals(servedBefore + tries, node.served(), "round " + round);
                for (Attempt a : attempts) {
                    assertTrue(a.ended());
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
