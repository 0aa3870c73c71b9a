package org.qoscluster.session;

/**
 * Thrown by {@code HttpServletRequest.getSession(true)} when the request's client address has
 * created as many new sessions on this node as {@code qos.session.new-per-address-per-minute}
 * allows. The Session Synchronizer answers 429 with {@code Retry-After} when the application lets
 * it through; an application that maps exceptions itself should do the same. Users who already
 * have a session are never refused.
 */
public class TooManySessionsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    public TooManySessionsException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds until this address may create a session again (at least 1). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
