package org.qoscluster.qrs.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Values the router computed from a key with an HMAC (a UID cookie it verified, a user class or
 * a client address it signed for a UID), kept so that a returning user's requests cost map reads
 * instead of HMACs (and, the same way, Host headers that passed their check). Only results are
 * kept, never a refusal: a forged cookie is verified (and refused) every time. Bounded: when full it is emptied and filled again from the next requests.
 */
final class SignatureCache {

    private final int capacity;
    private final Map<String, String> values = new ConcurrentHashMap<>();

    SignatureCache(int capacity) {
        this.capacity = capacity;
    }

    /** The value for {@code key}, computed by {@code compute} (null: nothing, and nothing kept) when not kept yet. */
    String get(String key, Function<String, String> compute) {
        String v = values.get(key);
        if (v == null) {
            v = compute.apply(key);
            if (v != null) {
                if (values.size() >= capacity) {
                    values.clear();
                }
                values.put(key, v);
            }
        }
        return v;
    }

    int size() {
        return values.size();
    }
}
