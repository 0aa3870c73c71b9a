package org.qoscluster.qrs.internal;

import org.qoscluster.config.ServiceClass;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.Outbound;

/** One proxied request, from its arrival at the router to the end of its answer. */
final class Exchange {
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
    /** Run once when the exchange ends; or null. */
    private volatile Runnable whenDone;
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

    /** Runs {@code hook} when the exchange ends (set before it can end). */
    void whenDone(Runnable hook) {
        this.whenDone = hook;
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
        Runnable hook = whenDone;
        if (hook != null) {
            hook.run();
        }
        return true;
    }
}
