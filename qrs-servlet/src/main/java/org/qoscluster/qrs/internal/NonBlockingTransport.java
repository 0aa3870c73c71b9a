package org.qoscluster.qrs.internal;

import java.util.Map;

import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;

/**
 * HTTP/1.1 to the nodes with connections that declare their reads non-blocking, so Jetty runs
 * them on the selector thread that saw the bytes arrive instead of handing each to a pool thread
 * (a wake-up and a context switch per response). Only for listeners that never block: the
 * router's handler writes to its clients with non-blocking writes.
 */
final class NonBlockingTransport extends HttpClientTransportOverHTTP {

    private static final ClientConnectionFactory CUSTOMIZER = (endPoint, context) -> {
        throw new UnsupportedOperationException();
    };

    @Override
    public Connection newConnection(EndPoint endPoint, Map<String, Object> context) {
        HttpConnectionOverHTTP connection = new HttpConnectionOverHTTP(endPoint, context) {
            // Deprecated in Jetty 12.0 (12.1 takes the type in the constructor); still what the
            // connection's read callback asks.
            @Override
            @SuppressWarnings("deprecation")
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };
        connection.setInitialize(isInitializeConnections());
        return CUSTOMIZER.customize(connection, context);
    }
}
