package org.qoscluster.session.internal;

/** The session could not be stored as the application left it; the message says which attribute and why. */
final class SessionStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SessionStoreException(String message) {
        super(message);
    }

    SessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
