package org.qoscluster.qrs;

/**
 * The router's request path for an HTTP server of its own rather than a servlet container: a
 * request without a body, identified, classified, forwarded to a node by its goal and answered
 * without a thread waiting on either side ({@link Outbound#write} must not block).
 */
public interface RequestRouter {

    /** Routes a request that has no body; answers it through {@code out}, once, on some thread. */
    void route(Inbound in, Outbound out);
}
