package org.qoscluster.store.service;

import jakarta.ejb.ApplicationException;

/**
 * A request the store refuses, with the HTTP status that says why. Thrown out of a transaction
 * it rolls the transaction back, so a refused request changes nothing.
 */
@ApplicationException(rollback = true)
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public StoreException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static StoreException badRequest(String message) {
        return new StoreException(400, message);
    }

    public static StoreException notFound(String message) {
        return new StoreException(404, message);
    }

    public static StoreException conflict(String message) {
        return new StoreException(409, message);
    }
}
