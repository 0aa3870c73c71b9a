package org.qoscluster.qrs.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

/**
 * What a failed upstream exchange says about the node, and what the router does about it: only a
 * node that could not be reached is taken out of rotation. A request the router's client refused
 * to send (its headers too large) is the request's fault, answered 431 and never retried; a
 * failure before the request was sent may go to another node; a time-out after it was sent is 504.
 */
enum UpstreamFailure {
    /** The request's headers exceed what the client to the nodes sends: the request's fault. */
    HEADERS_TOO_LARGE(431, false, false),
    /** No connection to the node could be made (refused, no route, connect time-out). */
    NODE_UNREACHABLE(502, true, true),
    /** The request was never sent (queue full, request time-out while waiting): no sign of the node. */
    NOT_SENT(502, false, true),
    /** Sent, and no response within the read time-out. */
    TIMED_OUT(504, false, false),
    /** Sent, then the exchange broke (connection closed or reset by the node). */
    BROKEN_AFTER_SENDING(502, false, false);

    final int status;
    /** Whether the node is taken out of rotation. */
    final boolean nodeDown;
    /** Whether the request may go to another node whatever its method (nothing reached the node). */
    final boolean notSent;

    UpstreamFailure(int status, boolean nodeDown, boolean notSent) {
        this.status = status;
        this.nodeDown = nodeDown;
        this.notSent = notSent;
    }

    /** Classifies {@code failure}; {@code committed} whether the request's headers went out. */
    static UpstreamFailure of(Throwable failure, boolean committed) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException && String.valueOf(t.getMessage()).contains("header too large")) {
                return HEADERS_TOO_LARGE;
            }
            if (!committed && (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnresolvedAddressException || t instanceof SocketTimeoutException)) {
                return NODE_UNREACHABLE;
            }
        }
        if (!committed) {
            return NOT_SENT;
        }
        return failure instanceof TimeoutException ? TIMED_OUT : BROKEN_AFTER_SENDING;
    }
}
