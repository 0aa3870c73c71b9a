package org.qoscluster.session.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** Maps that hold at most a number of entries, dropping the eldest first. Not thread-safe. */
final class BoundedMaps {

    private BoundedMaps() {
    }

    /**
     * A map of at most {@code capacity} entries; the eldest goes first: the least recently
     * accessed with {@code accessOrder}, else the least recently inserted.
     *
     * @throws IllegalArgumentException when {@code capacity} is below 1
     */
    static <K, V> Map<K, V> of(int capacity, boolean accessOrder) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity + " < 1");
        }
        return new LinkedHashMap<>(16, 0.75f, accessOrder) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
