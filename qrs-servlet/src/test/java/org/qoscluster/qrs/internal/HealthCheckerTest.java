package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.sun.net.httpserver.HttpServer;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.RouterSettings;

/**
 * The router's health checks against a real HTTP server on 127.0.0.1 (the JDK's), through the
 * Jetty client the router uses. Changes are waited for until a generous deadline; no assertion
 * depends on how fast the machine is.
 */
class HealthCheckerTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(43),
            RouterSettings.ADMIN_TOKEN, "t".repeat(43));
    /** Far above any bound under test: only a check that never ends runs into it. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void shouldCheckANodeAgainAfterACheckThatNeverEnds() throws Exception {
        RouterSettings settings = RouterSettings.of(ClusterConfig.defaults(), SECRETS);
        AtomicLong holdMillis = new AtomicLong(Duration.ofMinutes(10).toMillis());
        AtomicLong asked = new AtomicLong();
        ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stand-in-node");
            t.setDaemon(true);
            return t;
        });
        HttpServer node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        node.createContext(settings.healthPath(), exchange -> {
            try (exchange) {
                asked.incrementAndGet();
                Thread.sleep(holdMillis.get()); // the first check's connection is held, never answered
                byte[] body = ("{\"database\":\"" + settings.healthKeyword() + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        node.setExecutor(threads);
        node.start();
        HttpClient client = new HttpClient();
        client.setIdleTimeout(0); // nothing of the client's own ends the held check: only the checker's bound can
        client.start();
        NodeRecord record = new NodeRecord("node-1", URI.create("http://127.0.0.1:" + node.getAddress().getPort() + "/"));
        try (HealthChecker checker = new HealthChecker(settings, List.of(record), client, Thread::new,
                settings::healthKeyword, HealthChecker.Group.NONE, () -> { })) {
            checker.start();
            String timedOut = "health check failed: no answer within " + settings.healthTimeoutMs() + " ms";
            await(() -> timedOut.equals(record.lastHealthProblem()),
                    () -> "the held check never ended at its time-out; last problem: " + record.lastHealthProblem());
            assertFalse(record.healthy());
            holdMillis.set(0);
            await(record::healthy, () -> "a later check never brought the node back, asked " + asked.get()
                    + " times; last problem: " + record.lastHealthProblem());
            assertTrue(asked.get() >= 2, "asked " + asked.get() + " times");
        } finally {
            client.stop();
            node.stop(0);
            threads.shutdownNow();
        }
    }

    private static void await(BooleanSupplier done, java.util.function.Supplier<String> why) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, () -> why.get() + " within " + DEADLINE);
            Thread.sleep(20);
        }
    }
}
