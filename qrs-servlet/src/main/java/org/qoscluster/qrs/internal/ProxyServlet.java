package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.config.ServiceClass;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.RouterSettings;

/**
 * The QoS-goal router's request path (M1, M2, M4, M5, M11, M12): identify the user by the
 * signed UID cookie, classify the request, pick a node by the class's goal, stream the request
 * there and the response back, and record how the node did. Built from small steps in the
 * manner of Jetty's proxy servlet: {@link #identify}, {@link #target}, {@link #copyRequestHeaders},
 * {@link #copyResponseHeaders}, {@link #fail}.
 */
@WebServlet(urlPatterns = "/*", asyncSupported = true)
public class ProxyServlet extends HttpServlet {

    private static final Logger LOG = Logger.getLogger(ProxyServlet.class.getName());
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");
    private static final Pattern CLASS_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    /** Hop-by-hop headers (RFC 9110 7.6.1) and those java.net.http sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    public static final String NODE_HEADER = "X-QoS-Node";
    public static final String CLASS_HEADER = "X-QoS-Class";
    public static final String UID_HEADER = "X-QoS-UID";
    public static final String USER_CLASS_HEADER = "X-QoS-User-Class";

    private RouterRuntime router;

    @Override
    public void init() {
        router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id = router.nextRequestId();
        String host = req.getHeader("Host");
        if (host == null || !HOST.matcher(host).matches()) {
            LOG.info(() -> "request=" + id + " refused: bad Host header from " + req.getRemoteAddr());
            Errors.send(resp, 400, "Host header: missing or malformed");
            return;
        }
        String uid = identify(req, resp, id);
        String path = req.getRequestURI();
        ServiceClass serviceClass = router.settings().cluster().classify(req.getMethod(), path);
        String userClass = userClass(req);
        Exchange exchange = new Exchange(id, req, resp, serviceClass, userClass, uid, req.startAsync());
        exchange.async.setTimeout(router.settings().readTimeoutMs() + 10_000L);
        forward(exchange, null);
    }

    /** The user's UID: the one in a cookie that verifies, else a new one set in a new cookie (M2). */
    protected String identify(HttpServletRequest req, HttpServletResponse resp, String id) {
        RouterSettings s = router.settings();
        Optional<String> presented = Cookies.value(req.getHeaders("Cookie"), s.cookieName());
        if (presented.isPresent()) {
            Optional<String> uid = router.uidCookie().verify(presented.get());
            if (uid.isPresent()) {
                return uid.get();
            }
            LOG.warning(() -> "request=" + id + " UID cookie from " + req.getRemoteAddr()
                    + " does not verify (tampered, truncated or garbled); issuing a new identity");
        }
        String uid = router.uidCookie().newUid();
        resp.addHeader("Set-Cookie", s.cookieName() + "=" + router.uidCookie().sign(uid)
                + "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax" + (s.cookieSecure() ? "; Secure" : ""));
        return uid;
    }

    private String userClass(HttpServletRequest req) {
        RouterSettings s = router.settings();
        if (s.userClassFromHeader() && s.trusted(req.getRemoteAddr())) {
            String v = req.getHeader(s.userClassHeader());
            if (v != null && CLASS_NAME.matcher(v).matches()) {
                return v;
            }
        }
        return "standard";
    }

