package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Enumeration;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.util.Callback;
import org.qoscluster.contract.Logs;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.Outbound;

/** A servlet request and its asynchronous response, as the router's request path reads and answers them. */
final class ServletExchange {

    private static final Logger LOG = Logger.getLogger(ServletExchange.class.getName());

    private ServletExchange() {
    }

    static Inbound inbound(HttpServletRequest req) {
        return new Inbound() {
            @Override
            public String method() {
                return req.getMethod();
            }

            @Override
            public String rawPath() {
                return req.getRequestURI();
            }

            @Override
            public String query() {
                return req.getQueryString();
            }

            @Override
            public String header(String name) {
                return req.getHeader(name);
            }

            @Override
            public Enumeration<String> headers(String name) {
                return req.getHeaders(name);
            }

            @Override
            public void forEachHeader(BiConsumer<String, String> action) {
                for (String name : Collections.list(req.getHeaderNames())) {
                    for (String value : Collections.list(req.getHeaders(name))) {
                        action.accept(name, value);
                    }
                }
            }

            @Override
            public String remoteAddr() {
                return req.getRemoteAddr();
            }

            @Override
            public String scheme() {
                // The connection's, never the request line's: "GET https://..." over plain HTTP is not secure.
                return req.isSecure() ? "https" : "http";
            }
        };
    }

    /**
     * The response of {@code id}, written with the container's blocking output; {@code async}
     * (null before the request went asynchronous) completes it.
     */
    static Outbound outbound(String id, HttpServletResponse resp, AsyncContext async) {
        return new Outbound() {
            @Override
            public boolean isCommitted() {
                return resp.isCommitted();
            }

            @Override
            public void setStatus(int status) {
                resp.setStatus(status);
            }

            @Override
            public void setHeader(String name, String value) {
                resp.setHeader(name, value);
            }

            @Override
            public void addHeader(String name, String value) {
                resp.addHeader(name, value);
            }

            @Override
            public void error(int status, String message) {
                try {
                    Errors.send(resp, status, message);
                } catch (IOException e) {
                    Logs.log(LOG, Level.FINE, e, "request={0} client gone before the error", id);
                }
            }

            @Override
            public void reset() {
                resp.reset();
                resp.setDateHeader("Date", System.currentTimeMillis()); // Jetty's servlet response does not add it again
            }

            @Override
            public void write(ByteBuffer content, boolean flush, Callback written) {
                try {
                    OutputStream out = resp.getOutputStream();
                    if (content.hasArray()) {
                        out.write(content.array(), content.arrayOffset() + content.position(), content.remaining());
                    } else {
                        byte[] bytes = new byte[content.remaining()];
                        content.get(bytes);
                        out.write(bytes);
                    }
                    if (flush) {
                        out.flush();
                    }
                } catch (IOException e) {
                    written.failed(e);
                    return;
                }
                written.succeeded();
            }

            @Override
            public void complete() {
                if (async != null) {
                    async.complete();
                }
            }

            /**
             * {@code sendError(-1)}, which Jetty (as its own proxy servlet does) takes as "break
             * the connection off"; a container that does not (Payara's refuses an error once the
             * answer is committed) can only end the answer.
             */
            @Override
            public void abort(Throwable cause) {
                if (resp.isCommitted()) {
                    try {
                        resp.sendError(-1, "broken off: " + cause);
                        if (async != null) {
                            try {
                                async.complete(); // ends the asynchronous request too, not at its time-out
                            } catch (IllegalStateException endedWithTheConnection) {
                                LOG.log(Level.FINEST, "request={0} ended with its connection", id);
                            }
                        }
                        return;
                    } catch (IOException | IllegalStateException notHere) {
                        LOG.log(Level.FINE, "request={0} this container cannot break an answer off ({1}); ending it",
                                new Object[] {id, notHere.toString()});
                    }
                }
                complete();
            }
        };
    }
}
