package org.qoscluster.qrs;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Performance of one node for one service class: exponentially weighted mean and variance of
 * the latency (p95 estimated as mean + 1.645 standard deviations) and of the error rate.
 *
 * <p>An estimate that no answer has refreshed for {@link #STALE_AFTER_NANOS} is stale: it
 * describes the node as it was, not as it is. The next answer then starts a new estimate instead
 * of being blended into the old one. Blended, one fresh 20 ms answer after a burst of 30 s
 * answers moves the mean down by a fifth of the difference and raises the standard deviation to
 * two fifths of it: the p95 comes out at 44 s, higher than before the answer, and a node that
 * recovered stays out of rotation.
 * A stale estimate that misses the goal is what {@link NodeSelector} probes; the probe's answer
 * is the node's current latency.
 *
 * <p>Written under the record's lock when an answer arrives; the selector reads the estimate
 * under the lock, and its freshness and the probe count without a lock.
 */
public final class ClassRecord {

    /** Weight of a new sample. */
    static final double ALPHA = 0.2;
    /** An estimate without an answer or a probe for this long is stale: 2 s. */
    static final long STALE_AFTER_NANOS = 2_000_000_000L;

    private double meanMicros;
    private double varMicros2;
    private double errorRate;
    private long samples;
    private long lastSampleNanos;
    /** When the last answer arrived or the last probe left, whichever is later. */
    private volatile long refreshedNanos;
    /** Requests of the class for which this node was the one to probe. */
    private final AtomicLong probeTurns = new AtomicLong();

    synchronized void add(long latencyMicros, boolean error, long nowNanos) {
        if (samples == 0 || nowNanos - lastSampleNanos >= STALE_AFTER_NANOS) {
            meanMicros = latencyMicros;
            varMicros2 = 0;
            errorRate = error ? 1 : 0;
        } else {
            double diff = latencyMicros - meanMicros;
            double incr = ALPHA * diff;
            meanMicros += incr;
            varMicros2 = (1 - ALPHA) * (varMicros2 + diff * incr);
            errorRate = (1 - ALPHA) * errorRate + ALPHA * (error ? 1 : 0);
        }
        samples++;
        lastSampleNanos = nowNanos;
        refreshedNanos = nowNanos;
    }

    /** Estimated 95th percentile latency in microseconds; 0 when never measured. */
    public synchronized double p95Micros() {
        if (samples == 0) {
            return 0;
        }
        return meanMicros + 1.645 * Math.sqrt(Math.max(0, varMicros2));
    }

    public synchronized double meanMicros() {
        return meanMicros;
    }

    public synchronized double errorRate() {
        return errorRate;
    }

    public synchronized long samples() {
        return samples;
    }

    /** When the last answer arrived or the last probe left ({@link System#nanoTime} scale; 0 if never). */
    public long refreshedNanos() {
        return refreshedNanos;
    }

    /**
     * Counts a request of the class for which this node is the one to probe, and says whether
     * this request is the probe: every {@code every}-th is. A probe counts as a refresh, so the
     * node is not probed again before {@link #STALE_AFTER_NANOS} has passed, even while the probe
     * is still waiting for its answer. One atomic increment; the count is never reset, so each
     * probe has {@code every} counted requests of its own, however requests interleave.
     */
    boolean probeTurn(long nowNanos, int every) {
        if (probeTurns.incrementAndGet() % every != 0) {
            return false;
        }
        refreshedNanos = nowNanos;
        return true;
    }
}
