package org.qoscluster.qrs;

import java.nio.ByteBuffer;

import org.eclipse.jetty.util.Callback;

/**
 * The answer to a client, whichever HTTP server sends it: status and headers until the first
 * write commits them, content written as it comes, then completion, once.
 */
public interface Outbound {

    boolean isCommitted();

    void setStatus(int status);

    void setHeader(String name, String value);

    void addHeader(String name, String value);

    /**
     * The router's error answer, status and JSON body {@code {"status":503,"error":"..."}}; sent
     * by {@link #complete}. Only before anything is committed.
     */
    void error(int status, String message);

    /**
     * Drops the status and every header set so far (a node's, copied before its answer broke
     * off), so that an {@link #error} takes their place. Only before anything is committed.
     */
    void reset();

    /**
     * Writes {@code content} (the status and headers first, if not yet sent), flushed at once if
     * {@code flush}; {@code written} succeeds once it is written (the buffer may then be reused)
     * or fails if the client went away. A server without non-blocking output writes before it
     * returns.
     */
    void write(ByteBuffer content, boolean flush, Callback written);

    /** Ends the answer (with the {@link #error} body, if one was set). */
    void complete();

    /**
     * Ends the answer as broken, once some of it may have been sent: the client sees the
     * connection close before the answer's end, not a shorter answer that looks whole. A server
     * that cannot do that completes the answer.
     */
    void abort(Throwable cause);
}
