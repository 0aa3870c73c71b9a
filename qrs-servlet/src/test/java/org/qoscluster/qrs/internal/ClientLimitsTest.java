package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ClientLimitsTest {

    @Test
    void shouldAdmitUpToTheCapPerClientAndNoOtherClientIsTouched() {
        ClientLimits limits = new ClientLimits(2);
        assertTrue(limits.capped());
        assertTrue(limits.tryEnter("10.0.0.1"));
        assertTrue(limits.tryEnter("10.0.0.1"), "exactly the cap fits");
        assertFalse(limits.tryEnter("10.0.0.1"), "one past the cap does not");
        assertEquals(2, limits.inFlight("10.0.0.1"), "a refusal counts nothing in flight");
        assertEquals(1, limits.refusals());
        assertTrue(limits.tryEnter("10.0.0.2"), "another client has places of its own");
        assertTrue(limits.tryEnter("10.0.0.2"));
        assertEquals(2, limits.clients());
        limits.leave("10.0.0.1");
        assertTrue(limits.tryEnter("10.0.0.1"), "a place given back can be taken again");
        assertFalse(limits.tryEnter("10.0.0.1"));
        assertEquals(2, limits.refusals());
    }

    @Test
    void shouldForgetAClientWithNoRequestInFlight() {
        ClientLimits limits = new ClientLimits(3);
        assertTrue(limits.tryEnter("::1"));
        assertTrue(limits.tryEnter("::1"));
        limits.leave("::1");
        assertEquals(1, limits.clients());
        limits.leave("::1");
        assertEquals(0, limits.clients(), "its entry goes with its last request");
        assertEquals(0, limits.inFlight("::1"));
    }

    @Test
    void shouldRefuseToLeaveWithoutHavingEntered() {
        ClientLimits limits = new ClientLimits(1);
        assertThrows(IllegalStateException.class, () -> limits.leave("10.0.0.1"));
        assertEquals(0, limits.clients(), "a wrong leave keeps nothing");
        assertTrue(limits.tryEnter("10.0.0.1"));
        limits.leave("10.0.0.1");
        assertThrows(IllegalStateException.class, () -> limits.leave("10.0.0.1"), "a second leave for one entry");
        assertThrows(IllegalArgumentException.class, () -> new ClientLimits(-1));
    }

    @Test
    void shouldCountAndKeepNothingWithoutACap() {
        ClientLimits limits = new ClientLimits(0);
        assertFalse(limits.capped());
        for (int i = 0; i < 1_000; i++) {
            assertTrue(limits.tryEnter("10.0.0.1"));
        }
        limits.leave("10.0.0.1");
        assertEquals(0, limits.clients());
        assertEquals(0, limits.inFlight("10.0.0.1"));
        assertEquals(0, limits.refusals());
    }

    /**
     * Many threads enter and leave for random addresses of a few at once: no address ever has
     * more than the cap in flight (each thread counts its own entries in a shadow count, after
     * entering and before leaving, so the shadow never exceeds what the limits hold), both
     * admissions and refusals happen, and once every request has left no address is kept.
     */
    @Test
    void shouldNeverPassTheCapPerClientAndEndEmptyUnderConcurrentRequests() throws Exception {
        int cap = 3;
        ClientLimits limits = new ClientLimits(cap);
        String[] addresses = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "192.0.2.7", "2001:db8::1"};
        int threads = 16;
        int rounds = 20_000;
        ConcurrentHashMap<String, AtomicInteger> shadow = new ConcurrentHashMap<>();
        for (String a : addresses) {
            shadow.put(a, new AtomicInteger());
        }
        AtomicBoolean over = new AtomicBoolean();
        AtomicLong admitted = new AtomicLong();
        Together.run(threads, t -> {
            SplittableRandom random = new SplittableRandom(0xc11e7L + t);
            Deque<String> mine = new ArrayDeque<>();
            for (int i = 0; i < rounds; i++) {
                if (!mine.isEmpty() && random.nextInt(2) == 0) {
                    String a = random.nextBoolean() ? mine.pollFirst() : mine.pollLast();
                    shadow.get(a).decrementAndGet();
                    limits.leave(a);
                    continue;
                }
                String a = addresses[random.nextInt(addresses.length)];
                if (limits.tryEnter(a)) {
                    admitted.incrementAndGet();
                    mine.add(a);
                    if (shadow.get(a).incrementAndGet() > cap) {
                        over.set(true);
                    }
                }
            }
            for (String a : mine) {
                shadow.get(a).decrementAndGet();
                limits.leave(a);
            }
        });
        assertFalse(over.get(), "a client had more than " + cap + " requests in flight");
        assertTrue(admitted.get() > 0 && limits.refusals() > 0, "both admissions (" + admitted + ") and refusals ("
                + limits.refusals() + ") happened: the cap was reached");
        assertEquals(0, limits.clients(), "no address is kept once its requests have left");
        for (String a : addresses) {
            assertEquals(0, limits.inFlight(a), a);
        }
    }
}
