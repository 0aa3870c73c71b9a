package org.qoscluster.qrs;

import java.util.Enumeration;
import java.util.function.BiConsumer;

/**
 * A client's request as the router reads it, whichever HTTP server received it (a servlet
 * container, or Jetty's own core API): its method, raw path and query, headers and peer.
 */
public interface Inbound {

    String method();

    /** The path as sent, still encoded (the router normalises and judges it itself). */
    String rawPath();

    /** The query as sent, or null. */
    String query();

    /** The first value of header {@code name} (any case), or null. */
    String header(String name);

    /** Every value of header {@code name} (any case), in order. */
    Enumeration<String> headers(String name);

    /** Every header, in order, name and value. */
    void forEachHeader(BiConsumer<String, String> action);

    /** The connection's peer address. */
    String remoteAddr();

    /** {@code http} or {@code https}, as the request arrived. */
    String scheme();
}
