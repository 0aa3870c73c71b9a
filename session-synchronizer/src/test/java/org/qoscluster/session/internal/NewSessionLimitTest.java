package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class NewSessionLimitTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void shouldAllowABurstOfTheLimitThenRefuseWithTheWaitUntilTheNextOne() {
        NewSessionLimit limit = new NewSessionLimit(60, now::get, 100);
        for (int i = 0; i < 60; i++) {
            assertEquals(0, limit.acquire("203.0.113.7"), "session " + i);
        }
        assertEquals(1, limit.acquire("203.0.113.7"), "one a second at 60 a minute");
        now.addAndGet(999);
        assertEquals(1, limit.acquire("203.0.113.7"));
        now.addAndGet(1);
        assertEquals(0, limit.acquire("203.0.113.7"), "a second later, one more");
        assertEquals(1, limit.acquire("203.0.113.7"));
    }

    @Test
    void shouldCountEachAddressOnItsOwn() {
        NewSessionLimit limit = new NewSessionLimit(2, now::get, 100);
        assertEquals(0, limit.acquire("a"));
        assertEquals(0, limit.acquire("a"));
        assertEquals(30, limit.acquire("a"), "two a minute: the next in 30 s");
        assertEquals(0, limit.acquire("b"));
        assertEquals(0, limit.acquire("b"));
    }

    @Test
    void shouldRefillNoFurtherThanTheBurst() {
        NewSessionLimit limit = new NewSessionLimit(3, now::get, 100);
        assertEquals(0, limit.acquire("a"));
        now.addAndGet(3_600_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limit.acquire("a"));
        }
        assertTrue(limit.acquire("a") > 0, "an idle hour does not save up more than the burst");
    }

    @Test
    void shouldNeverLimitWhenOff() {
        NewSessionLimit limit = new NewSessionLimit(0, now::get, 1);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, limit.acquire("203.0.113.7"));
        }
        assertEquals(0, limit.addressesTracked());
    }

    @Test
    void shouldRememberAtMostTheBoundOfAddressesAndForgetRefilledOnesFirst() {
        NewSessionLimit limit = new NewSessionLimit(2, now::get, 3);
        limit.acquire("busy");
        limit.acquire("busy");
        now.addAndGet(1);
        limit.acquire("one");
        limit.acquire("two");
        now.addAndGet(60_000); // "one" and "two" are full again; "busy" took two and is full too
        limit.acquire("busy");
        limit.acquire("busy");
        limit.acquire("three");
        assertEquals(2, limit.addressesTracked(), "the full buckets were dropped, the busy one kept");
        assertTrue(limit.acquire("busy") > 0, "the busy address is still limited");
        for (int i = 0; i < 1_000; i++) {
            limit.acquire("flood-" + i);
            assertTrue(limit.addressesTracked() <= 3);
        }
    }

    @Test
    void shouldRefuseANegativeLimit() {
        assertThrows(IllegalArgumentException.class, () -> new NewSessionLimit(-1, now::get, 10));
    }
}
