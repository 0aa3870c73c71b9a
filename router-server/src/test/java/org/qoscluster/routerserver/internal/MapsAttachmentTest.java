package org.qoscluster.routerserver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class MapsAttachmentTest {

    private final List<Duration> pauses = new ArrayList<>();

    @Test
    void shouldTryAgainAfterEachFailureUntilAnAttemptSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        int attempts = MapsAttachment.untilAttached(() -> {
            if (calls.incrementAndGet() < 4) {
                throw new IllegalStateException("operation timed out");
            }
        }, () -> true, pauses::add);
        assertEquals(4, attempts);
        assertEquals(4, calls.get());
        assertEquals(List.of(MapsAttachment.PAUSE, MapsAttachment.PAUSE, MapsAttachment.PAUSE), pauses, "a pause after each failure, none after the success");
    }

    @Test
    void shouldAttachAtTheFirstAttemptWithoutPausing() {
        assertEquals(1, MapsAttachment.untilAttached(() -> { }, () -> true, pauses::add));
        assertTrue(pauses.isEmpty());
    }

    @Test
    void shouldStopTryingOnceNoLongerWanted() {
        AtomicInteger calls = new AtomicInteger();
        int attempts = MapsAttachment.untilAttached(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("client offline");
        }, () -> calls.get() < 3, pauses::add);
        assertEquals(-3, attempts, "gave up after three attempts");
        assertEquals(3, calls.get());
    }

    @Test
    void shouldNotTryWhenNotWantedAtAll() {
        AtomicInteger calls = new AtomicInteger();
        assertEquals(0, MapsAttachment.untilAttached(calls::incrementAndGet, () -> false, pauses::add));
        assertEquals(0, calls.get());
    }

    @Test
    void shouldStopWhenInterruptedWhilePausingAndKeepTheInterrupt() {
        try {
            int attempts = MapsAttachment.untilAttached(() -> {
                throw new IllegalStateException("no member");
            }, () -> true, d -> {
                throw new InterruptedException();
            });
            assertEquals(-1, attempts);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }
}
