package org.qoscluster.store.service;

import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * A transaction the database rolled back on its own, which the same request may run again: a
 * deadlock victim (SQL state 40001), a lock it could not get (40XL1: also a lock Derby asks for
 * without waiting, inside its own bookkeeping), or Derby's "too much contention on sequence"
 * (X0Y84). Nothing of such a transaction was written. Not a constraint, a bad value or a lost
 * connection: those are answered as they are.
 */
public final class RolledBack {

    /** How many times a request's transaction runs at most. */
    public static final int ATTEMPTS = 3;

    private RolledBack() {
    }

    /** Whether {@code t}, or one of its first ten causes, is such a rollback. */
    public static boolean isTransient(Throwable t) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                return state.equals("40001") || state.equals("40XL1") || state.equals("X0Y84");
            }
        }
        return false;
    }

    /**
     * Runs {@code transaction} (a call that starts and ends its own transaction) until it returns,
     * at most {@link #ATTEMPTS} times while the database rolls it back on its own; any other
     * failure, or the last rollback, is thrown.
     */
    public static <T> T retried(Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !isTransient(e)) {
                    throw e;
                }
            }
        }
    }
}
