package org.qoscluster.store.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.UndeclaredThrowableException;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RolledBackTest {

    /** As EclipseLink and the EJB container hand Derby's exception over: wrapped, the state inside. */
    private static RuntimeException wrapped(String sqlState) {
        SQLException derby = sqlState.startsWith("40") ? new SQLTransactionRollbackException("derby", sqlState)
                : new SQLException("derby", sqlState);
        // Payara's connection proxy: an SQLException without a state around the driver's.
        SQLException proxy = new SQLException("proxy", (String) null, new UndeclaredThrowableException(derby));
        return new IllegalStateException("EJBException", new RuntimeException("DatabaseException", proxy));
    }

    @Test
    void shouldRetryOnlyWhatTheDatabaseRolledBackOnItsOwn() {
        for (String state : new String[] {"40001", "40XL1", "X0Y84"}) {
            assertTrue(RolledBack.isTransient(wrapped(state)), state);
        }
        for (String state : new String[] {"23505", "22001", "08006", "40XL2", "XJ040"}) {
            assertFalse(RolledBack.isTransient(wrapped(state)), state);
        }
        assertFalse(RolledBack.isTransient(new IllegalStateException("no SQL state at all")));
    }

    @Test
    void shouldRunATransactionAgainAfterARollbackAndReturnItsResult() {
        AtomicInteger runs = new AtomicInteger();
        String placed = RolledBack.retried(() -> {
            if (runs.incrementAndGet() < RolledBack.ATTEMPTS) {
                throw wrapped(runs.get() == 1 ? "40XL1" : "40001");
            }
            return "order";
        });
        assertEquals("order", placed);
        assertEquals(RolledBack.ATTEMPTS, runs.get());
    }

    @Test
    void shouldThrowTheLastRollbackAfterTheLastAttemptAndAnyOtherFailureAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        RuntimeException last = wrapped("40XL1");
        assertSame(last, assertThrows(RuntimeException.class, () -> RolledBack.retried(() -> {
            runs.incrementAndGet();
            throw last;
        })));
        assertEquals(RolledBack.ATTEMPTS, runs.get());

        runs.set(0);
        RuntimeException duplicate = wrapped("23505");
        assertSame(duplicate, assertThrows(RuntimeException.class, () -> RolledBack.retried(() -> {
            runs.incrementAndGet();
            throw duplicate;
        })));
        assertEquals(1, runs.get());
    }
}
