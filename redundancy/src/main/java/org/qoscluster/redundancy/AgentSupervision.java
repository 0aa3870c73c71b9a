package org.qoscluster.redundancy;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * When the replication agent process is dead or hung, and whether a new one may start (R8), as
 * pure logic with an injected clock; the supervisor process around it kills and starts processes.
 *
 * <p>Each agent process the supervisor starts has a {@code generation}, one more than the last,
 * which it writes on every replica it applies to ({@code Dialect.fenceGeneration}): once the next
 * generation has written, the earlier one can write nothing, so a hung agent that wakes up after
 * it was replaced ships nothing. The agent renews a lease (its generation and the time) every
 * {@link #RENEW} while it runs. It is replaced when its process is gone, when its lease is older
 * than {@code lease}, or when it has not renewed one within {@code startGrace} of its start. A
 * replacement follows the one before by at least {@code minGap}, doubled for each agent in a row
 * that never renewed a lease (one that cannot start is not restarted in a tight loop), at most
 * {@link #MAX_GAP}. Shipping so resumes at most {@code lease} plus a check period plus the new
 * process's start after an agent stops.
 */
public final class AgentSupervision {

    /** How often a running agent renews its lease. */
    public static final Duration RENEW = Duration.ofMillis(250);
    /** The longest gap between two starts of an agent that keeps failing to start. */
    public static final Duration MAX_GAP = Duration.ofSeconds(30);

    /** What a running agent last said: its generation and when (milliseconds of the clock). */
    public record Lease(long generation, long renewedMillis) {
    }

    /** What the supervisor does now. */
    public sealed interface Decision {
    }

    /** The agent of this generation runs (or the next start waits for its gap). */
    public record Keep() implements Decision {
    }

    /** Stop whatever is left of the agent and start generation {@code generation}, because {@code why}. */
    public record Start(long generation, String why) implements Decision {
    }

    private final Clock clock;
    private final Duration lease;
    private final Duration startGrace;
    private final Duration minGap;
    private long generation;
    private long startedMillis;
    private boolean any;
    private boolean renewed;
    private int failedStarts;

    /**
     * @param lastGeneration the highest generation ever started from this state (0: none), so that
     *                       a restarted supervisor still counts up
     */
    public AgentSupervision(Clock clock, Duration lease, Duration startGrace, Duration minGap, long lastGeneration) {
        if (lease.compareTo(RENEW.multipliedBy(2)) < 0 || startGrace.compareTo(lease) < 0 || minGap.isNegative()
                || lastGeneration < 0) {
            throw new IllegalArgumentException("agent supervision: lease " + lease + " must be at least twice the renewal "
                    + RENEW + ", start grace " + startGrace + " at least the lease, gap " + minGap + " not negative, last"
                    + " generation " + lastGeneration + " not negative");
        }
        this.clock = clock;
        this.lease = lease;
        this.startGrace = startGrace;
        this.minGap = minGap;
        this.generation = lastGeneration;
    }

    /** The generation started last (0 before the first). */
    public long generation() {
        return generation;
    }

    /**
     * The decision on what is seen now: whether the process of the current generation is alive,
     * and the lease last written (of whatever generation).
     */
    public Decision decide(boolean alive, Optional<Lease> last) {
        long now = clock.millis();
        if (!any) {
            return new Start(generation + 1, "no agent started yet");
        }
        Optional<Lease> mine = last.filter(l -> l.generation() == generation);
        if (mine.isPresent()) {
            renewed = true;
            failedStarts = 0;
        }
        String why;
        if (!alive) {
            why = "its process is gone";
        } else if (mine.isPresent() && now - mine.get().renewedMillis() > lease.toMillis()) {
            why = "its lease expired " + (now - mine.get().renewedMillis()) + " ms ago (limit " + lease.toMillis() + " ms): hung";
        } else if (mine.isEmpty() && now - startedMillis > startGrace.toMillis()) {
            why = "it renewed no lease within " + startGrace.toMillis() + " ms of its start";
        } else {
            return new Keep();
        }
        long gap = gap();
        if (now - startedMillis < gap) {
            return new Keep();
        }
        return new Start(generation + 1, "generation " + generation + ": " + why);
    }

    /** Records that generation {@code started} was started now. */
    public void started(long started) {
        if (started <= generation) {
            throw new IllegalArgumentException("generation " + started + " is not after " + generation);
        }
        if (any && !renewed) {
            failedStarts++;
        }
        any = true;
        generation = started;
        startedMillis = clock.millis();
        renewed = false;
    }

    /** The least time from the last start to the next: {@code minGap}, doubled per failed start in a row. */
    long gap() {
        long g = minGap.toMillis();
        for (int i = 0; i < failedStarts && g < MAX_GAP.toMillis(); i++) {
            g *= 2;
        }
        return Math.min(g, MAX_GAP.toMillis());
    }
}
