package org.qoscluster.routerserver.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.function.BiConsumer;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.Outbound;
import org.qoscluster.qrs.internal.Errors;

/** A request and its response on Jetty's core API, as the router's request path reads and answers them. */
final class CoreExchange {

    private CoreExchange() {
    }

    static Inbound inbound(Request request) {
        return new Inbound() {
            @Override
            public String method() {
                return request.getMethod();
            }

            @Override
            public String rawPath() {
                return request.getHttpURI().getPath();
            }

            @Override
            public String query() {
                return request.getHttpURI().getQuery();
            }

            @Override
            public String header(String name) {
                return request.getHeaders().get(name);
            }

            @Override
            public Enumeration<String> headers(String name) {
                return request.getHeaders().getValues(name);
            }

            @Override
            public void forEachHeader(BiConsumer<String, String> action) {
                for (HttpField field : request.getHeaders()) {
                    action.accept(field.getName(), field.getValue());
                }
            }

            @Override
            public String remoteAddr() {
                return Request.getRemoteAddr(request);
            }

            @Override
            public String scheme() {
                // The connection's, never the request line's: "GET https://..." over plain HTTP is not secure.
                return request.getConnectionMetaData().isSecure() ? "https" : "http";
            }
        };
    }

    /** The response, written with non-blocking writes; {@code callback} is Jetty's for the whole exchange. */
    static Outbound outbound(Response response, Callback callback) {
        return new Outbound() {
            /** The error answer's body, sent by complete(); or null. */
            private ByteBuffer errorBody;

            @Override
            public boolean isCommitted() {
                return response.isCommitted();
            }

            @Override
            public void setStatus(int status) {
                response.setStatus(status);
            }

            @Override
            public void setHeader(String name, String value) {
                response.getHeaders().put(name, value);
            }

            @Override
            public void addHeader(String name, String value) {
                response.getHeaders().add(name, value);
            }

            @Override
            public void error(int status, String message) {
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8");
                errorBody = ByteBuffer.wrap(Errors.json(status, message).getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void reset() {
                response.reset();
                org.eclipse.jetty.server.ConnectionMetaData connection = response.getRequest().getConnectionMetaData();
                if (connection.getHttpConfiguration().getSendDateHeader()) {
                    response.getHeaders().put(connection.getConnector().getServer().getDateField()); // the reset took it
                }
            }

            @Override
            public void write(ByteBuffer content, boolean flush, Callback written) {
                response.write(false, content, written);
            }

            @Override
            public void complete() {
                if (errorBody == null) {
                    // The node's answer has ended: the user's connection may go on reading its
                    // next request on this thread (RouterThreads). An error answer (a time-out's
                    // on the timer thread, for one) leaves that to the pool.
                    RouterThreads.endingAnswer(() -> response.write(true, null, callback));
                } else {
                    response.write(true, errorBody, callback);
                }
            }

            @Override
            public void abort(Throwable cause) {
                callback.failed(cause); // Jetty closes the connection without ending the answer
            }
        };
    }
}
