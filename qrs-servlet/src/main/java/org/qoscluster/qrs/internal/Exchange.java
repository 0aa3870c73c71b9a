package org.qoscluster.qrs.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.config.ServiceClass;

/** One proxied request, from its arrival at the router to the end of its answer. */
final class Exchange {
    final String id;
    final HttpServletRequest req;
    final HttpServletResponse resp;
    /** The normalised request path, classified and forwarded. */
    final String path;
    final ServiceClass serviceClass;
    final String userClass;
    final String uid;
    /** The UID's signed form, forwarded as {@code X-QoS-UID}. */
    final String signedUid;
    /** The application's session cookie value, or null. */
    final String sessionId;
    final AsyncContext async;
    /** The Set-Cookie header issuing a new UID, added to the answer unless the node issues one; or null. */
    final String issuedCookie;
    /** Whether the node's response has no length (a stream): each chunk is then flushed to the user. */
    volatile boolean streamed;
    /** The whole request body, read before the first attempt; null for none. */
    volatile byte[] body;
    volatile boolean committed;
    volatile boolean clientGone;
    volatile boolean responseStarted;
    /** The try in flight (or the last one), which the exchange's time-out ends if the node's answer has not. */
    volatile Attempt attempt;
    private volatile boolean done;

    Exchange(String id, HttpServletRequest req, HttpServletResponse resp, String path, ServiceClass serviceClass,
             String userClass, ProxyServlet.Identity identity, String sessionId, AsyncContext async) {
        this.id = id;
        this.req = req;
        this.resp = resp;
        this.path = path;
        this.serviceClass = serviceClass;
        this.userClass = userClass;
        this.uid = identity.uid();
        this.signedUid = identity.signed();
        this.issuedCookie = identity.setCookie();
        this.sessionId = sessionId;
        this.async = async;
    }

    boolean done() {
        return done;
    }

    synchronized void complete() {
        if (!done) {
            done = true;
            async.complete();
        }
    }
}