    private void forward(Exchange ex, NodeRecord exclude) {
        List<NodeRecord> nodes = router.nodes();
        // M10: a user whose write has not replicated yet stays on the node that wrote it, as
        // long as that node is in rotation; otherwise the request is routed by its goal.
        Optional<NodeRecord> chosen = exclude == null
                ? router.pinnedNode(ex.uid).filter(NodeRecord::healthy)
                : Optional.empty();
        if (chosen.isEmpty()) {
            chosen = router.selector().select(nodes, ex.serviceClass, exclude, router.nanoTime());
        }
        if (chosen.isEmpty()) {
            boolean anyHealthy = nodes.stream().anyMatch(NodeRecord::healthy);
            if (anyHealthy && exclude == null) {
                router.countShed(ex.serviceClass.name());
                ex.resp.setHeader("Retry-After", "1");
                fail(ex, 503, "shed: no node has room for class " + ex.serviceClass.name() + " now; retry shortly");
            } else {
                fail(ex, anyHealthy ? 502 : 503, "no node available");
            }
            return;
        }
        NodeRecord node = chosen.get();
        HttpRequest request;
        try {
            request = buildRequest(ex, node);
        } catch (IllegalArgumentException e) {
            fail(ex, 400, "request cannot be forwarded: " + e.getMessage());
            return;
        }
        long start = router.nanoTime();
        node.begin(ex.serviceClass.name());
        router.client().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).whenComplete((response, failure) -> {
            if (failure != null) {
                node.end(ex.serviceClass.name(), micros(start), true, router.nanoTime());
                upstreamFailed(ex, node, exclude, unwrap(failure));
                return;
            }
            boolean error = response.statusCode() >= 500;
            try {
                respond(ex, node, response);
            } finally {
                node.end(ex.serviceClass.name(), micros(start), error, router.nanoTime());
            }
        });
    }

    private void upstreamFailed(Exchange ex, NodeRecord node, NodeRecord previous, Throwable cause) {
        boolean connectFailed = cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException;
        if (connectFailed) {
            node.markDown("connection failed: " + cause);
        }
        if (cause instanceof HttpTimeoutException && !connectFailed) {
            LOG.warning(() -> "request=" + ex.id + " node=" + node.name() + " no response in time");
            fail(ex, 504, "node " + node.name() + " did not answer in time");
            return;
        }
        // Retry once, elsewhere: always when the connection failed (nothing reached the node);
        // for a safe method with no body read yet also when the node died under the request.
        boolean retryable = connectFailed || (SAFE_METHODS.contains(ex.req.getMethod()) && !ex.bodyTouched);
        if (previous == null && retryable && !ex.resp.isCommitted()) {
            LOG.info(() -> "request=" + ex.id + " node=" + node.name() + " failed (" + cause + "); retrying on another node");
            forward(ex, node);
            return;
        }
        LOG.warning(() -> "request=" + ex.id + " node=" + node.name() + " failed: " + cause);
        fail(ex, 502, "node " + node.name() + " failed: " + cause.getClass().getSimpleName());
    }

    private HttpRequest buildRequest(Exchange ex, NodeRecord node) {
        HttpServletRequest req = ex.req;
        URI target = target(node, req);
        HttpRequest.Builder b = HttpRequest.newBuilder(target)
                .timeout(Duration.ofMillis(router.settings().readTimeoutMs()));
        copyRequestHeaders(req, b);
        addProxyHeaders(ex, b);
        long length = req.getContentLengthLong();
        boolean chunked = "chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"));
        HttpRequest.BodyPublisher body;
        if (length == 0 || (length < 0 && !chunked)) {
            body = HttpRequest.BodyPublishers.noBody();
        } else {
            HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> ex.body());
            body = length > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, length) : stream;
        }
        return b.method(req.getMethod(), body).build();
    }

    /** The node's URI for this request: same path and query. */
    protected URI target(NodeRecord node, HttpServletRequest req) {
        String query = req.getQueryString();
        String base = node.base().toString();
        return URI.create(base.substring(0, base.length() - 1) + req.getRequestURI() + (query == null ? "" : "?" + query));
    }

    protected void copyRequestHeaders(HttpServletRequest req, HttpRequest.Builder b) {
        Set<String> dropped = connectionListed(req.getHeaders("Connection"));
        boolean trusted = router.settings().trusted(req.getRemoteAddr());
        for (String name : Collections.list(req.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(lower) || dropped.contains(lower) || lower.startsWith("x-qos-")
                    || (!trusted && lower.startsWith("x-forwarded-"))) {
                continue;
            }
            for (String value : Collections.list(req.getHeaders(name))) {
                b.header(name, value);
            }
        }
    }

    protected void addProxyHeaders(Exchange ex, HttpRequest.Builder b) {
        HttpServletRequest req = ex.req;
        boolean trusted = router.settings().trusted(req.getRemoteAddr());
        String prior = trusted ? req.getHeader("X-Forwarded-For") : null;
        b.setHeader("X-Forwarded-For", prior == null ? req.getRemoteAddr() : prior + ", " + req.getRemoteAddr());
        if (!trusted || req.getHeader("X-Forwarded-Proto") == null) {
            b.setHeader("X-Forwarded-Proto", req.getScheme());
        }
        if (!trusted || req.getHeader("X-Forwarded-Host") == null) {
            b.setHeader("X-Forwarded-Host", req.getHeader("Host"));
        }
        b.setHeader(UID_HEADER, router.uidCookie().sign(ex.uid));
        b.setHeader(USER_CLASS_HEADER, ex.userClass);
        b.setHeader(CLASS_HEADER, ex.serviceClass.name());
    }

    private void respond(Exchange ex, NodeRecord node, HttpResponse<InputStream> response) {
        HttpServletResponse resp = ex.resp;
        try (InputStream in = response.body()) {
            resp.setStatus(response.statusCode());
            copyResponseHeaders(response.headers(), resp);
            resp.setHeader(NODE_HEADER, node.name());
            resp.setHeader(CLASS_HEADER, ex.serviceClass.name());
            OutputStream out = resp.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                if (in.available() == 0) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // The client went away, or the node died while sending: nothing more can be sent.
            LOG.log(Level.INFO, "request=" + ex.id + " node=" + node.name() + " response cut short: " + e);
        } finally {
            ex.complete();
        }
    }

    protected void copyResponseHeaders(HttpHeaders headers, HttpServletResponse resp) {
        Set<String> dropped = connectionListed(Collections.enumeration(headers.allValues("Connection")));
        headers.map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith(":") || lower.equals("server") || dropped.contains(lower)
                    || (NOT_FORWARDED.contains(lower) && !lower.equals("content-length"))) {
                return;
            }
            for (String v : values) {
                resp.addHeader(name, v);
            }
        });
    }

    /** Failure to status, in one place: 400 bad request, 502 node failed, 503 none or shed, 504 time-out. */
    protected void fail(Exchange ex, int status, String message) {
        try {
            if (!ex.resp.isCommitted()) {
                Errors.send(ex.resp, status, message);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "request=" + ex.id + " client gone before the error", e);
        } finally {
            ex.complete();
        }
    }

    private static Set<String> connectionListed(java.util.Enumeration<String> values) {
        Set<String> names = new HashSet<>();
        if (values != null) {
            for (String v : Collections.list(values)) {
                for (String token : v.split(",")) {
                    names.add(token.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    private long micros(long startNanos) {
        return (router.nanoTime() - startNanos) / 1000;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** One proxied request. */
    static final class Exchange {
        final String id;
        final HttpServletRequest req;
        final HttpServletResponse resp;
        final ServiceClass serviceClass;
        final String userClass;
        final String uid;
        final AsyncContext async;
        volatile boolean bodyTouched;
        private volatile boolean done;

        Exchange(String id, HttpServletRequest req, HttpServletResponse resp, ServiceClass serviceClass, String userClass,
                 String uid, AsyncContext async) {
            this.id = id;
            this.req = req;
            this.resp = resp;
            this.serviceClass = serviceClass;
            this.userClass = userClass;
            this.uid = uid;
            this.async = async;
        }

        InputStream body() {
            bodyTouched = true;
            try {
                return req.getInputStream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the request body", e);
            }
        }

        synchronized void complete() {
            if (!done) {
                done = true;
                async.complete();
            }
        }
    }
}
