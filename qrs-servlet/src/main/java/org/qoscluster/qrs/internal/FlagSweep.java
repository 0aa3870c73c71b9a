package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;

import org.qoscluster.contract.StateChangeFlag;

/**
 * Which state-change flags are done with (pure; the clock is the caller's): a flag whose write
 * every replica's watermark has passed, a flag older than the staleness bound, and a value that
 * is not a flag at all. Keeping any of them would only make the map and the router's mirror grow:
 * the router routes such a user by goal anyway, and the user's reads stay correct through the flag
 * in their session record.
 */
final class FlagSweep {

    private final long ttlMillis;

    /** @param ttlMillis the staleness bound: a flag this old is removed whatever the watermarks say */
    FlagSweep(long ttlMillis) {
        if (ttlMillis < 1) {
            throw new IllegalArgumentException("flag time-to-live must be positive, is " + ttlMillis + " ms");
        }
        this.ttlMillis = ttlMillis;
    }

    /** Whether the flag {@code encoded} may go, at {@code nowMillis}. */
    boolean removable(String encoded, long nowMillis, LongPredicate replicatedEverywhere) {
        Optional<StateChangeFlag> flag = StateChangeFlag.decode(encoded);
        return flag.isEmpty()
                || nowMillis - flag.get().epochMillis() >= ttlMillis
                || replicatedEverywhere.test(flag.get().sequence());
    }

    /** The UIDs whose flags in {@code flags} may go. */
    List<String> removable(Map<String, String> flags, long nowMillis, LongPredicate replicatedEverywhere) {
        List<String> out = new ArrayList<>();
        flags.forEach((uid, value) -> {
            if (removable(value, nowMillis, replicatedEverywhere)) {
                out.add(uid);
            }
        });
        return out;
    }
}
