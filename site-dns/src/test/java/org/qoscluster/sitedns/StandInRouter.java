package org.qoscluster.sitedns;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for a site router's status page, {@code GET /qrs/site} on 127.0.0.1: the JDK's HTTP
 * server answering 200 with {@code "available":true} or 503 with {@code false}, as the router does,
 * optionally with a spare capacity and after a delay.
 */
final class StandInRouter implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stand-in-router");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean available = true;
    private volatile long spareCapacity = -1;
    private volatile long delayMillis;
    private volatile boolean neverEnding;
    private final AtomicLong asked = new AtomicLong();

    StandInRouter(String site) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/qrs/site", exchange -> {
            try (exchange) {
                asked.incrementAndGet();
                if (neverEnding) {
                    trickle(exchange);
                    return;
                }
                long delay = delayMillis;
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                boolean up = available;
                String body = "{\"site\":\"" + site + "\",\"available\":" + up + ",\"router\":true"
                        + (spareCapacity >= 0 ? ",\"spareCapacity\":" + spareCapacity : "") + "}";
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(up ? 200 : 503, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        server.setExecutor(threads);
        server.start();
    }

    /**
     * An answer that never ends and never goes idle: the headers, then a space every 200 ms for as
     * long as the client reads, so no idle time-out of the client ends it, only its own bound.
     */
    private static void trickle(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            while (true) {
                out.write(' ');
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException gone) {
            // the client gave up on it: what it is for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/qrs/site";
    }

    void available(boolean up) {
        available = up;
    }

    void spareCapacity(long spare) {
        spareCapacity = spare;
    }

    void delayMillis(long delay) {
        delayMillis = delay;
    }

    /** Whether the status page's answers from now on never end (those already never ending go on). */
    void neverEnding(boolean on) {
        neverEnding = on;
    }

    /** How many times the status page has been asked. */
    long asked() {
        return asked.get();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
