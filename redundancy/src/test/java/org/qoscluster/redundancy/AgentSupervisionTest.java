package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.qoscluster.redundancy.AgentSupervision.Keep;
import org.qoscluster.redundancy.AgentSupervision.Lease;
import org.qoscluster.redundancy.AgentSupervision.Start;

class AgentSupervisionTest {

    private final ManualClock clock = new ManualClock(1_000);
    private final long[] now = clock.now;

    private AgentSupervision supervision(long last) {
        return new AgentSupervision(clock, Duration.ofMillis(1_500), Duration.ofSeconds(20), Duration.ofMillis(500), last);
    }

    /** Starts what {@code s} decides, which must be a start of {@code generation}. */
    private static void start(AgentSupervision s, AgentSupervision.Decision d, long generation) {
        assertInstanceOf(Start.class, d, d::toString);
        assertEquals(generation, ((Start) d).generation(), d::toString);
        s.started(generation);
    }

    @Test
    void shouldStartTheGenerationAfterTheLastOneEverStarted() {
        AgentSupervision s = supervision(7);
        start(s, s.decide(false, Optional.empty()), 8);
        assertInstanceOf(Keep.class, s.decide(true, Optional.empty()), "starting: no lease yet");
    }

    @Test
    void shouldReplaceAKilledAgentAtOnceAndAHungOneOnceItsLeaseExpires() {
        AgentSupervision s = supervision(0);
        start(s, s.decide(false, Optional.empty()), 1);
        now[0] += 3_000;
        assertInstanceOf(Keep.class, s.decide(true, Optional.of(new Lease(1, now[0] - 200))));
        start(s, s.decide(false, Optional.of(new Lease(1, now[0] - 200))), 2); // kill -9
        now[0] += 1_000;
        Lease renewed = new Lease(2, now[0]);
        assertInstanceOf(Keep.class, s.decide(true, Optional.of(renewed)));
        now[0] += 1_500; // SIGSTOP: the lease ages, the process is still there
        assertInstanceOf(Keep.class, s.decide(true, Optional.of(renewed)), "exactly at the lease: still its own");
        now[0] += 1;
        AgentSupervision.Decision d = s.decide(true, Optional.of(renewed));
        start(s, d, 3);
        assertTrue(((Start) d).why().contains("lease expired"), d::toString);
    }

    @Test
    void shouldNotTakeAnEarlierGenerationsLeaseForTheNewAgents() {
        AgentSupervision s = supervision(0);
        start(s, s.decide(false, Optional.empty()), 1);
        now[0] += 500;
        start(s, s.decide(false, Optional.of(new Lease(1, now[0]))), 2);
        now[0] += 20_001;
        // Generation 1 woke up and renews; generation 2 never did.
        AgentSupervision.Decision d = s.decide(true, Optional.of(new Lease(1, now[0])));
        start(s, d, 3);
        assertTrue(((Start) d).why().contains("renewed no lease within 20000 ms"), d::toString);
    }

    @Test
    void shouldBackOffWhileAgentsDieBeforeTheirFirstLease() {
        AgentSupervision s = supervision(0);
        start(s, s.decide(false, Optional.empty()), 1);
        now[0] += 500;
        start(s, s.decide(false, Optional.empty()), 2);
        now[0] += 999;
        assertInstanceOf(Keep.class, s.decide(false, Optional.empty()), "one failed start: twice the gap");
        now[0] += 1;
        start(s, s.decide(false, Optional.empty()), 3);
        now[0] += 1_999;
        assertInstanceOf(Keep.class, s.decide(false, Optional.empty()), "two in a row: four times");
        now[0] += 1;
        start(s, s.decide(false, Optional.empty()), 4);
        now[0] += 100;
        assertInstanceOf(Keep.class, s.decide(true, Optional.of(new Lease(4, now[0]))), "renewed: the back-off ends");
        now[0] += 400;
        start(s, s.decide(false, Optional.empty()), 5);
    }

    @Test
    void shouldRefuseSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class,
                () -> new AgentSupervision(clock, Duration.ofMillis(400), Duration.ofSeconds(20), Duration.ZERO, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new AgentSupervision(clock, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO, 0));
    }

    /**
     * Generated runs of deaths, hangs and renewals: generations only go up, a running agent that
     * renews within its lease is never replaced, and a dead or hung one is replaced within the
     * lease plus the gap (no failed starts here: every agent renews once started).
     */
    @Test
    void shouldReplaceOnlyDeadOrHungAgentsAndAlwaysWithALaterGeneration() {
        Random random = new Random(11);
        for (int run = 0; run < 500; run++) {
            now[0] = 1_000;
            AgentSupervision s = supervision(random.nextInt(5));
            long gen = s.generation() + 1;
            start(s, s.decide(false, Optional.empty()), gen);
            long renewedAt = now[0];
            boolean alive = true;
            boolean hung = false;
            long failedAt = -1;
            for (int step = 0; step < 200; step++) {
                now[0] += 50 + random.nextInt(200);
                if (alive && !hung) {
                    renewedAt = now[0] - random.nextInt(250);
                    int fault = random.nextInt(40);
                    if (fault == 0) {
                        alive = false;
                        failedAt = now[0];
                    } else if (fault == 1) {
                        hung = true;
                        failedAt = renewedAt;
                    }
                }
                AgentSupervision.Decision d = s.decide(alive, Optional.of(new Lease(gen, renewedAt)));
                if (d instanceof Start st) {
                    assertTrue(!alive || hung, "run " + run + ": replaced a live agent renewing its lease: " + st);
                    assertEquals(gen + 1, st.generation());
                    assertTrue(now[0] - failedAt <= 1_500 + 500 + 250, "run " + run + ": replaced " + (now[0] - failedAt) + " ms late");
                    gen = st.generation();
                    s.started(gen);
                    alive = true;
                    hung = false;
                    renewedAt = now[0];
                }
            }
        }
    }
}
