package org.qoscluster.store.service;

import java.util.function.Supplier;

import org.qoscluster.clone.SqlState;

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

    /** Whether {@code t} is such a rollback, by the SQL state down its causes ({@link SqlState#of}). */
    public static boolean isTransient(Throwable t) {
        String state = SqlState.of(t);
        return "40001".equals(state) || "40XL1".equals(state) || "X0Y84".equals(state);
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
