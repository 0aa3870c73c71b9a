package org.example.ledger.service;

/**
 * The rules of a transfer, apart from the database: what may be moved, and in which order two
 * accounts are locked (always the lower id first, so two opposite transfers never deadlock).
 */
public final class TransferRules {

    /** The largest single transfer or opening deposit: one million, in cents. */
    public static final long MAX_AMOUNT_CENTS = 100_000_000L;
    /** {@link #MAX_AMOUNT_CENTS} for Bean Validation's {@code @DecimalMax}. */
    public static final String MAX_AMOUNT_TEXT = "100000000";

    private final long overdraftLimitCents;

    /** @param overdraftLimitCents how far below zero a balance may go (0: not at all) */
    public TransferRules(long overdraftLimitCents) {
        if (overdraftLimitCents < 0) {
            throw new IllegalArgumentException("overdraftLimitCents: " + overdraftLimitCents + " is negative");
        }
        this.overdraftLimitCents = overdraftLimitCents;
    }

    /**
     * Checks a transfer of {@code amountCents} from account {@code fromId}, whose balance is
     * {@code fromBalanceCents}, to account {@code toId}.
     *
     * @throws LedgerException 400 for an amount out of range or a transfer to the same account,
     *         409 when the balance does not cover it
     */
    public void check(long fromId, long fromBalanceCents, long toId, long amountCents) {
        if (amountCents <= 0 || amountCents > MAX_AMOUNT_CENTS) {
            throw new LedgerException(400, "amountCents: " + amountCents + " is not between 1 and " + MAX_AMOUNT_CENTS);
        }
        if (fromId == toId) {
            throw new LedgerException(400, "toAccountId: " + toId + " is the paying account itself");
        }
        // balance - amount < -limit, written so that no term can wrap round (amount and limit are in range).
        if (fromBalanceCents < amountCents - overdraftLimitCents) {
            throw new LedgerException(409, "account " + fromId + " has " + fromBalanceCents + " cents, "
                    + amountCents + " asked" + (overdraftLimitCents == 0 ? "" : " (overdraft limit " + overdraftLimitCents + ")"));
        }
    }

    /** The two accounts of a transfer in the order they are locked: lower id first. */
    public static long[] lockOrder(long fromId, long toId) {
        return fromId <= toId ? new long[] {fromId, toId} : new long[] {toId, fromId};
    }
}
