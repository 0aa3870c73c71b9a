package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

class HeartbeatMonitorTest {

    private static final GroupSettings SETTINGS = new GroupSettings(Duration.ofMillis(10), Duration.ofMillis(100), 3);

    private final List<String> changes = new ArrayList<>();

    private HeartbeatMonitor monitor(Map<String, Probe> probes) {
        return new HeartbeatMonitor(probes, SETTINGS, Clock.systemUTC(),
                (copy, from, to, reason) -> changes.add(copy + " " + from + "->" + to));
    }

    private static CopyHealth status(HeartbeatMonitor m, String copy) {
        return m.states().get(copy).status();
    }

    /** A probe that counts down {@code closed} when it is closed. */
    private static Probe closing(CountDownLatch closed) {
        return new Probe() {
            @Override
            public void check() {
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
    }

    @Test
    void shouldCloseTheProbesItNoLongerUsesAndEveryProbeWhenClosed() throws InterruptedException {
        CountDownLatch replaced = new CountDownLatch(1);
        CountDownLatch kept = new CountDownLatch(1);
        Probe stays = closing(kept);
        HeartbeatMonitor m = monitor(Map.of("master", stays, "replica-1", closing(replaced)));
        m.beat();
        m.copies(Map.of("master", stays, "replica-2", () -> { }));
        assertTrue(replaced.await(10, java.util.concurrent.TimeUnit.SECONDS), "the probe of a copy gone is closed");
        assertEquals(1, kept.getCount(), "the probe still used stays open");
        m.close();
        assertTrue(kept.await(10, java.util.concurrent.TimeUnit.SECONDS), "closing the monitor closes its probes");
    }

    @Test
    void shouldBeginTheNextBeatAPeriodAfterTheLastBeganAndNeverBeforeItEnded() {
        Duration period = Duration.ofMillis(300);
        assertEquals(Duration.ofMillis(300), HeartbeatMonitor.nextBeatIn(period, 0));
        assertEquals(Duration.ofMillis(260), HeartbeatMonitor.nextBeatIn(period, 40), "the beat's own time is not added");
        assertEquals(Duration.ZERO, HeartbeatMonitor.nextBeatIn(period, 300));
        assertEquals(Duration.ZERO, HeartbeatMonitor.nextBeatIn(period, 1_500), "a long beat is followed by one, not by a burst");
        assertEquals(Duration.ofMillis(300), HeartbeatMonitor.nextBeatIn(period, -5), "a clock stepped back");
    }

    @Test
    void shouldAllowAnEarlyBeatOnlyWhileTheCopysLastProbeAnswered() {
        AtomicBoolean up = new AtomicBoolean(true);
        try (HeartbeatMonitor m = monitor(Map.of("master", () -> {
            if (!up.get()) {
                throw new IllegalStateException("connection refused");
            }
        }))) {
            assertFalse(m.answering("master"), "not probed yet");
            m.beat();
            assertTrue(m.answering("master"));
            up.set(false);
            m.beat();
            assertFalse(m.answering("master"), "one failure counted: an early beat would count the next too soon");
            assertFalse(m.answering("replica-9"), "not a copy it probes");
        }
    }

    @Test
    void shouldCallACopyThatAnswersAvailable() {
        try (HeartbeatMonitor m = monitor(Map.of("master", () -> { }))) {
            assertEquals(CopyHealth.UNKNOWN, status(m, "master"));
            m.beat();
            assertEquals(CopyHealth.AVAILABLE, status(m, "master"));
            m.beat();
            assertEquals(List.of("master UNKNOWN->AVAILABLE"), changes, "one change reported, not one per beat");
        }
    }

    @Test
    void shouldSuspectAFailingCopyThenCallItUnavailableAfterTheRetriesAndAvailableWhenItAnswersAgain() {
        AtomicBoolean up = new AtomicBoolean(false);
        try (HeartbeatMonitor m = monitor(Map.of("replica-1", () -> {
            if (!up.get()) {
                throw new java.sql.SQLException("Connection refused");
            }
        }))) {
            m.beat();
            assertEquals(CopyHealth.SUSPECT, status(m, "replica-1"));
            assertTrue(m.states().get("replica-1").reason().contains("Connection refused"), m.states().toString());
            m.beat();
            assertEquals(CopyHealth.SUSPECT, status(m, "replica-1"));
            m.beat();
            assertEquals(CopyHealth.UNAVAILABLE, status(m, "replica-1"));
            up.set(true);
            m.beat();
            assertEquals(CopyHealth.AVAILABLE, status(m, "replica-1"));
            assertEquals(0, m.states().get("replica-1").failures());
            assertEquals(List.of("replica-1 UNKNOWN->SUSPECT", "replica-1 SUSPECT->UNAVAILABLE",
                    "replica-1 UNAVAILABLE->AVAILABLE"), changes);
        }
    }

    @Test
    void shouldCountAHungProbeAsFailedEveryBeatWithoutStartingAnotherUntilItReturns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger probes = new AtomicInteger();
        try (HeartbeatMonitor m = monitor(Map.of("master", () -> {
            if (probes.incrementAndGet() == 1) {
                release.await(); // a stopped process: the connection neither completes nor fails
            }
        }, "replica-1", () -> { }))) {
            long started = System.nanoTime();
            m.beat();
            long beatMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(beatMs >= 90 && beatMs < 2_000, "a beat waits for the time-out, no longer: " + beatMs + " ms");
            assertEquals(CopyHealth.SUSPECT, status(m, "master"));
            assertEquals(CopyHealth.AVAILABLE, status(m, "replica-1"), "the hung copy does not hold the others back");
            m.beat();
            m.beat();
            assertEquals(CopyHealth.UNAVAILABLE, status(m, "master"));
            assertEquals(1, probes.get(), "no second probe while the first still hangs");
            release.countDown();
            Thread.sleep(50);
            m.beat();
            assertEquals(CopyHealth.AVAILABLE, status(m, "master"));
            assertEquals(2, probes.get());
        }
    }

    @Test
    void shouldBoundDetectionByPeriodPlusTimeoutTimesRetries() {
        assertEquals(Duration.ofMillis(330), SETTINGS.detectionBound());
    }

    @Test
    void shouldRefuseBadHeartbeatSettingsNamingEachKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GroupSettings.from(ClusterConfig.from(Map.of(
                GroupSettings.PERIOD, "0", GroupSettings.TIMEOUT, "soon", GroupSettings.RETRIES, "-1"))));
        assertTrue(e.getMessage().contains(GroupSettings.PERIOD + ": '0'"), e.getMessage());
        assertTrue(e.getMessage().contains(GroupSettings.TIMEOUT + ": 'soon'"), e.getMessage());
        assertTrue(e.getMessage().contains(GroupSettings.RETRIES + ": '-1'"), e.getMessage());
        GroupSettings defaults = GroupSettings.from(ClusterConfig.defaults());
        assertEquals(new GroupSettings(Duration.ofMillis(300), Duration.ofMillis(1000), 3), defaults);
    }
}
