package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

/**
 * The warm-up against a real HTTP server on loopback that answers as the router does (an
 * identity cookie for a request without one). Its length is counted in reads of an injected clock
 * that moves one tick a read, so what it sends does not depend on how fast this machine is.
 */
class RouterWarmUpTest {

    static {
        // The JDK's server writes an answer's head and body apart; with Nagle's algorithm on, each
        // small answer waits for the client's delayed acknowledgement (about 40 ms).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HttpServer server;
    private final AtomicLong firstVisits = new AtomicLong();
    private final AtomicLong returning = new AtomicLong();
    private final Set<String> cookiesSeen = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> paths = new ConcurrentHashMap<>();

    private URI serve(boolean setsCookie, int status) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", (HttpExchange ex) -> {
            paths.computeIfAbsent(ex.getRequestURI().getPath(), p -> new AtomicLong()).incrementAndGet();
            String cookie = ex.getRequestHeaders().getFirst("Cookie");
            if (cookie == null) {
                firstVisits.incrementAndGet();
                if (setsCookie) {
                    ex.getResponseHeaders().add("Set-Cookie", "QOSUID=uid-1.sig; Path=/; HttpOnly; SameSite=Lax");
                }
            } else {
                returning.incrementAndGet();
                cookiesSeen.add(cookie);
            }
            if (status == 302) {
                ex.getResponseHeaders().add("Location", "/elsewhere");
            }
            byte[] body = "page".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** A clock that moves one nanosecond each time it is read. */
    private static java.util.function.LongSupplier ticking() {
        AtomicLong t = new AtomicLong();
        return t::incrementAndGet;
    }

    @Test
    void shouldComeBackAsTheUserTheRouterNamedWithFewFirstVisits() throws IOException {
        URI root = serve(true, 200);
        RouterWarmUp.Result r = new RouterWarmUp(List.of(root, root.resolve("/shop/")), "QOSUID", ticking())
                .run(Duration.ofNanos(1_000));

        assertEquals(r.answered(), firstVisits.get() + returning.get(), "every answered request reached the server");
        assertEquals(r.firstVisits(), firstVisits.get());
        assertEquals(0, r.failed());
        assertTrue(returning.get() > 0, "returning-user requests sent: " + returning.get());
        assertEquals(Set.of("QOSUID=uid-1.sig"), cookiesSeen, "the cookie's value, without its attributes");
        assertTrue(firstVisits.get() >= 1 && firstVisits.get() <= r.answered() / RouterWarmUp.FIRST_VISIT_EVERY
                + RouterWarmUp.CONNECTIONS + 1, "first visits " + firstVisits.get() + " of " + r.answered());
        assertTrue(paths.get("/").get() > 0 && paths.get("/shop/").get() > 0, "each application's root: " + paths);
    }

    @Test
    void shouldStopAfterItsFirstVisitsWhenTheRouterNeverNamesTheUser() throws IOException {
        URI root = serve(false, 200);
        RouterWarmUp.Result r = new RouterWarmUp(List.of(root), "QOSUID", ticking()).run(Duration.ofNanos(Long.MAX_VALUE / 2));

        assertEquals(RouterWarmUp.MAX_FIRST_VISITS, firstVisits.get(), "no more first visits than its bound");
        assertEquals(RouterWarmUp.MAX_FIRST_VISITS, r.firstVisits());
        assertEquals(0, returning.get());
    }

    @Test
    void shouldCountAnyAnswerAndNotFollowRedirects() throws IOException {
        URI root = serve(true, 302);
        RouterWarmUp.Result r = new RouterWarmUp(List.of(root), "QOSUID", ticking()).run(Duration.ofNanos(500));

        assertTrue(r.answered() > 0);
        assertEquals(0, r.failed());
        assertEquals(null, paths.get("/elsewhere"), "a redirect is the user's to follow: " + paths);
    }

    @Test
    void shouldEndEarlyWhenNothingAnswers() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RouterWarmUp.Result r = new RouterWarmUp(List.of(URI.create("http://127.0.0.1:" + port + "/")), "QOSUID", ticking())
                .run(Duration.ofNanos(Long.MAX_VALUE / 2));

        assertEquals(0, r.answered());
        assertTrue(r.failed() >= RouterWarmUp.MAX_FAILURES_IN_A_ROW, "failed " + r.failed());
    }

    @Test
    void shouldTakeItsLengthFromTheConfigurationAndNameABadValue() {
        assertEquals(Duration.ofSeconds(20), RouterWarmUp.duration(ClusterConfig.from(Map.of())));
        assertEquals(Duration.ZERO, RouterWarmUp.duration(ClusterConfig.from(Map.of(RouterWarmUp.SECONDS, "0"))));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> RouterWarmUp.duration(ClusterConfig.from(Map.of(RouterWarmUp.SECONDS, "ten"))));
        assertEquals(List.of("qos.router.warm-up-seconds: 'ten' is not a whole number from 0 to 600"), e.problems());
    }
}
