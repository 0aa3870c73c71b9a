package org.qoscluster.qrs;

/**
 * Performance of one node for one service class: exponentially weighted mean and variance of
 * the latency (p95 estimated as mean + 1.645 standard deviations) and of the error rate. An
 * estimate that no request has refreshed for a while fades (half-life {@link #HALF_LIFE_NANOS}),
 * so a node once slow for a class gets probed again instead of being shunned forever.
 */
public final class ClassRecord {

    /** Weight of a new sample. */
    static final double ALPHA = 0.2;
    /** Half-life of an estimate with no new samples: 5 s. */
    static final long HALF_LIFE_NANOS = 5_000_000_000L;

    private double meanMicros;
    private double varMicros2;
    private double errorRate;
    private long samples;
    private long lastSampleNanos;

    synchronized void add(long latencyMicros, boolean error, long nowNanos) {
        if (samples == 0) {
            meanMicros = latencyMicros;
            varMicros2 = 0;
        } else {
            double diff = latencyMicros - meanMicros;
            double incr = ALPHA * diff;
            meanMicros += incr;
            varMicros2 = (1 - ALPHA) * (varMicros2 + diff * incr);
        }
        errorRate = samples == 0 ? (error ? 1 : 0) : (1 - ALPHA) * errorRate + ALPHA * (error ? 1 : 0);
        samples++;
        lastSampleNanos = nowNanos;
    }

    /** Estimated 95th percentile latency in microseconds, faded by age; 0 when never measured. */
    public synchronized double p95Micros(long nowNanos) {
        if (samples == 0) {
            return 0;
        }
        double p95 = meanMicros + 1.645 * Math.sqrt(Math.max(0, varMicros2));
        long age = nowNanos - lastSampleNanos;
        return age <= 0 ? p95 : p95 * Math.pow(0.5, (double) age / HALF_LIFE_NANOS);
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
}
