package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LogLimiterTest {

    private static final long MINUTE = 60_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000);

    @Test
    void shouldLogOncePerAddressPerMinuteAndCountEveryEvent() {
        LogLimiter limiter = new LogLimiter(MINUTE, 100, now::get);
        assertTrue(limiter.admit("10.0.0.1"));
        for (int i = 0; i < 1000; i++) {
            assertFalse(limiter.admit("10.0.0.1"), "a flood from one address is logged once");
        }
        assertTrue(limiter.admit("10.0.0.2"), "another address has its own line");
        now.addAndGet(MINUTE - 1);
        assertFalse(limiter.admit("10.0.0.1"));
        now.addAndGet(1);
        assertTrue(limiter.admit("10.0.0.1"), "a minute later it is logged again");
        assertEquals(1004, limiter.events());
    }

    @Test
    void shouldRememberAtMostMaxKeysAddresses() {
        LogLimiter limiter = new LogLimiter(MINUTE, 3, now::get);
        for (int i = 0; i < 10_000; i++) {
            limiter.admit("addr-" + i);
            assertTrue(limiter.keys() <= 3, "bounded: " + limiter.keys());
        }
        assertEquals(10_000, limiter.events());
        // The most recent addresses are the ones remembered, so a flood of one stays quiet.
        assertFalse(limiter.admit("addr-9999"));
    }

    @Test
    void shouldForgetAddressesWhoseMinuteHasPassed() {
        LogLimiter limiter = new LogLimiter(MINUTE, 1000, now::get);
        for (int i = 0; i < 50; i++) {
            limiter.admit("addr-" + i);
        }
        now.addAndGet(MINUTE);
        assertTrue(limiter.admit("other"));
        assertEquals(1, limiter.keys(), "expired entries are dropped as new ones come");
    }
}
