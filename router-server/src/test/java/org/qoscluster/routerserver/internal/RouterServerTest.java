package org.qoscluster.routerserver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.config.InvalidConfigException;

/**
 * The router's own server over real sockets, in front of two small HTTP servers standing in for
 * the nodes (their health page names the master, every other page names the node): what a
 * client of the router sees. No Hazelcast member answers, so the router routes by goal alone.
 */
class RouterServerTest {

    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @TempDir
    Path dir;

    private final List<Server> nodes = new ArrayList<>();
    private RouterServer router;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (Server n : nodes) {
            n.stop();
        }
    }

    @Test
    void shouldForwardToANodeAndSignTheNewVisitor() throws Exception {
        int port = start(Map.of());
        HttpResponse<String> r = awaitForwarded(port, "/");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith("page / from node-"), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(cookie.startsWith("QOSUID="), cookie);

        // A returning visitor keeps the identity: no new cookie.
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/catalogue"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, again.statusCode());
        assertEquals("page /catalogue from " + again.body().substring(again.body().indexOf("node-")), again.body());
        assertTrue(again.headers().firstValue("Set-Cookie").isEmpty(), again.headers().map().toString());
        assertEquals(List.of(again.body().substring(again.body().indexOf("node-"))), again.headers().allValues("X-QoS-Node"),
                "the node that answered, once");
        assertEquals(1, again.headers().allValues("Date").size(), "one Date: " + again.headers().map());

        // The node learns the client and the scheme from the router, and the user's identity signed.
        HttpResponse<String> forwarded = get(port, "/forwarded");
        assertEquals(200, forwarded.statusCode());
        assertEquals("proto=http for=127.0.0.1 uid=true forwarded=null real-ip=null client=127.0.0.1 own-host=true"
                + " forwarded-host=127.0.0.1:" + port, forwarded.body());
    }

    @Test
    void shouldJudgeRequestPathsItselfAsOnPayara() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        HttpResponse<String> r = get(port, "//api//products/./42?limit=1");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("page /api/products/42 from node-"), r.body());
        HttpResponse<String> encoded = get(port, "/api/%2e%2e/admin");
        assertEquals(400, encoded.statusCode(), encoded.body());
        assertTrue(encoded.body().contains("%2e"), "the router's own refusal names what was wrong: " + encoded.body());
    }

    /**
     * Header values pass through exactly as sent, on one keep-alive connection from the client:
     * Jetty's parser keeps a per-connection cache of header fields that, case-insensitive by
     * default, handed a value back in the casing an earlier request on the connection used (a
     * forged UID cookie differing from a valid one only in case was read as the valid one). The
     * node's answers, over the router's pooled connections, come back as the node sent them.
     */
    @Test
    void shouldPassHeaderValuesThroughExactlyAsSentWhateverTheirCase() throws Exception {
        int port = start(Map.of());
        String cookie = awaitForwarded(port, "/").headers().firstValue("Set-Cookie").orElseThrow();
        String valid = cookie.substring("QOSUID=".length(), cookie.indexOf(';'));
        // The same value with every letter of the UID in the other case: not the UID that was signed.
        StringBuilder swapped = new StringBuilder();
        for (char ch : valid.substring(0, 22).toCharArray()) {
            swapped.append(Character.isUpperCase(ch) ? Character.toLowerCase(ch) : Character.toUpperCase(ch));
        }
        String forged = swapped + valid.substring(22);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (String value : List.of("Token-abc", "token-ABC", "TOKEN-abc", "Token-abc")) {
                Answer a = exchange(s, in, "GET /echo HTTP/1.1\r\nHost: shop.example.test\r\nCookie: QOSUID=" + valid
                        + "\r\nX-Value: " + value + "\r\n\r\n");
                assertEquals(200, a.status());
                assertEquals(value, a.body(), "the value the node received");
                assertEquals(value, a.headers().get("x-echo"), "the value the node answered");
                assertEquals("s=" + value, a.headers().get("set-cookie"), "the cookie the node set");
            }
            Answer kept = exchange(s, in, "GET / HTTP/1.1\r\nHost: shop.example.test\r\nCookie: QOSUID=" + valid + "\r\n\r\n");
            assertEquals(200, kept.status());
            assertFalse(kept.headers().containsKey("set-cookie"), "a valid identity is kept: " + kept.headers());
            Answer refused = exchange(s, in, "GET / HTTP/1.1\r\nHost: shop.example.test\r\nCookie: QOSUID=" + forged + "\r\n\r\n");
            assertEquals(200, refused.status());
            String issued = refused.headers().getOrDefault("set-cookie", "");
            assertTrue(issued.startsWith("QOSUID="), "the forged identity is replaced: " + refused.headers());
            assertFalse(issued.startsWith("QOSUID=" + valid.substring(0, 22)), "and never by the valid one: " + issued);
            String token = "a-test-admin-token-0123456789-0123456789";
            assertEquals(200, exchange(s, in, "GET /qrs/admin/nodes HTTP/1.1\r\nHost: shop.example.test\r\nAuthorization: Bearer "
                    + token + "\r\n\r\n").status());
            assertEquals(401, exchange(s, in, "GET /qrs/admin/nodes HTTP/1.1\r\nHost: shop.example.test\r\nAuthorization: Bearer "
                    + token.toUpperCase(java.util.Locale.ROOT) + "\r\n\r\n").status(), "the admin token in other case");
        }
    }

    /**
     * One keep-alive connection carries requests of every kind, each answered in order: the
     * connection goes on reading after an answer ended on another thread (the node's answer is
     * written where it is read), with requests sent one by one and two at once, with and without a
     * body (a body goes to a servlet on a pool thread), and for the router's own pages.
     */
    @Test
    void shouldAnswerEveryRequestOfAKeepAliveConnectionInOrder() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        String host = "Host: shop.example.test\r\n";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int round = 0; round < 20; round++) {
                Answer echoed = exchange(s, in, "GET /echo HTTP/1.1\r\n" + host + "X-Value: v" + round + "\r\n\r\n");
                assertEquals("v" + round, echoed.body());
                String body = "x".repeat(round + 1);
                Answer posted = exchange(s, in, "POST /length HTTP/1.1\r\n" + host + "Content-Length: " + body.length()
                        + "\r\n\r\n" + body);
                assertEquals(200, posted.status());
                assertEquals(Integer.toString(body.length()), posted.body(), "the node got the body");
                // Two requests in one write: the second is read from what the first left.
                s.getOutputStream().write(("GET /echo HTTP/1.1\r\n" + host + "X-Value: a" + round + "\r\n\r\n"
                        + "GET /echo HTTP/1.1\r\n" + host + "X-Value: b" + round + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                assertEquals("a" + round, read(in).body());
                assertEquals("b" + round, read(in).body());
                assertEquals(204, exchange(s, in, "GET /qrs/alive HTTP/1.1\r\n" + host + "\r\n").status());
            }
        }
        // Not seen by the user, but what the router's cost per request rests on: after a node's
        // answer the connection went on where the answer was written, not on a pool thread.
        assertTrue(router.threads().resumedInPlace() > 0, "no connection went on in place: has Jetty's hand-off changed?");
    }

    /**
     * Content codings pass through: the node is asked for what the client asked for, nothing more
     * (Jetty's client, as it starts, adds a gzip decoder that asks every node for gzip), and a
     * compressed answer reaches the client as the node sent it, byte for byte.
     */
    @Test
    void shouldPassContentCodingsThroughAsTheClientAndTheNodeChose() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            Answer plain = exchange(s, in, "GET /encoding HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            assertEquals("none", plain.headers().get("x-seen-accept-encoding"), "the node was asked for a coding the client never asked for");
            assertFalse(plain.headers().containsKey("content-encoding"), plain.headers().toString());
            assertEquals(ENCODED_TEXT, plain.body());
            Answer zipped = exchange(s, in, "GET /encoding HTTP/1.1\r\nHost: shop.example.test\r\nAccept-Encoding: gzip\r\n\r\n");
            assertEquals("gzip", zipped.headers().get("x-seen-accept-encoding"));
            assertEquals("gzip", zipped.headers().get("content-encoding"));
            assertArrayEquals(gzip(ENCODED_TEXT), zipped.raw(), "the node's compressed bytes, untouched");
        }
    }

    /**
     * A node's 401 reaches the client as the node sent it, challenge and body (larger than what
     * Jetty's client would buffer to answer a challenge itself), and a 407 with its body: the
     * router never answers a challenge on a user's behalf, nor takes one for a node's failure.
     */
    @Test
    void shouldPassANodesChallengeToTheClientUntouched() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        for (int status : List.of(401, 407)) {
            HttpResponse<String> r = get(port, "/challenge?status=" + status);
            assertEquals(status, r.statusCode(), "the node's own status, not the router's: " + r.headers().map());
            if (status == 401) {
                assertEquals("Basic realm=\"shop\"", r.headers().firstValue("WWW-Authenticate").orElse("none"), r.headers().map().toString());
            } else {
                // Addressed to the next client on the chain only, the router (RFC 9110 11.7.1).
                assertFalse(r.headers().firstValue("Proxy-Authenticate").isPresent(), r.headers().map().toString());
            }
            assertEquals(CHALLENGE_BODY, r.body(), "status " + status);
        }
    }

    private static final String CHALLENGE_BODY = "sign in first; ".repeat(40_000 / 15 + 1).substring(0, 40_000);

    /**
     * What a client says of itself and of the proxies before the router reaches a node only from
     * a trusted network: elsewhere the scheme is the connection's, whatever the request line says,
     * and {@code Forwarded} and {@code X-Real-IP} are dropped like {@code X-Forwarded-*}. From a
     * trusted proxy, every {@code X-Forwarded-For} line counts, in order, so the client the
     * router signs is the last hop the proxies name, not one the client put in a line of its own.
     */
    @Test
    void shouldBelieveWhatAClientSaysOfItsConnectionOnlyFromATrustedProxy() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        Answer a = once(port, "GET https://shop.example.test/forwarded HTTP/1.1\r\nHost: shop.example.test\r\n"
                + "Forwarded: for=6.6.6.6;proto=https\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n");
        assertEquals(200, a.status());
        assertEquals("proto=http for=127.0.0.1 uid=true forwarded=null real-ip=null client=127.0.0.1 own-host=true"
                + " forwarded-host=shop.example.test", a.body());
    }

    /** See {@link #shouldBelieveWhatAClientSaysOfItsConnectionOnlyFromATrustedProxy}: the trusted proxy's side. */
    @Test
    void shouldTakeEveryForwardedForLineOfATrustedProxyInOrder() throws Exception {
        int trusting = start(Map.of("qos.router.trusted-networks", "127.0.0.0/8"));
        awaitForwarded(trusting, "/");
        Answer a = once(trusting, "GET /forwarded HTTP/1.1\r\nHost: shop.example.test\r\nX-Forwarded-For: 6.6.6.6\r\n"
                + "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\nForwarded: for=198.51.100.7\r\n\r\n");
        assertEquals(200, a.status());
        assertEquals("proto=https for=6.6.6.6, 198.51.100.7, 127.0.0.1 uid=true forwarded=for=198.51.100.7 real-ip=null"
                + " client=198.51.100.7 own-host=true forwarded-host=shop.example.test", a.body());
    }

    /**
     * A request body in a transfer coding the router does not understand is refused with 501
     * naming it, never forwarded without its body; a plainly chunked body reaches the node whole.
     */
    @Test
    void shouldRefuseATransferCodingItCannotForwardAndPassChunkedBodies() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        String host = "Host: shop.example.test\r\n";
        Answer chunked = once(port, "POST /length HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertEquals(200, chunked.status());
        assertEquals("11", chunked.body(), "the node got the whole chunked body");
        for (String codings : List.of("Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")) {
            Answer refused = once(port, "POST /length HTTP/1.1\r\n" + host + codings + "\r\n5\r\nhello\r\n0\r\n\r\n");
            assertEquals(501, refused.status(), codings + ": " + refused.body());
            assertTrue(refused.body().contains("'gzip, chunked'"), refused.body());
        }
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving");
    }

    /**
     * A request is classified by the path the node serves, however the client spells it (path
     * parameters, needlessly encoded characters), so no spelling escapes its class.
     */
    @Test
    void shouldClassifyAPathAsTheNodeServesItWhateverItsSpelling() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        String host = " HTTP/1.1\r\nHost: shop.example.test\r\nContent-Length: 0\r\n\r\n";
        for (String[] c : new String[][] {{"GET /api/products/1", "browse", "/api/products/1"},
                {"GET /api;x/products/1", "browse", "/api/products/1"}, {"GET /api/%70roducts/1", "browse", "/api/products/1"},
                {"POST /api;jsessionid=1/orders", "checkout", "/api/orders"}, {"POST /api/%6Frders", "checkout", "/api/orders"},
                {"GET /api/orders", "default", "/api/orders"}}) {
            Answer a = once(port, c[0] + host);
            assertEquals(200, a.status(), c[0]);
            assertEquals(c[1], a.headers().get("x-qos-class"), c[0]);
            // The stand-in node reads the path as a container does: decoded, without parameters.
            assertTrue(a.body().startsWith("page " + c[2] + " from node-"), c[0] + ": " + a.body());
        }
    }

    /**
     * A node that sends its headers and then stalls: nothing has reached the user yet, so the
     * user gets the router's 504, not the node's headers with a body that never comes, nor a
     * connection closed without an answer.
     */
    @Test
    void shouldAnswer504WhenANodeStallsAfterItsHeaders() throws Exception {
        int port = start(Map.of("qos.router.read-timeout-ms", "500"));
        awaitForwarded(port, "/");
        Answer a = once(port, "GET /stall HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
        assertEquals(504, a.status(), a.headers() + " " + a.body());
        assertFalse(a.headers().containsKey("x-from-node"), "none of the node's headers: " + a.headers());
        assertTrue(a.body().contains("\"status\":504"), a.body());
        assertTrue(a.headers().containsKey("date"), a.headers().toString());
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving");
    }

    /**
     * The read time-out is the time the node may stay silent, not the time its answer may take:
     * a long answer that keeps coming (4 s, a piece every 200 ms, against a 2 s time-out, ten
     * times the gap between pieces, however slow the machine) reaches the user whole, as a large
     * download would.
     */
    @Test
    void shouldPassALongAnswerThatKeepsComingWholePastTheReadTimeOut() throws Exception {
        int port = start(Map.of("qos.router.read-timeout-ms", "2000"));
        awaitForwarded(port, "/");
        HttpResponse<String> r = get(port, "/slow");
        assertEquals(200, r.statusCode());
        assertEquals(slowAnswer(SLOW_PIECES), r.body());
    }

    /**
     * The same for a POST, on the servlet path: its answer, 70 pieces 200 ms apart (14 s), outlasts
     * the read time-out, the body's idle time-out and the exchange's margin added up (12.5 s).
     */
    @Test
    void shouldPassALongAnswerToAPostWholePastItsTimeOuts() throws Exception {
        int port = start(Map.of("qos.router.read-timeout-ms", "2000", "qos.router.body-idle-timeout-ms", "500"));
        awaitForwarded(port, "/");
        int pieces = 70;
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow?pieces=" + pieces))
                .POST(HttpRequest.BodyPublishers.ofString("an export, please")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(slowAnswer(pieces), r.body());
    }

    /** The whole slow answer of {@code pieces} pieces. */
    private static String slowAnswer(int pieces) {
        StringBuilder expected = new StringBuilder();
        for (int left = pieces; left >= 1; left--) {
            expected.append("piece ").append(left).append(';');
        }
        return expected.toString();
    }

    /**
     * A body that trickles in, a byte every 100 ms, never idle for the body's idle time-out
     * (1 s, ten times the gap, so a slow machine does not make a gap look idle), is still bounded:
     * the user gets 408 once the body's wait, the read time-out and the exchange's margin have
     * passed (13 s).
     */
    @Test
    void shouldAnswer408ToABodyThatTricklesInForever() throws Exception {
        int port = start(Map.of("qos.router.read-timeout-ms", "2000", "qos.router.body-idle-timeout-ms", "1000"));
        awaitForwarded(port, "/");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        Thread.sleep(100);
                        out.write('x');
                        out.flush();
                    }
                } catch (IOException | InterruptedException ended) {
                    // the router answered and closed, or the test ended
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            try {
                Answer a = read(new BufferedInputStream(s.getInputStream()));
                assertEquals(408, a.status(), a.body());
                assertTrue(a.body().contains("body not received in time"), a.body());
            } finally {
                trickle.interrupt();
            }
        }
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving");
    }

    /**
     * The router's memory for request bodies bounds all of them together: with 64 KB of it, two
     * connections that each send all but a byte of a 32 KB body and stall hold all of it. A further
     * body is refused with 503 and Retry-After, naming the setting, and its connection closed; a
     * request without a body is still answered. Once the stalled clients go, their memory comes
     * back and a body is taken again, and what that body held comes back once it is answered.
     */
    @Test
    void shouldRefuseBodiesPastTheRoutersMemoryForThemUntilItComesBack() throws Exception {
        // The stalled bodies' idle time-out (10 minutes) cannot end them during the test, however slow the machine.
        int port = start(Map.of("qos.http.max-body-bytes", "32768", "qos.router.max-body-memory-bytes", "65536",
                "qos.router.body-idle-timeout-ms", "600000"));
        awaitForwarded(port, "/");
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket("127.0.0.1", port);
                stalled.add(s);
                s.getOutputStream().write("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 32768\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().write(new byte[32_767]);
                s.getOutputStream().flush();
            }
            awaitBodyMemory(port, 65_536); // each holds a buffer of its declared length, once all but its last byte is in

            Answer refused = once(port, "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789");
            assertEquals(503, refused.status(), refused.body());
            assertEquals("1", refused.headers().get("retry-after"), refused.headers().toString());
            assertEquals("close", refused.headers().get("connection"), refused.headers().toString());
            assertTrue(refused.body().contains("65536 bytes (qos.router.max-body-memory-bytes)"), refused.body());
            assertEquals(200, get(port, "/").statusCode(), "a request without a body is still answered");
            assertTrue(metrics(port).lines().anyMatch("qos_router_body_memory_refusals_total 1"::equals), "the refusal is counted");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        awaitBodyMemory(port, 0); // the stalled bodies, refused once their clients went
        HttpResponse<String> taken = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/length"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(30_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, taken.statusCode(), taken.body());
        assertEquals("30000", taken.body(), "the body the node received");
        awaitBodyMemory(port, 0);
    }

    /** The router's admin metrics page. */
    private String metrics(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/qrs/admin/metrics"))
                .header("Authorization", "Bearer a-test-admin-token-0123456789-0123456789").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** Waits (30 s at most, however fast the machine) until request bodies hold {@code bytes} of the router's memory. */
    private void awaitBodyMemory(int port, long bytes) throws Exception {
        awaitMetric(port, "qos_router_body_memory_bytes " + bytes);
    }

    /** Waits (30 s at most, however fast the machine) until the router's metrics page has the line {@code expected}. */
    private void awaitMetric(int port, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String page = metrics(port);
        while (page.lines().noneMatch(expected::equals)) {
            assertTrue(System.nanoTime() < deadline, "the metrics never showed '" + expected + "': " + page);
            Thread.sleep(50);
            page = metrics(port);
        }
    }

    /** Answers to /held wait until a test lets them go (counting down this latch); each counts its arrival first. */
    private static volatile java.util.concurrent.CountDownLatch heldRelease = new java.util.concurrent.CountDownLatch(0);
    private static final java.util.concurrent.Semaphore HELD_ARRIVED = new java.util.concurrent.Semaphore(0);

    /**
     * With a cap of 2 requests per client, two requests of 127.0.0.1 held open at a node take its
     * places: a third of the same client is refused at once with 503 and Retry-After naming the
     * setting, with or without a body and whatever X-Forwarded-For it sends from an untrusted
     * address; another client is answered meanwhile. Once the two have ended, the client's
     * places come back and its next request is answered.
     */
    @Test
    void shouldRefuseAClientsRequestsPastItsCapUntilItsOthersEnd() throws Exception {
        // The held answers' node is silent for as long as the test holds them: no time-out may end them first.
        int port = start(Map.of("qos.router.max-requests-per-client", "2", "qos.router.read-timeout-ms", "600000"));
        awaitForwarded(port, "/");
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> held = holdTwo(port);
        try {

            Answer refused = once(port, "GET / HTTP/1.1\r\nHost: shop.example.test\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n");
            assertEquals(503, refused.status(), refused.body());
            assertEquals("1", refused.headers().get("retry-after"), refused.headers().toString());
            assertTrue(refused.body().contains("at most 2 at once (qos.router.max-requests-per-client)"), refused.body());
            Answer posted = once(port, "POST /length HTTP/1.1\r\nHost: shop.example.test\r\nContent-Length: 10\r\n\r\n0123456789");
            assertEquals(503, posted.status(), posted.body());
            assertEquals("1", posted.headers().get("retry-after"), posted.headers().toString());
            assertEquals("close", posted.headers().get("connection"), "its body unread: " + posted.headers());
            try (Socket other = new Socket()) {
                other.bind(new java.net.InetSocketAddress("127.0.0.2", 0));
                other.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                other.setSoTimeout(10_000);
                Answer a = exchange(other, new BufferedInputStream(other.getInputStream()),
                        "GET /other HTTP/1.1\r\nHost: shop.example.test\r\nConnection: close\r\n\r\n");
                assertEquals(200, a.status(), "another client is not capped: " + a.body());
            }
            assertTrue(metrics(port).lines().anyMatch("qos_router_client_cap_refusals_total 2"::equals), "both refusals are counted");
        } finally {
            heldRelease.countDown();
        }
        for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : held) {
            HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("held", r.body());
        }
        awaitMetric(port, "qos_router_clients_in_flight 0"); // each place given back once its exchange ended
        HttpResponse<String> again = get(port, "/");
        assertEquals(200, again.statusCode(), "the client's places came back: " + again.body());
    }

    /**
     * A request that finds no node with room for its class waits for a place rather than being
     * shed at once, for at most a quarter of its class's goal ({@code qos.router.max-queue-wait-ms}
     * above it): with each node's one place for the default class held, a default request waits
     * and is answered by the node whose held answer ends, while a request of a class whose 200 ms
     * goal lets it wait 50 ms is shed with 503 and Retry-After once its wait is over.
     */
    @Test
    void shouldHoldARequestUntilAPlaceFreesWithinItsClassesWaitAndShedItAfter() throws Exception {
        // Capacity 2: one place a node for the default class (priority 10) and for quick (50).
        int port = start(Map.of("qos.router.node-capacity", "2", "qos.router.read-timeout-ms", "600000",
                "qos.router.max-queue-wait-ms", "60000", "qos.class.default.p95-ms", "600000",
                "qos.class.quick.p95-ms", "200", "qos.class.quick.match", "GET /quick"));
        awaitForwarded(port, "/other");
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> held = holdTwo(port);
        java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting;
        try {

            Answer shed = once(port, "GET /quick HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            assertEquals(503, shed.status(), "quick waited its 50 ms for a place, none came: " + shed.body());
            assertEquals("1", shed.headers().get("retry-after"), shed.headers().toString());
            assertTrue(shed.body().contains("shed: no node has room for class quick"), shed.body());
            assertTrue(metrics(port).lines().anyMatch("qos_router_waiting_requests 0"::equals), "it waits no more");

            waiting = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/other")).build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitMetric(port, "qos_router_waiting_requests 1");
            assertFalse(waiting.isDone(), "the default request waits for a place");
        } finally {
            heldRelease.countDown();
        }
        HttpResponse<String> r = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), "a place freed within its wait: " + r.body());
        assertTrue(r.body().startsWith("page /other from node-"), r.body());
        for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : held) {
            assertEquals(200, f.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        }
        assertTrue(metrics(port).lines().anyMatch("qos_router_shed_total{class=\"default\"} 0"::equals), "the one that waited was not shed");
        assertTrue(metrics(port).lines().anyMatch("qos_router_shed_total{class=\"quick\"} 1"::equals), "the one whose wait ended was");
        awaitMetric(port, "qos_router_waiting_requests 0");
    }

    /**
     * A request that must go to one node (here its session's, with {@code qos.router.session-cookie})
     * is admitted there as any request of its class: with that node's one place for the class
     * held, the session's next request is shed with 503 and Retry-After, never sent past the
     * node's share, while a request free to go elsewhere is answered by the other node; once the
     * place comes back the session's requests reach their node again.
     */
    @Test
    void shouldShedARequestPinnedToANodeWithNoRoomForItsClass() throws Exception {
        // Capacity 2: one place for the default class (priority 10) on each node.
        int port = start(Map.of("qos.router.session-cookie", "s", "qos.router.node-capacity", "2",
                "qos.router.read-timeout-ms", "600000"));
        awaitForwarded(port, "/");
        HttpResponse<String> issued = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
                .header("X-Value", "pinned-session").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, issued.statusCode(), issued.body());
        String home = issued.headers().firstValue("X-QoS-Node").orElseThrow();
        heldRelease = new java.util.concurrent.CountDownLatch(1);
        HELD_ARRIVED.drainPermits();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> held;
        try {
            held = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/held"))
                    .header("Cookie", "s=pinned-session").build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(HELD_ARRIVED.tryAcquire(1, 30, java.util.concurrent.TimeUnit.SECONDS), "the held request reached its node");

            Answer shed = once(port, "GET / HTTP/1.1\r\nHost: shop.example.test\r\nCookie: s=pinned-session\r\n\r\n");
            assertEquals(503, shed.status(), "the session's node has no room for its class: " + shed.body());
            assertEquals("1", shed.headers().get("retry-after"), shed.headers().toString());
            assertTrue(shed.body().contains("shed: no node has room for class"), shed.body());
            Answer free = once(port, "GET / HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            assertEquals(200, free.status(), free.body());
            assertNotEquals(home, free.headers().get("x-qos-node"), "a request free to go elsewhere goes to the node with room");
        } finally {
            heldRelease.countDown();
        }
        HttpResponse<String> r = held.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(home, r.headers().firstValue("X-QoS-Node").orElse(""), "the held request went to its session's node");
        awaitMetric(port, "qos_router_node_in_flight{node=\"" + home + "\"} 0");
        Answer again = once(port, "GET / HTTP/1.1\r\nHost: shop.example.test\r\nCookie: s=pinned-session\r\n\r\n");
        assertEquals(200, again.status(), again.body());
        assertEquals(home, again.headers().get("x-qos-node"), "the place came back: the session's request reaches its node");
    }

    private static final java.util.concurrent.atomic.AtomicInteger FLAKY_ON_NODE_1 = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * A node that breaks its answer off after its headers, before any of it reached the user, is
     * a node that never answered: a GET goes to the other node, and the user gets that node's
     * answer alone, none of the first node's headers.
     */
    @Test
    void shouldSendAGetToAnotherNodeWhenItsNodeBrokeOffAfterItsHeaders() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        FLAKY_ON_NODE_1.set(0);
        for (int i = 0; i < 30; i++) {
            Answer a = once(port, "GET /flaky HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            assertEquals(200, a.status(), a.headers() + " " + a.body());
            assertEquals("page /flaky from node-2", a.body());
            assertFalse(a.headers().containsKey("x-from-node"), "none of node 1's headers: " + a.headers());
        }
        assertTrue(FLAKY_ON_NODE_1.get() > 0, "node 1 was asked at least once");
    }

    /**
     * The identity the router vouches for verifies on a node with the cluster's key, for a first
     * visit (the UID issued for the request, its signatures made afresh) and for the same user
     * coming back with the cookie (its signatures then kept), and a forged cookie is never vouched for.
     */
    @Test
    void shouldVouchForTheIdentityOfAFirstVisitAndOfTheUserComingBack() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        org.qoscluster.contract.UidCookie uids = new org.qoscluster.contract.UidCookie(
                TEST_KEY.getBytes(StandardCharsets.UTF_8), new java.security.SecureRandom());
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            Answer first = exchange(s, in, "GET /identity HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            String cookie = first.headers().get("set-cookie");
            String signed = cookie.substring("QOSUID=".length(), cookie.indexOf(';'));
            String uid = uids.verify(signed).orElseThrow();
            Map<String, String> seen = seen(first.body());
            assertEquals(signed, seen.get("X-QoS-UID"));
            assertTrue(uids.verifyIssued(uid, seen.get("X-QoS-UID-Issued")), "issued for this request: " + seen);
            assertEquals("standard", uids.verifyUserClass(uid, seen.get("X-QoS-User-Class")).orElseThrow());
            assertEquals("127.0.0.1", uids.verifyClient(uid, seen.get("X-QoS-Client")).orElseThrow());
            for (int i = 0; i < 3; i++) {
                Answer back = exchange(s, in, "GET /identity HTTP/1.1\r\nHost: shop.example.test\r\nCookie: QOSUID=" + signed
                        + "\r\n\r\n");
                Map<String, String> again = seen(back.body());
                assertFalse(back.headers().containsKey("set-cookie"), back.headers().toString());
                assertEquals(signed, again.get("X-QoS-UID"));
                assertEquals("none", again.get("X-QoS-UID-Issued"), "a returning user's UID was not issued for this request");
                assertEquals("standard", uids.verifyUserClass(uid, again.get("X-QoS-User-Class")).orElseThrow());
                assertEquals("127.0.0.1", uids.verifyClient(uid, again.get("X-QoS-Client")).orElseThrow());
            }
            String forged = "A".repeat(22) + signed.substring(22);
            Answer refused = exchange(s, in, "GET /identity HTTP/1.1\r\nHost: shop.example.test\r\nCookie: QOSUID=" + forged
                    + "\r\n\r\n");
            String vouched = seen(refused.body()).get("X-QoS-UID");
            assertFalse(vouched.startsWith("A".repeat(22)), "a forged UID vouched for: " + vouched);
            assertTrue(uids.verifyIssued(uids.verify(vouched).orElseThrow(), seen(refused.body()).get("X-QoS-UID-Issued")));
        }
    }

    /** The headers a stand-in node's {@code /identity} page reports, by name. */
    private static Map<String, String> seen(String body) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }

    private static final String TEST_KEY = "a-test-key-of-thirty-two-bytes-or-more-0123456789";

    private static final String ENCODED_TEXT = "a page the node may compress ".repeat(40);

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(bytes)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @SuppressWarnings("ArrayRecordComponent") // an answer's bytes as read, compared with assertArrayEquals
    private record Answer(int status, Map<String, String> headers, byte[] raw) {
        String body() {
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    /** One request on a connection of its own, and its answer. */
    private static Answer once(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            return exchange(s, new BufferedInputStream(s.getInputStream()), request);
        }
    }

    /** Sends one request on {@code s} and reads its answer (headers by lower-case name, a body of Content-Length bytes). */
    private static Answer exchange(Socket s, InputStream in, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return read(in);
    }

    /** Reads one answer from {@code in}. */
    private static Answer read(InputStream in) throws IOException {
        String status = line(in);
        Map<String, String> headers = new java.util.HashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), h.substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed after: " + b);
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Test
    void shouldAnswerItsOwnPages() throws Exception {
        int port = start(Map.of());
        assertEquals(204, get(port, "/qrs/alive").statusCode());
        awaitForwarded(port, "/");
        // The nodes answer, but no Hazelcast member does: the router has no cluster maps, so the
        // site is not available, and the page says why.
        HttpResponse<String> site = get(port, "/qrs/site");
        assertEquals(503, site.statusCode(), site.body());
        assertTrue(site.body().contains("\"router\":false"), site.body());
        assertTrue(site.body().contains("\"spareCapacity\":0"), "no room at a site that cannot serve: " + site.body());
        assertFalse(site.body().contains("node node-"), "a node in rotation (it just forwarded), so no node is a reason: " + site.body());
        assertTrue(site.body().contains("router is not connected to the cluster's data grid"), site.body());
        assertEquals(401, get(port, "/qrs/admin/nodes").statusCode(), "the admin pages want the token");
    }

    /**
     * The router writes answers without blocking, on the thread that reads them from the node: a
     * client that stops reading a large answer leaves that one write waiting, and every other
     * request goes on being answered, with and without a body.
     */
    @Test
    void shouldServeOthersWhileAClientDoesNotReadItsAnswer() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            stalled.getOutputStream().write("GET /big HTTP/1.1\r\nHost: shop.example.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            stalled.getOutputStream().flush();
            InputStream in = stalled.getInputStream();
            byte[] head = new byte[1024];
            assertTrue(in.read(head) > 0, "the stalled client's answer began");
            // It reads no more; the node's 64 MB cannot all be in the sockets' buffers.
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> r = get(port, "/page-" + i);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("page /page-" + i + " from " + r.body().substring(r.body().indexOf("node-")), r.body());
            }
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/length"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(3000))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, posted.statusCode(), posted.body());
            assertEquals("3000", posted.body(), "the body the node received");
            HttpResponse<Void> head2 = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(200, head2.statusCode());
        }
    }

    /** A node's answer broken off after it began reaches the user broken off, never as a shorter answer that looks whole. */
    @Test
    void shouldBreakOffAnAnswerTheNodeBrokeOff() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        // The client's HTTP reader sees the chunked answer end before its last chunk.
        assertThrows(IOException.class, () -> get(port, "/cut"));
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving");
    }

    /** The same for a request with a body, which the router forwards on its servlet path. */
    @Test
    void shouldBreakOffTheAnswerToAPostTheNodeBrokeOff() throws Exception {
        int port = start(Map.of());
        awaitForwarded(port, "/");
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/cut"))
                .POST(HttpRequest.BodyPublishers.ofString("an order")).build();
        IOException e = assertThrows(IOException.class, () -> http.send(post, HttpResponse.BodyHandlers.ofString()),
                "a POST's answer broken off by its node must not reach the user as a shorter answer that looks whole");
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving: " + e);
        HttpResponse<String> whole = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/length"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(10))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("10", whole.body(), "a whole answer to a POST still arrives whole");
    }

    @Test
    void shouldRefuseHeadersOverTheConfiguredSize() throws Exception {
        int port = start(Map.of("qos.http.max-header-bytes", "2048"));
        awaitForwarded(port, "/");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .header("X-Padding", "x".repeat(4000)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(431, r.statusCode());
        assertEquals(200, get(port, "/").statusCode(), "and goes on serving");
    }

    @Test
    void shouldRefuseABadConfigurationNamingTheKey() throws Exception {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> start(Map.of("qos.router.node-capacity", "lots")));
        assertTrue(e.getMessage().contains("qos.router.node-capacity"), e.getMessage());
    }

    /**
     * Sends two requests whose answers the stand-in nodes hold until {@link #heldRelease} is
     * counted down, and returns once both reached a node (each holds a place there meanwhile).
     */
    private List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> holdTwo(int port) throws InterruptedException {
        heldRelease = new java.util.concurrent.CountDownLatch(1);
        HELD_ARRIVED.drainPermits();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/held")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        assertTrue(HELD_ARRIVED.tryAcquire(2, 30, java.util.concurrent.TimeUnit.SECONDS), "both held requests reached a node");
        return held;
    }

    /** Starts two stand-in nodes and the router in front of them; the router's port. */
    private int start(Map<String, String> extra) throws Exception {
        int[] nodePorts = {node("node-1"), node("node-2")};
        int routerPort = freePort();
        StringBuilder props = new StringBuilder();
        Map<String, String> p = new java.util.TreeMap<>(Map.of(
                "qos.router.http.port", Integer.toString(routerPort),
                "qos.node.http.ports", nodePorts[0] + "," + nodePorts[1],
                "qos.router.hazelcast.port", Integer.toString(freePort()),
                "qos.node.hazelcast.ports", freePort() + "," + freePort(),
                "qos.node.db-proxy.ports", freePort() + "," + freePort(),
                "qos.db.master.port", Integer.toString(freePort()),
                "qos.db.replica.ports", ""));
        p.putAll(extra);
        p.forEach((k, v) -> props.append("    <property name=\"payara.microprofile.").append(k).append("\" value=\"").append(v)
                .append("\"/>\n"));
        Path xml = dir.resolve("domain.xml");
        Files.writeString(xml, "<domain>\n  <configs>\n   <config name=\"server-config\">\n" + props
                + "   </config>\n  </configs>\n</domain>\n");
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("qos.secret.uid-key"), TEST_KEY + "\n");
        Files.writeString(secrets.resolve("qos.secret.admin-token"), "a-test-admin-token-0123456789-0123456789");
        Files.writeString(secrets.resolve("qos.secret.cluster-name"), "a-test-cluster-name-0123456789");
        Files.writeString(secrets.resolve("qos.secret.db-password"), "a-test-password-0123456789");
        router = RouterServer.start(xml, secrets);
        return routerPort;
    }

    /** A stand-in node: its health page names the master, every other page its path and name. */
    private int node(String name) throws Exception {
        Server s = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true); // what a node sees is what the router sent
        ServerConnector c = new ServerConnector(s, new HttpConnectionFactory(http));
        c.setHost("127.0.0.1");
        s.addConnector(c);
        s.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws IOException {
                String path = Request.getPathInContext(request);
                if (path.equals("/echo")) {
                    // Answers with the X-Value header it got, as a header and as the body.
                    String value = request.getHeaders().get("X-Value");
                    response.setStatus(200);
                    response.getHeaders().put("X-Echo", value);
                    response.getHeaders().put("Set-Cookie", "s=" + value);
                    response.getHeaders().put("Content-Length", Integer.toString(value.length()));
                    response.write(true, StandardCharsets.ISO_8859_1.encode(value), callback);
                    return true;
                }
                if (path.equals("/identity")) {
                    // Reports the identity headers the router sent, one NAME=VALUE a line.
                    StringBuilder b = new StringBuilder();
                    for (String h : List.of("X-QoS-UID", "X-QoS-UID-Issued", "X-QoS-User-Class", "X-QoS-Client")) {
                        String v = request.getHeaders().get(h);
                        b.append(h).append('=').append(v == null ? "none" : v).append('\n');
                    }
                    byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
                    response.setStatus(200);
                    response.getHeaders().put("Content-Length", Integer.toString(body.length));
                    response.write(true, java.nio.ByteBuffer.wrap(body), callback);
                    return true;
                }
                if (path.equals("/encoding")) {
                    // Says which coding it was asked for, and compresses when asked for gzip.
                    String asked = request.getHeaders().get("Accept-Encoding");
                    boolean zip = asked != null && asked.contains("gzip");
                    byte[] body = zip ? gzip(ENCODED_TEXT) : ENCODED_TEXT.getBytes(StandardCharsets.UTF_8);
                    response.setStatus(200);
                    response.getHeaders().put("X-Seen-Accept-Encoding", asked == null ? "none" : asked);
                    if (zip) {
                        response.getHeaders().put("Content-Encoding", "gzip");
                    }
                    response.getHeaders().put("Content-Length", Integer.toString(body.length));
                    response.write(true, java.nio.ByteBuffer.wrap(body), callback);
                    return true;
                }
                if (path.equals("/challenge")) {
                    // Answers 401 or 407 (the query's status) with a challenge and a body of 40,000 bytes.
                    int status = Integer.parseInt(request.getHttpURI().getQuery().substring("status=".length()));
                    byte[] body = CHALLENGE_BODY.getBytes(StandardCharsets.UTF_8);
                    response.setStatus(status);
                    response.getHeaders().put(status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate", "Basic realm=\"shop\"");
                    response.getHeaders().put("Content-Length", Integer.toString(body.length));
                    response.write(true, java.nio.ByteBuffer.wrap(body), callback);
                    return true;
                }
                if (path.equals("/stall")) {
                    // Sends its headers, then nothing: the body it announced never comes.
                    response.setStatus(200);
                    response.getHeaders().put("X-From-Node", "yes");
                    response.getHeaders().put("Content-Length", "100");
                    response.write(false, java.nio.ByteBuffer.allocate(0), Callback.NOOP);
                    return true;
                }
                if (path.equals("/held")) {
                    // Answers once the test lets it go, on a thread of its own.
                    HELD_ARRIVED.release();
                    java.util.concurrent.CountDownLatch release = heldRelease;
                    Thread answer = new Thread(() -> {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        response.setStatus(200);
                        response.write(true, StandardCharsets.UTF_8.encode("held"), callback);
                    }, "held-answer");
                    answer.setDaemon(true);
                    answer.start();
                    return true;
                }
                if (path.equals("/slow")) {
                    // A long answer that keeps coming: a piece every 200 ms (SLOW_PIECES, or the
                    // query's pieces=N), no length.
                    String query = request.getHttpURI().getQuery();
                    response.setStatus(200);
                    slowPieces(response, query == null ? SLOW_PIECES : Integer.parseInt(query.substring("pieces=".length())), callback);
                    return true;
                }
                if (path.equals("/flaky") && name.equals("node-1")) {
                    // Node 1 sends its headers, then breaks the connection off; node 2 answers.
                    FLAKY_ON_NODE_1.incrementAndGet();
                    response.setStatus(200);
                    response.getHeaders().put("X-From-Node", "node-1");
                    response.getHeaders().put("Content-Length", "100");
                    response.write(false, java.nio.ByteBuffer.allocate(0),
                            Callback.from(() -> callback.failed(new IOException("broken off on purpose")), callback::failed));
                    return true;
                }
                if (path.equals("/forwarded")) {
                    HttpFields h = request.getHeaders();
                    String client = h.get("X-QoS-Client");
                    String body = "proto=" + h.get("X-Forwarded-Proto") + " for=" + h.get("X-Forwarded-For") + " uid="
                            + (h.get("X-QoS-UID") != null) + " forwarded=" + h.get("Forwarded") + " real-ip=" + h.get("X-Real-IP")
                            + " client=" + (client == null ? null : client.substring(0, client.lastIndexOf('.')))
                            // The node is asked for at its own address; the user's Host goes along as X-Forwarded-Host.
                            + " own-host=" + ("127.0.0.1:" + Request.getLocalPort(request)).equals(h.get("Host"))
                            + " forwarded-host=" + h.get("X-Forwarded-Host");
                    response.setStatus(200);
                    response.write(true, StandardCharsets.UTF_8.encode(body), callback);
                    return true;
                }
                if (path.equals("/cut")) {
                    // Sends a part, then breaks the connection off (no length: the answer is chunked).
                    response.setStatus(200);
                    response.write(false, StandardCharsets.UTF_8.encode("first part;"),
                            Callback.from(() -> callback.failed(new IOException("broken off on purpose")), callback::failed));
                    return true;
                }
                if (path.equals("/big")) {
                    response.setStatus(200);
                    response.getHeaders().put("Content-Length", Integer.toString(BIG));
                    writeBig(response, BIG, callback);
                    return true;
                }
                if (path.equals("/length")) {
                    String length = Integer.toString(org.eclipse.jetty.io.Content.Source.asString(request).length());
                    response.setStatus(200);
                    response.write(true, StandardCharsets.UTF_8.encode(length), callback);
                    return true;
                }
                String body = path.startsWith("/qos-group/health") ? "{\"database\": \"master\"}" : "page " + path + " from " + name;
                response.setStatus(200);
                response.write(true, StandardCharsets.UTF_8.encode(body), callback);
                return true;
            }
        });
        s.start();
        nodes.add(s);
        return c.getLocalPort();
    }

    private static final int BIG = 64 << 20;

    private static final int SLOW_PIECES = 20;

    /** Writes {@code left} pieces of the slow answer, one every 200 ms. */
    private static void slowPieces(Response response, int left, Callback done) {
        java.util.concurrent.CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() ->
                response.write(left == 1, StandardCharsets.UTF_8.encode("piece " + left + ";"), Callback.from(() -> {
                    if (left == 1) {
                        done.succeeded();
                    } else {
                        slowPieces(response, left - 1, done);
                    }
                }, done::failed)));
    }

    /** Writes {@code left} bytes in 64 KB pieces, each after the one before has gone. */
    private static void writeBig(Response response, int left, Callback done) {
        int n = Math.min(left, 64 << 10);
        response.write(n == left, java.nio.ByteBuffer.allocate(n), Callback.from(
                () -> {
                    if (n == left) {
                        done.succeeded();
                    } else {
                        writeBig(response, left - n, done);
                    }
                }, done::failed));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The first answer from a node: the router takes nodes into rotation after their health checks pass. */
    private HttpResponse<String> awaitForwarded(int port, String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> r = get(port, path);
        while (r.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = get(port, path);
        }
        return r;
    }

    /**
     * A port free now and not handed out before in this run: the system can give a port it just
     * gave again, and two parts of one configuration on the same port are refused.
     */
    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }
}
