package org.qoscluster.qrs.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on the requests one client may have in flight through the router at once
 * ({@code qos.router.max-requests-per-client}), so that one client cannot hold the node places
 * every other user shares. A request enters before it takes a node's place or its body is read,
 * and leaves once when its exchange ends.
 *
 * <p>Thread-safe: each address's count changes atomically in a {@link ConcurrentHashMap}, and
 * its entry goes when the count comes back to 0, so memory is bounded by the clients with
 * requests in flight. A cap of 0 is no cap: nothing is counted or kept.
 */
public final class ClientLimits {

    private final int cap;
    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong refusals = new AtomicLong();

    /** At most {@code cap} requests in flight per client; 0 for no cap. */
    public ClientLimits(int cap) {
        if (cap < 0) {
            throw new IllegalArgumentException("a cap of " + cap + " requests per client must not be negative");
        }
        this.cap = cap;
    }

    /** Whether there is a cap: without one, callers need neither enter nor leave. */
    public boolean capped() {
        return cap > 0;
    }

    /** The most requests one client may have in flight; 0 for no cap. */
    public int cap() {
        return cap;
    }

    /**
     * Counts a request of {@code address} in flight: true when it fits beside the client's
     * others (it must then {@link #leave} once); false when the client has {@link #cap()} in
     * flight already, in which case nothing is counted but the refusal. Always true without a cap.
     */
    public boolean tryEnter(String address) {
        if (cap == 0) {
            return true;
        }
        boolean[] entered = new boolean[1];
        inFlight.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            if (now >= cap) {
                return n;
            }
            entered[0] = true;
            return now + 1;
        });
        if (!entered[0]) {
            refusals.incrementAndGet();
        }
        return entered[0];
    }

    /**
     * Ends a request of {@code address} that entered; the address is forgotten when it has none
     * left. Leaving without having entered is a caller's mistake, refused without a change.
     */
    public void leave(String address) {
        if (cap == 0) {
            return;
        }
        boolean[] counted = new boolean[1];
        inFlight.computeIfPresent(address, (a, n) -> {
            counted[0] = true;
            return n == 1 ? null : n - 1;
        });
        if (!counted[0]) {
            throw new IllegalStateException("a request of " + address + " left, but none of its requests is in flight");
        }
    }

    /** The requests of {@code address} in flight now. */
    public int inFlight(String address) {
        return inFlight.getOrDefault(address, 0);
    }

    /** The clients with a request in flight now. */
    public int clients() {
        return inFlight.size();
    }

    /** Requests refused because their client had all its places, since the router started. */
    public long refusals() {
        return refusals.get();
    }
}
