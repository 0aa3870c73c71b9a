package org.qoscluster.qrs.internal;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.client.Request;
import org.qoscluster.qrs.NodeRecord;

/**
 * One try of an exchange on one node, counted in the node's requests in flight from the moment it
 * was admitted. It ends once: by the node's answer (the client's {@code onComplete}) or by the
 * exchange's own time-out, whichever comes first; the later one finds it ended and leaves the
 * node's count and record alone. Without this a proxied request that Jetty's client never
 * completed (a fault seen with connections closed as soon as they opened) would keep one of the
 * node's admission places for good, and each such request would leave the node less room.
 */
final class Attempt {

    private final NodeRecord node;
    private final String serviceClass;
    private final long startNanos;
    private final Request request;
    private final AtomicBoolean ended = new AtomicBoolean();

    /**
     * @param startNanos when the request left, on the router's clock
     * @param request the request to the node, aborted if the exchange times out first
     */
    Attempt(NodeRecord node, String serviceClass, long startNanos, Request request) {
        this.node = node;
        this.serviceClass = serviceClass;
        this.startNanos = startNanos;
        this.request = request;
    }

    NodeRecord node() {
        return node;
    }

    Request request() {
        return request;
    }

    /** Whether the attempt has ended (answered, failed, or timed out with its exchange). */
    boolean ended() {
        return ended.get();
    }

    /**
     * Ends the attempt with the node's answer (or its failure) at {@code nowNanos}: the node's
     * count and record are updated. False, and nothing changed, when it had already ended.
     */
    boolean answered(boolean error, long nowNanos) {
        return end(error, nowNanos);
    }

    /**
     * Ends the attempt because its exchange gave up at {@code nowNanos}: counted as an error of
     * the node and the request to it aborted. False, and nothing changed, when it had already ended.
     */
    boolean timedOut(long nowNanos) {
        if (!end(true, nowNanos)) {
            return false;
        }
        var unused = request.abort(new TimeoutException("node " + node.name() + " gave no complete answer within the exchange's time-out"));
        return true;
    }

    private boolean end(boolean error, long nowNanos) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        node.end(serviceClass, Math.max(0, nowNanos - startNanos) / 1000, error, nowNanos);
        return true;
    }
}
