package org.qoscluster.sitedns;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Whether one watched target (a site's status page, or a peer DNS server) is up, from the
 * outcomes of its probes and a monotonic clock that the caller injects. The rule:
 * <ul>
 * <li>a target is down until its first successful probe;</li>
 * <li>it is down once it has had no successful probe for {@code downAfter}: failed probes (an
 * error status, a refused connection, a time-out) do not take it down sooner, they only fail to
 * keep it up, so one lost probe never moves users;</li>
 * <li>once down, it is up again after {@code upAfterSuccesses} successful probes in a row (a
 * failed probe in between starts the count again), the last of them less than {@code downAfter}
 * ago.</li>
 * </ul>
 * It also keeps what the successful probes measured: the spare capacity the latest one reported
 * (for the load policy) and the round trip, smoothed over the recent probes (for the
 * response-time policy). Thread-safe.
 */
public final class SiteHealth {

    /** The weight of a new round trip in the smoothed one (an exponentially weighted moving average). */
    static final double SMOOTHING = 0.3;

    private final long downAfterNanos;
    private final int upAfterSuccesses;
    private final LongSupplier nanoClock;
    private boolean everSucceeded;
    private long lastSuccess;
    private boolean recovering = true;
    private int streak;
    private OptionalLong spareCapacity = OptionalLong.empty();
    private double roundTripNanos = -1;

    /**
     * @param downAfter silence after the last successful probe that makes the target down
     * @param upAfterSuccesses successful probes in a row that bring a down target back (at least 1)
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     */
    public SiteHealth(Duration downAfter, int upAfterSuccesses, LongSupplier nanoClock) {
        if (downAfter.isNegative() || downAfter.isZero()) {
            throw new IllegalArgumentException("downAfter must be positive: " + downAfter);
        }
        if (upAfterSuccesses < 1) {
            throw new IllegalArgumentException("upAfterSuccesses must be at least 1: " + upAfterSuccesses);
        }
        this.downAfterNanos = downAfter.toNanos();
        this.upAfterSuccesses = upAfterSuccesses;
        this.nanoClock = nanoClock;
    }

    /** A probe succeeded now, after {@code roundTrip}, its target reporting {@code spare} free capacity (or none). */
    public synchronized void succeeded(Duration roundTrip, OptionalLong spare) {
        long now = nanoClock.getAsLong();
        if (everSucceeded && now - lastSuccess >= downAfterNanos) {
            recovering = true; // silent past the bound: down, and a count in progress starts again
            streak = 0;
        }
        if (recovering && streak == 0) {
            roundTripNanos = -1; // the figures from before it went down say nothing now
        }
        streak++;
        lastSuccess = now;
        everSucceeded = true;
        if (streak >= upAfterSuccesses) {
            recovering = false;
        }
        spareCapacity = spare;
        long rt = Math.max(0, roundTrip.toNanos());
        roundTripNanos = roundTripNanos < 0 ? rt : roundTripNanos + SMOOTHING * (rt - roundTripNanos);
    }

    /** A probe failed (an error status, {@code "available":false}, a refused connection, a time-out). */
    public synchronized void failed() {
        streak = 0;
    }

    /** Whether the target is up now. */
    public synchronized boolean up() {
        return !recovering && fresh(nanoClock.getAsLong());
    }

    /** What the answerer needs: up or not, with the spare capacity and smoothed round trip when known. */
    public synchronized SiteState state() {
        return new SiteState(up(), spareCapacity,
                roundTripNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(Math.round(roundTripNanos))));
    }

    private boolean fresh(long now) {
        return everSucceeded && now - lastSuccess < downAfterNanos;
    }
}
