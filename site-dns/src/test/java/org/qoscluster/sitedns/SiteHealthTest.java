package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The up/down rule on a clock the test moves, over chosen and over generated histories. */
class SiteHealthTest {

    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    private static final long MS = 1_000_000L;

    private final AtomicLong clock = new AtomicLong(123_456_789L);

    private void advance(long millis) {
        clock.addAndGet(millis * MS);
    }

    @Test
    void shouldBeDownUntilTheFirstSuccessAndUpRightAfterIt() {
        SiteHealth h = new SiteHealth(DOWN_AFTER, 1, clock::get);
        assertFalse(h.up());
        h.failed();
        advance(5_000);
        assertFalse(h.up());
        h.succeeded(Duration.ofMillis(3), OptionalLong.of(7));
        assertTrue(h.up());
        assertEquals(new SiteState(true, OptionalLong.of(7), Optional.of(Duration.ofMillis(3))), h.state());
    }

    @Test
    void shouldGoDownAfterTheSilenceEvenThroughFailedProbesAndNotBefore() {
        SiteHealth h = new SiteHealth(DOWN_AFTER, 1, clock::get);
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        for (int i = 0; i < 3; i++) {
            advance(500);
            h.failed();
            assertTrue(h.up(), "failed probes within the bound do not take it down");
        }
        advance(499);
        assertTrue(h.up(), "1999 ms after the last success");
        advance(1);
        assertFalse(h.up(), "2000 ms after the last success");
        assertFalse(h.state().available());
    }

    @Test
    void shouldNeedSuccessesInARowToComeBackWhenSoConfigured() {
        SiteHealth h = new SiteHealth(DOWN_AFTER, 3, clock::get);
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        assertFalse(h.up(), "two of three");
        h.failed();
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        assertFalse(h.up(), "a failure started the count again");
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        assertTrue(h.up());
        h.failed();
        assertTrue(h.up(), "up: one failure does not take it down");
        advance(2_000);
        assertFalse(h.up());
        h.succeeded(Duration.ofMillis(1), OptionalLong.empty());
        assertFalse(h.up(), "down again: three in a row needed again");
    }

    @Test
    void shouldSmoothTheRoundTripAndForgetItAfterGoingDown() {
        SiteHealth h = new SiteHealth(DOWN_AFTER, 1, clock::get);
        h.succeeded(Duration.ofMillis(100), OptionalLong.empty());
        h.succeeded(Duration.ofMillis(200), OptionalLong.empty());
        assertEquals(Duration.ofMillis(130), h.state().responseTime().orElseThrow());
        advance(3_000);
        h.succeeded(Duration.ofMillis(10), OptionalLong.empty());
        assertEquals(Duration.ofMillis(10), h.state().responseTime().orElseThrow());
    }

    /**
     * Generated histories of successes, failures and clock steps (fixed seed), against a reference
     * that keeps the whole history: never up when the last success is {@code downAfter} or more
     * ago; always up right after a success when one success suffices; with N needed, up exactly
     * when the last N probes since the last silence all succeeded; and, without new probes, once
     * down it stays down however the clock moves on (monotonic).
     */
    @Test
    void shouldKeepTheRuleOverGeneratedHistories() {
        Random random = new Random(29);
        for (int run = 0; run < 5_000; run++) {
            int upAfter = 1 + random.nextInt(3);
            long downAfterMs = 100L + random.nextInt(3_000);
            SiteHealth h = new SiteHealth(Duration.ofMillis(downAfterMs), upAfter, clock::get);
            Long lastSuccess = null;
            boolean down = true; // the reference: down until upAfter successes in a row since going down
            int streak = 0;
            StringBuilder history = new StringBuilder("run " + run + " upAfter=" + upAfter + " downAfter=" + downAfterMs + ":");
            for (int step = 0; step < 60; step++) {
                int what = random.nextInt(10);
                long now = clock.get();
                if (what < 4) {
                    long ms = random.nextInt(random.nextBoolean() ? 300 : 4_000);
                    advance(ms);
                    history.append(" +").append(ms);
                } else if (what < 8) {
                    if (lastSuccess != null && now - lastSuccess >= downAfterMs * MS) {
                        down = true;
                        streak = 0;
                    }
                    h.succeeded(Duration.ofMillis(random.nextInt(50)), OptionalLong.empty());
                    lastSuccess = now;
                    streak++;
                    if (streak >= upAfter) {
                        down = false;
                    }
                    history.append(" ok");
                    if (upAfter == 1) {
                        assertTrue(h.up(), "up right after a success: " + history);
                    }
                } else {
                    h.failed();
                    streak = 0;
                    history.append(" fail");
                }
                now = clock.get();
                boolean fresh = lastSuccess != null && now - lastSuccess < downAfterMs * MS;
                boolean expected = fresh && !down;
                assertEquals(expected, h.up(), history.toString());
                if (lastSuccess != null && !fresh) {
                    assertFalse(h.up(), "up after downAfter of silence: " + history);
                }
                if (!h.up()) {
                    long ms = random.nextInt(10_000);
                    advance(ms);
                    history.append(" +").append(ms);
                    assertFalse(h.up(), "came up by the clock alone: " + history);
                }
            }
        }
    }
}
