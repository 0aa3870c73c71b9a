package org.qoscluster.qrs.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets one log line through per key (a client address) per interval, so that a client sending
 * bad cookies or bad tokens in a loop cannot flood the logs; every event is still counted.
 * Memory is bounded: at most {@code maxKeys} keys are remembered, the oldest forgotten first
 * (a forgotten client may get one more line logged). Clock injected, in nanoseconds.
 */
public final class LogLimiter {

    private final long intervalNanos;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final AtomicLong events = new AtomicLong();
    /** Key to when its last line was logged; insertion order is logging order. */
    private final LinkedHashMap<String, Long> lastLogged = new LinkedHashMap<>();

    public LogLimiter(long intervalNanos, int maxKeys, LongSupplier nanoClock) {
        if (intervalNanos <= 0 || maxKeys <= 0) {
            throw new IllegalArgumentException("interval " + intervalNanos + " ns and maxKeys " + maxKeys + " must be positive");
        }
        this.intervalNanos = intervalNanos;
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
    }

    /** Counts one event of {@code key}; true when it is to be logged (the first in its interval). */
    public boolean admit(String key) {
        events.incrementAndGet();
        long now = nanoClock.getAsLong();
        synchronized (lastLogged) {
            Long last = lastLogged.get(key);
            if (last != null && now - last < intervalNanos) {
                return false;
            }
            lastLogged.remove(key); // re-inserted at the end: the map stays in logging order
            for (Iterator<Map.Entry<String, Long>> it = lastLogged.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Long> oldest = it.next();
                if (lastLogged.size() < maxKeys && now - oldest.getValue() < intervalNanos) {
                    break;
                }
                it.remove();
            }
            lastLogged.put(key, now);
            return true;
        }
    }

    /** Every event counted, logged or not. */
    public long events() {
        return events.get();
    }

    /** Keys remembered now (at most {@code maxKeys}). */
    public int keys() {
        synchronized (lastLogged) {
            return lastLogged.size();
        }
    }
}
