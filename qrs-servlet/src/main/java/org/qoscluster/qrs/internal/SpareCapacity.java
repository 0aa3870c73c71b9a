package org.qoscluster.qrs.internal;

import java.util.ArrayDeque;

/**
 * How many more requests in flight a site can take, as its router reports it to the site DNS
 * servers (the {@code load} policy): the admission capacity of its healthy nodes
 * ({@code qos.router.node-capacity} each) less the most requests the router had in flight at
 * once over the last window. The peak, not the latest sample, so that a site between two bursts
 * does not look idle to a DNS server that polls it now and then; samples are taken on each round
 * of health checks and whenever the figure is asked for. Pure: the caller gives the clock.
 */
final class SpareCapacity {

    private final long windowNanos;
    /** Samples in time order whose in-flight count is above every later one's: the window's peak is the first. */
    private final ArrayDeque<long[]> peaks = new ArrayDeque<>();

    SpareCapacity(long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("window must be positive: " + windowNanos);
        }
        this.windowNanos = windowNanos;
    }

    /** Records that {@code inFlight} requests were in flight at {@code nowNanos}. */
    synchronized void sample(long nowNanos, int inFlight) {
        while (!peaks.isEmpty() && peaks.peekLast()[1] <= inFlight) {
            peaks.pollLast();
        }
        peaks.addLast(new long[] {nowNanos, inFlight});
        expire(nowNanos);
    }

    /** The most requests in flight at once in the window that ends at {@code nowNanos}. */
    synchronized long peak(long nowNanos) {
        expire(nowNanos);
        return peaks.isEmpty() ? 0 : peaks.peekFirst()[1];
    }

    /**
     * Samples {@code inFlight} now, then: {@code capacity} (the healthy nodes' admission capacity
     * together) less the window's peak, never below 0.
     */
    long spare(long nowNanos, int inFlight, long capacity) {
        sample(nowNanos, inFlight);
        return Math.max(0, capacity - peak(nowNanos));
    }

    private void expire(long nowNanos) {
        while (peaks.size() > 1 && nowNanos - peaks.peekFirst()[0] > windowNanos) {
            peaks.pollFirst();
        }
        // The last sample stays even when old: it is the count since then, nothing newer said otherwise.
    }
}
