package org.example.ledger.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TransferRulesTest {

    private final TransferRules noOverdraft = new TransferRules(0);

    @Test
    void shouldAllowATransferTheBalanceCovers() {
        assertDoesNotThrow(() -> noOverdraft.check(1, 500, 2, 500));
        assertDoesNotThrow(() -> noOverdraft.check(1, 500, 2, 1));
    }

    @Test
    void shouldRefuseATransferTheBalanceDoesNotCoverWith409NamingTheAccount() {
        LedgerException e = assertThrows(LedgerException.class, () -> noOverdraft.check(1, 500, 2, 501));
        assertEquals(409, e.status());
        assertEquals("account 1 has 500 cents, 501 asked", e.getMessage());
    }

    @Test
    void shouldAllowOverdraftUpToTheLimitOnly() {
        TransferRules rules = new TransferRules(1000);
        assertDoesNotThrow(() -> rules.check(1, 0, 2, 1000));
        LedgerException e = assertThrows(LedgerException.class, () -> rules.check(1, 0, 2, 1001));
        assertEquals(409, e.status());
        assertTrue(e.getMessage().contains("overdraft limit 1000"), e.getMessage());
    }

    @Test
    void shouldRefuseAnAmountOutOfRangeWith400NamingTheField() {
        for (long amount : new long[] {0, -5, TransferRules.MAX_AMOUNT_CENTS + 1, Long.MIN_VALUE}) {
            LedgerException e = assertThrows(LedgerException.class, () -> noOverdraft.check(1, Long.MAX_VALUE, 2, amount));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().startsWith("amountCents: " + amount + " "), e.getMessage());
        }
        assertDoesNotThrow(() -> noOverdraft.check(1, Long.MAX_VALUE, 2, TransferRules.MAX_AMOUNT_CENTS));
    }

    @Test
    void shouldRefuseATransferToTheSameAccount() {
        LedgerException e = assertThrows(LedgerException.class, () -> noOverdraft.check(7, 500, 7, 10));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("toAccountId: 7 "), e.getMessage());
    }

    @Test
    void shouldNotWrapRoundOnAHugeNegativeBalance() {
        LedgerException e = assertThrows(LedgerException.class,
                () -> new TransferRules(Long.MAX_VALUE).check(1, Long.MIN_VALUE + 1, 2, TransferRules.MAX_AMOUNT_CENTS));
        assertEquals(409, e.status());
    }

    @Test
    void shouldLockTheLowerIdFirstWhicheverWayMoneyGoes() {
        assertArrayEquals(new long[] {3, 8}, TransferRules.lockOrder(3, 8));
        assertArrayEquals(new long[] {3, 8}, TransferRules.lockOrder(8, 3));
    }

    @Test
    void shouldRefuseANegativeOverdraftLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TransferRules(-1));
        assertEquals("overdraftLimitCents: -1 is negative", e.getMessage());
    }
}
