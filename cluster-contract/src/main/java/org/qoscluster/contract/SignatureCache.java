package org.qoscluster.contract;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Values computed from a key with an HMAC (a UID cookie verified, a user class or a client
 * address signed for a UID, the router's signed identity headers verified on a node), kept so
 * that a returning user's requests cost a map read instead of HMACs (and, the same way, any
 * other pure check of a header, such as a Host header that passed). Only results are kept, never
 * a refusal: a forged value is checked (and refused) every time. Bounded: when full it is
 * emptied and filled again from the next requests.
 *
 * @param <V> what a key gives once checked
 */
public final class SignatureCache<V> {

    private final int capacity;
    private final Map<String, V> values = new ConcurrentHashMap<>();

    /** A cache of at most {@code capacity} values. */
    public SignatureCache(int capacity) {
        this.capacity = capacity;
    }

    /** The value for {@code key}, computed by {@code compute} (null: nothing, and nothing kept) when not kept yet. */
    public V get(String key, Function<String, V> compute) {
        V v = values.get(key);
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

    /** How many values are kept now. */
    public int size() {
        return values.size();
    }
}
