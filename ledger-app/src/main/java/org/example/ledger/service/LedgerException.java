package org.example.ledger.service;

/** A request the ledger refuses, with the HTTP status that says why and a message naming the problem. */
public class LedgerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public LedgerException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static LedgerException notFound(long accountId) {
        return new LedgerException(404, "account " + accountId + " does not exist");
    }
}
