package org.qoscluster.replication.internal;

import java.sql.SQLException;
import java.util.List;

/**
 * Many rows per statement. Derby spends more on a statement (its activation, and a network
 * round trip from the agent) than on a row, so the agent's writes and look-ups of many rows go
 * {@link #SIZE} rows at a time. Where repeating a row changes nothing (a look-up or a delete by
 * {@code IN} list), every chunk has that size, the last one filled up with its last row
 * ({@link #padded}): one shape per kind of statement, so a replica compiles it once and a look-up
 * of up to {@link #SIZE} keys is one round trip. Elsewhere (a multi-row insert) the rest of a
 * list goes in chunks of powers of two ({@link #each}), so that each kind of statement has at
 * most seven shapes, each prepared once per connection.
 */
final class Chunks {

    /** Rows per statement. */
    static final int SIZE = 64;

    /** One chunk's work: its size and its rows. */
    @FunctionalInterface
    interface Work<T> {
        void run(int size, List<T> chunk) throws SQLException;
    }

    private Chunks() {
    }

    /** Runs {@code work} on {@code items} in chunks of {@link #SIZE}, then of 32, 16, ... 1. */
    static <T> void each(List<T> items, Work<T> work) throws SQLException {
        int from = 0;
        for (int size = SIZE; size >= 1; size /= 2) {
            while (items.size() - from >= size) {
                work.run(size, items.subList(from, from + size));
                from += size;
                if (size < SIZE) {
                    break; // a power of two below SIZE is needed at most once
                }
            }
        }
    }

    /**
     * Runs {@code work} on {@code items} in chunks of exactly {@link #SIZE}, the last one filled
     * up by repeating its last item; nothing for an empty list.
     */
    static <T> void padded(List<T> items, Work<T> work) throws SQLException {
        for (int from = 0; from < items.size(); from += SIZE) {
            List<T> chunk = new java.util.ArrayList<>(items.subList(from, Math.min(items.size(), from + SIZE)));
            T last = chunk.get(chunk.size() - 1);
            while (chunk.size() < SIZE) {
                chunk.add(last);
            }
            work.run(SIZE, chunk);
        }
    }

    /** {@code n} copies of {@code mark} separated by commas, as in {@code ?, ?, ?}. */
    static String marks(int n, String mark) {
        return String.join(", ", java.util.Collections.nCopies(n, mark));
    }
}
