package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.Outbound;
import org.qoscluster.qrs.RouterSettings;

/**
 * The exchange's own time-out on the router's non-blocking path: a request whose node connection
 * never completes (Jetty's client has been seen never to complete one; here the node accepts and
 * never answers, and the read time-out is an hour) is ended by the sweep once the router's clock
 * is past the read time-out plus the margin: the user gets 504 once, the node its place back, and
 * the request to the node is aborted. The node is a real socket; the clock is the router's own,
 * moved on by the test.
 */
class ExchangeTimeoutTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(43),
            RouterSettings.ADMIN_TOKEN, "t".repeat(43));

    @Test
    void shouldAnswer504GiveTheNodeItsPlaceBackAndAbortTheRequestOnceItsTimeIsUp() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ClusterConfig config = ClusterConfig.from(Map.of(
                    "qos.node.http.ports", silent.getLocalPort() + "," + other.getLocalPort(),
                    "qos.router.read-timeout-ms", "3600000"));
            RouterRuntime router = new RouterRuntime(RouterSettings.of(config, SECRETS), u -> Optional.empty(), Map::of, clock::get);
            try {
                NodeRecord node = router.nodes().get(0);
                node.markUp(1); // only node-1 in rotation: the other never passed a health check
                Forwarder forwarder = new Forwarder(router, true);
                CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                    try {
                        return silent.accept();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                RecordingOutbound out = new RecordingOutbound();
                forwarder.route(new GetInbound("/api/products/42"), out);
                try (Socket toNode = accepted.get(10, TimeUnit.SECONDS)) {
                    toNode.setSoTimeout(10_000);
                    InputStream fromRouter = toNode.getInputStream();
                    assertTrue(fromRouter.read(new byte[4096]) > 0, "the request reached the node");
                    assertEquals(1, node.inFlight());

                    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(3_600_000 + Forwarder.EXCHANGE_MARGIN_MS) - 1);
                    forwarder.sweep();
                    assertEquals(0, out.completions.get(), "not yet past its time");
                    assertEquals(1, node.inFlight());

                    clock.addAndGet(1);
                    forwarder.sweep();
                    forwarder.sweep();
                    assertEquals(504, out.status);
                    assertTrue(out.error.contains("no answer in time"), out.error);
                    assertEquals(1, out.completions.get(), "answered once");
                    assertEquals(0, node.inFlight(), "the node's place is given back");
                    int read;
                    do {
                        read = fromRouter.read(new byte[4096]);
                    } while (read > 0);
                    assertEquals(-1, read, "the request to the node is aborted: its connection closed");
                }
            } finally {
                router.close();
            }
        }
    }

    /** A GET without a body, as a server would hand it over. */
    private record GetInbound(String path) implements Inbound {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String rawPath() {
            return path;
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String name) {
            return name.equalsIgnoreCase("Host") ? "shop.example.test" : null;
        }

        @Override
        public Enumeration<String> headers(String name) {
            String v = header(name);
            return Collections.enumeration(v == null ? List.of() : List.of(v));
        }

        @Override
        public void forEachHeader(BiConsumer<String, String> action) {
            action.accept("Host", "shop.example.test");
        }

        @Override
        public String remoteAddr() {
            return "127.0.0.1";
        }

        @Override
        public String scheme() {
            return "http";
        }
    }

    /** Records what the router answered and how often it completed the answer. */
    private static final class RecordingOutbound implements Outbound {
        volatile int status;
        volatile String error = "";
        final AtomicInteger completions = new AtomicInteger();

        @Override
        public boolean isCommitted() {
            return completions.get() > 0;
        }

        @Override
        public void setStatus(int status) {
            this.status = status;
        }

        @Override
        public void setHeader(String name, String value) {
        }

        @Override
        public void addHeader(String name, String value) {
        }

        @Override
        public void error(int status, String message) {
            this.status = status;
            this.error = message;
        }

        @Override
        public void reset() {
            this.status = 0;
        }

        @Override
        public void write(ByteBuffer content, boolean flush, Callback written) {
            written.succeeded();
        }

        @Override
        public void complete() {
            completions.incrementAndGet();
        }

        @Override
        public void abort(Throwable cause) {
            completions.incrementAndGet();
        }
    }
}
