package org.qoscluster.session.internal;

/** The session could not be stored as the application left it; the message says which attribute and why. */
final class SessionStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final boolean notReplicated;

    SessionStoreException(String message) {
        this(message, null, false);
    }

    SessionStoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private SessionStoreException(String message, Throwable cause, boolean notReplicated) {
        super(message, cause);
        this.notReplicated = notReplicated;
    }

    /** Synchronous mode: the request's write reached no replica in time (answered 503, not 500). */
    static SessionStoreException notReplicated(String message) {
        return new SessionStoreException(message, null, true);
    }

    boolean notReplicated() {
        return notReplicated;
    }
}
