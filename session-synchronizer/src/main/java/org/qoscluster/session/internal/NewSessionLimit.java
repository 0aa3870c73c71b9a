package org.qoscluster.session.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many new sessions each client address may create: a token bucket per address holding at
 * most {@code perMinute} tokens, refilled at {@code perMinute} a minute, one token per new session.
 * Pure logic, clock injected. The addresses tracked are bounded: past {@code maxAddresses}, those
 * whose bucket has refilled (they are back to the full allowance, so forgetting them changes
 * nothing) are dropped, and if that is not enough, the ones seen longest ago.
 */
final class NewSessionLimit {

    private final int perMinute;
    private final LongSupplier millis;
    private final int maxAddresses;
    private final Map<String, Bucket> buckets = new HashMap<>();

    /**
     * @param perMinute    new sessions per address per minute, and the burst allowed; 0 = no limit
     * @param millis       the clock, in milliseconds
     * @param maxAddresses most addresses remembered at once
     */
    NewSessionLimit(int perMinute, LongSupplier millis, int maxAddresses) {
        if (perMinute < 0 || maxAddresses < 1) {
            throw new IllegalArgumentException("new-session limit: perMinute " + perMinute + " must be >= 0 and maxAddresses "
                    + maxAddresses + " >= 1");
        }
        this.perMinute = perMinute;
        this.millis = millis;
        this.maxAddresses = maxAddresses;
    }

    /**
     * Takes one new session for {@code address}: 0 when allowed (and counted), else how many
     * seconds until the address may create one again (at least 1).
     */
    synchronized long acquire(String address) {
        if (perMinute == 0) {
            return 0;
        }
        long now = millis.getAsLong();
        Bucket b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= maxAddresses) {
                prune(now);
            }
            b = new Bucket(perMinute, now);
            buckets.put(address, b);
        }
        b.refill(now, perMinute);
        b.seen = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        double msPerToken = 60_000.0 / perMinute;
        return Math.max(1, (long) Math.ceil((1 - b.tokens) * msPerToken / 1000.0));
    }

    synchronized int addressesTracked() {
        return buckets.size();
    }

    private void prune(long now) {
        String oldest = null;
        long oldestSeen = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Bucket> e = it.next();
            e.getValue().refill(now, perMinute);
            if (e.getValue().tokens >= perMinute) {
                it.remove();
            } else if (e.getValue().seen < oldestSeen) {
                oldestSeen = e.getValue().seen;
                oldest = e.getKey();
            }
        }
        if (buckets.size() >= maxAddresses && oldest != null) {
            buckets.remove(oldest);
        }
    }

    private static final class Bucket {
        double tokens;
        /** When the tokens were last brought up to date. */
        long last;
        /** When the address last asked. */
        long seen;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
            this.seen = now;
        }

        void refill(long now, int perMinute) {
            if (now > last) {
                tokens = Math.min(perMinute, tokens + (now - last) * perMinute / 60_000.0);
                last = now;
            }
        }
    }
}
