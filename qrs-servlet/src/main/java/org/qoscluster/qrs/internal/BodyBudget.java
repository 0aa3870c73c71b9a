package org.qoscluster.qrs.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The router-wide bound on the memory request bodies hold at once
 * ({@code qos.router.max-body-memory-bytes}). Each body bounds itself
 * ({@code qos.http.max-body-bytes}); this bounds them all together, so that many connections
 * that each send part of a body and stall cannot fill the router's heap. A body reserves each
 * growth of its buffer before making it and gives everything back once when its exchange ends.
 *
 * <p>Thread-safe without a lock: what is held is one counter, changed by compare-and-set, and
 * never goes over the limit.
 */
public final class BodyBudget {

    private final long limit;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    /** A budget of {@code limit} bytes, none of it held. */
    public BodyBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a body budget of " + limit + " bytes must be positive");
        }
        this.limit = limit;
    }

    /**
     * Takes {@code bytes} out of the budget: true when they fit beside what is held; false when
     * they do not, in which case nothing is taken and a refusal is counted.
     */
    public boolean reserve(long bytes) {
        checkNotNegative(bytes);
        long now = held.get();
        while (bytes <= limit - now) {
            long seen = held.compareAndExchange(now, now + bytes);
            if (seen == now) {
                return true;
            }
            now = seen;
        }
        refusals.incrementAndGet();
        return false;
    }

    /**
     * Gives back {@code bytes} reserved before; more than is held is a caller's mistake, refused
     * without changing the budget.
     */
    public void release(long bytes) {
        checkNotNegative(bytes);
        long now = held.get();
        while (true) {
            if (bytes > now) {
                throw new IllegalStateException("releasing " + bytes + " bytes of request bodies, but only " + now + " are held");
            }
            long seen = held.compareAndExchange(now, now - bytes);
            if (seen == now) {
                return;
            }
            now = seen;
        }
    }

    private static void checkNotNegative(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a negative amount of body bytes: " + bytes);
        }
    }

    /** The bytes reserved now, from 0 to {@link #limit()}. */
    public long held() {
        return held.get();
    }

    /** The most bytes that may be reserved at once. */
    public long limit() {
        return limit;
    }

    /** Reservations refused because the budget was spent, since the router started. */
    public long refusals() {
        return refusals.get();
    }
}
