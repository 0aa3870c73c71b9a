package org.qoscluster.testing;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * One shopper talking to the store over real HTTP, with their own cookie jar. {@link #at(URI)}
 * gives the same shopper (same cookies, so the same session) at another node.
 */
public final class StoreClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final CookieManager cookies;
    private final URI base;

    private StoreClient(HttpClient http, CookieManager cookies, URI base) {
        this.http = http;
        this.cookies = cookies;
        this.base = base;
    }

    /** A new shopper, with an empty cookie jar, talking to {@code base}. */
    public static StoreClient at(URI base, Duration timeout) {
        return withJar(new CookieManager(null, CookiePolicy.ACCEPT_ALL), base, timeout);
    }

    private static StoreClient withJar(CookieManager jar, URI base, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .cookieHandler(jar)
                .connectTimeout(timeout)
                .build();
        return new StoreClient(http, jar, base);
    }

    /** The same shopper at another node. */
    public StoreClient at(URI otherBase) {
        return new StoreClient(http, cookies, otherBase);
    }

    /**
     * The same shopper sent by DNS to another site's router at {@code otherBase}: the application's
     * one name now resolves to another address, so a browser sends that site the cookies it holds
     * for the name. Here each site is reached by its address, so every cookie of this jar is copied
     * into a new jar for {@code otherBase}'s host, as it was set (value, path, lifetime).
     */
    public StoreClient movedTo(URI otherBase, Duration timeout) {
        CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        for (java.net.HttpCookie c : cookies.getCookieStore().getCookies()) {
            java.net.HttpCookie copy = (java.net.HttpCookie) c.clone();
            copy.setDomain(otherBase.getHost());
            jar.getCookieStore().add(otherBase, copy);
        }
        return withJar(jar, otherBase, timeout);
    }

    /**
     * A reply: its status, its content type, its body (parsed as JSON where it is JSON), and the
     * database copy that answered a read ({@code X-Qos-Read-From}, empty if none was named), and
     * the node the router sent the request to ({@code X-QoS-Node}, empty without the router).
     */
    public record Reply(int status, String contentType, String body, String readFrom, String node) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                return MissingNode.getInstance();
            }
        }

        @Override
        public String toString() {
            return status + " " + contentType + (node.isEmpty() ? "" : " on " + node)
                    + (readFrom.isEmpty() ? "" : " read from " + readFrom) + " " + body;
        }
    }

    /** The value of this shopper's cookie {@code name} (the signed {@code QOSUID}, say), if the jar holds one. */
    public java.util.Optional<String> cookie(String name) {
        return http.cookieHandler().filter(CookieManager.class::isInstance).map(CookieManager.class::cast)
                .flatMap(m -> m.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                        .map(java.net.HttpCookie::getValue).findFirst());
    }

    public Reply get(String path) {
        return send("GET", path, null, null);
    }

    public Reply post(String path, String json) {
        return send("POST", path, "application/json", json);
    }

    public Reply send(String method, String path, String contentType, String body) {
        return send(method, path, contentType, body, java.util.Map.of());
    }

    /** A request with extra headers ({@code Idempotency-Key}, ...). */
    public Reply send(String method, String path, String contentType, String body, java.util.Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers().firstValue("X-Qos-Read-From").orElse(""), r.headers().firstValue("X-QoS-Node").orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + base.resolve(path) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    /** A cart's lines as the store answers them ({@code GET /api/cart}): product id to quantity. */
    public static java.util.Map<Long, Integer> cartLines(JsonNode cart) {
        java.util.Map<Long, Integer> lines = new java.util.HashMap<>();
        cart.path("lines").forEach(l -> lines.put(l.path("productId").asLong(), l.path("quantity").asInt()));
        return lines;
    }

    /**
     * Sends {@code request} again, every 50 ms, until it is answered with {@code status} (a site
     * or a group changing masters answers 503 meanwhile, or not at all); the reply, or an
     * exception naming the last answer after {@code within}.
     */
    public static Reply await(java.util.function.Supplier<Reply> request, int status, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                Reply r = request.get();
                if (r.status() == status) {
                    return r;
                }
                last = r;
            } catch (IllegalStateException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no " + status + " within " + within.toSeconds() + " s: " + last);
    }
}
