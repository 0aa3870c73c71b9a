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
    /** The application's session cookie value, or null. */
    final String sessionId;
    final AsyncContext async;
    /** The Set-Cookie header issuing a new UID, added to the answer unless the node issues one; or null. */
    volatile String issuedCookie;
    /** The whole request body, read before the first attempt; null for none. */
    volatile byte[] body;
    volatile boolean committed;
    volatile boolean clientGone;
    volatile boolean responseStarted;
    private volatile boolean done;

    Exchange(String id, HttpServletRequest req, HttpServletResponse resp, String path, ServiceClass serviceClass,
             String userClass, String uid, String sessionId, AsyncContext async) {
        this.id = id;
        this.req = req;
        this.resp = resp;
        this.path = path;
        this.serviceClass = serviceClass;
        this.userClass = userClass;
        this.uid = uid;
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
