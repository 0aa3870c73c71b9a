package org.qoscluster.replication.internal;

import java.sql.SQLException;
import java.util.List;

/**
 * Many rows per statement. Derby spends more on a statement (its activation, and a network
 * round trip from the agent) than on a row, so the agent's writes and look-ups of many rows go
 * {@link #SIZE} rows at a time. The rest of a list goes in chunks of powers of two, so that each
 * kind of statement has at most seven shapes, each prepared once per connection.
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

    /** {@code n} copies of {@code mark} separated by commas, as in {@code ?, ?, ?}. */
    static String marks(int n, String mark) {
        return String.join(", ", java.util.Collections.nCopies(n, mark));
    }
}
