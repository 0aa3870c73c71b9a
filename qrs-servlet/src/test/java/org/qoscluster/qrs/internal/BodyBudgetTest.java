package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class BodyBudgetTest {

    @Test
    void shouldGrantUpToTheLimitAndRefuseBeyondIt() {
        BodyBudget budget = new BodyBudget(1000);
        assertTrue(budget.reserve(600));
        assertTrue(budget.reserve(400), "exactly the limit fits");
        assertEquals(1000, budget.held());
        assertFalse(budget.reserve(1), "one byte past the limit does not");
        assertEquals(1000, budget.held(), "a refused reservation takes nothing");
        assertEquals(1, budget.refusals());
        budget.release(400);
        assertTrue(budget.reserve(0));
        assertFalse(budget.reserve(401));
        assertTrue(budget.reserve(400), "what was given back can be taken again");
        budget.release(1000);
        assertEquals(0, budget.held());
        assertEquals(2, budget.refusals());
    }

    @Test
    void shouldRefuseAReservationLargerThanTheWholeBudgetEvenWhenEmpty() {
        BodyBudget budget = new BodyBudget(10);
        assertFalse(budget.reserve(Long.MAX_VALUE), "no overflow past the limit");
        assertEquals(0, budget.held());
    }

    @Test
    void shouldRefuseToGiveBackMoreThanIsHeld() {
        BodyBudget budget = new BodyBudget(100);
        assertTrue(budget.reserve(30));
        assertThrows(IllegalStateException.class, () -> budget.release(31));
        assertEquals(30, budget.held(), "a wrong release changes nothing");
        assertThrows(IllegalArgumentException.class, () -> budget.release(-1));
        assertThrows(IllegalArgumentException.class, () -> budget.reserve(-1));
        assertThrows(IllegalArgumentException.class, () -> new BodyBudget(0));
    }

    /**
     * Many threads reserve and release random amounts at once: what is held never passes the
     * limit (checked by every thread after each reservation, against what it holds itself), every
     * grant is given back, and the budget ends at 0.
     */
    @Test
    void shouldNeverPassTheLimitAndEndEmptyUnderConcurrentReservations() throws Exception {
        long limit = 1 << 20;
        BodyBudget budget = new BodyBudget(limit);
        int threads = 16;
        int rounds = 20_000;
        AtomicBoolean over = new AtomicBoolean();
        AtomicLong granted = new AtomicLong();
        Together.run(threads, t -> {
            SplittableRandom random = new SplittableRandom(0x5eedL + t);
            List<Long> mine = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                if (!mine.isEmpty() && random.nextInt(3) == 0) {
                    budget.release(mine.remove(random.nextInt(mine.size())));
                    continue;
                }
                long bytes = random.nextLong(limit / 8);
                if (budget.reserve(bytes)) {
                    mine.add(bytes);
                    granted.incrementAndGet();
                }
                if (budget.held() > limit) {
                    over.set(true);
                }
            }
            for (long bytes : mine) {
                budget.release(bytes);
            }
        });
        assertFalse(over.get(), "the budget was passed");
        assertTrue(granted.get() > 0 && budget.refusals() > 0, "both grants (" + granted + ") and refusals ("
                + budget.refusals() + ") happened: the limit was reached");
        assertEquals(0, budget.held(), "everything reserved was given back");
    }
}
