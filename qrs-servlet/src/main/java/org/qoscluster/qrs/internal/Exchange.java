package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.config.ServiceClass;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.Outbound;

/** One proxied request, from its arrival at the router to the end of its answer. */
final class Exchange {

    private static final Logger LOG = Logger.getLogger(Exchange.class.getName());

    final String id;
    final Inbound in;
    final Outbound out;
    /** The normalised request path, classified and forwarded. */
    final String path;
    final ServiceClass serviceClass;
    final String userClass;
    final String uid;
    /** The UID's signed form, forwarded as {@code X-QoS-UID}. */
    final String signedUid;
    /** The application's session cookie value, or null. */
    final String sessionId;
    /** The Set-Cookie header issuing a new UID, added to the answer unless the node issues one; or null. */
    final String issuedCookie;
    /** Whether the node's response has no length (a stream): each chunk is then flushed to the user. */
    volatile boolean streamed;
    /** The whole request body, read before the first attempt; null for none. */
    volatile byte[] body;
    /** Whether the request has a body to read before it can go to a node. */
    volatile boolean bodyExpected;
    volatile boolean committed;
    volatile boolean clientGone;
    volatile boolean responseStarted;
    /** The try in flight (or the last one), which the exchange's time-out ends if the node's answer has not. */
    volatile Attempt attempt;
    private volatile boolean done;
    /** Run once when the exchange ends, in the order given; added to only before it ends (guarded by this). */
    private final List<Runnable> whenDone = new ArrayList<>(2);
    /** When the exchange's own time-out ends it, on the router's clock (the router's server only). */
    volatile long deadlineNanos;

    Exchange(String id, Inbound in, Outbound out, String path, ServiceClass serviceClass,
             String userClass, Forwarder.Identity identity, String sessionId) {
        this.id = id;
        this.in = in;
        this.out = out;
        this.path = path;
        this.serviceClass = serviceClass;
        this.userClass = userClass;
        this.uid = identity.uid();
        this.signedUid = identity.signed();
        this.issuedCookie = identity.setCookie();
        this.sessionId = sessionId;
    }

    boolean done() {
        return done;
    }

    /**
     * Runs {@code hook} once when the exchange ends, after the hooks given before it; at once, on
     * this thread, when it has ended already, so that a hook given late is never missed.
     */
    void whenDone(Runnable hook) {
        synchronized (this) {
            if (!done) {
                whenDone.add(hook);
                return;
            }
        }
        hook.run();
    }

    void complete() {
        if (end()) {
            out.complete();
        }
    }

    /** Ends the answer as broken: see {@link Outbound#abort}. */
    void abort(Throwable cause) {
        if (end()) {
            out.abort(cause);
        }
    }

    private boolean end() {
        synchronized (this) {
            if (done) {
                return false;
            }
            done = true;
        }
        // No hook is added once done is set: the list is read without the lock.
        for (Runnable hook : whenDone) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                // Every hook runs (one gives the body's memory back) and the answer still ends.
                LOG.log(Level.WARNING, e, () -> "request=" + id + " a task at the exchange's end failed");
            }
        }
        return true;
    }
}
