package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.qoscluster.config.ServiceClass;
import org.qoscluster.contract.ForwardedHeaders;
import org.qoscluster.contract.Logs;
import org.qoscluster.contract.SignatureCache;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.RouterSettings;
import org.qoscluster.qrs.UserClassSources;

/**
 * The QoS-goal router's request path (M1, M2, M4, M5, M11, M12): identify the user by the
 * signed UID cookie, classify the request, pick a node by the class's goal, stream the request
 * there and the response back (Jetty's HTTP client, pooled connections), and record how the
 * node did. Built from small steps in the
 * manner of Jetty's proxy servlet: {@link #identify}, {@link #target}, the headers' rules
 * ({@link ProxyHeaders}), {@link #fail}.
 */
@WebServlet(urlPatterns = "/*", asyncSupported = true)
public class ProxyServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(ProxyServlet.class.getName());
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");
    private static final Pattern CLASS_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    public static final String NODE_HEADER = ForwardedHeaders.NODE;
    public static final String CLASS_HEADER = ForwardedHeaders.SERVICE_CLASS;
    public static final String UID_HEADER = ForwardedHeaders.UID;
    public static final String USER_CLASS_HEADER = ForwardedHeaders.USER_CLASS;
    /** On the response: the goal the request was routed by (its user class's within its service class). */
    public static final String GOAL_HEADER = ForwardedHeaders.GOAL;

    /** Host headers that passed the check, so the few a site answers to skip the regular expression. */
    private final transient SignatureCache<String> validHosts = new SignatureCache<>(256);
    private RouterRuntime router;
    private ProxyHeaders headers;

    @Override
    public void init() {
        router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        headers = new ProxyHeaders(router);
    }

    private ProxyHeaders headers() {
        return headers;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id = router.nextRequestId();
        String host = req.getHeader("Host");
        if (host == null || !validHost(host)) {
            LOG.log(Level.INFO, "request={0} refused: bad Host header from {1}", new Object[] {id, req.getRemoteAddr()});
            Errors.send(resp, 400, "Host header: missing or malformed");
            return;
        }
        String path;
        try {
            path = RequestPath.normalize(req.getRequestURI());
        } catch (IllegalArgumentException e) {
            LOG.log(Level.INFO, "request={0} refused: bad path from {1}: {2}", new Object[] {id, req.getRemoteAddr(), e.getMessage()});
            Errors.send(resp, 400, "request path: " + e.getMessage());
            return;
        }
        long length = req.getContentLengthLong();
        int maxBody = router.settings().maxBodyBytes();
        if (length > maxBody) {
            // Refused before a byte of the body is read; the connection closes rather than drain it.
            if (router.badBody(req.getRemoteAddr())) {
                LOG.log(Level.INFO, "request={0} refused: body of {1} bytes from {2}"
                        + " (logged once a minute per address, all counted in qos_router_refused_bodies_total)",
                        new Object[] {id, String.valueOf(length), req.getRemoteAddr()});
            }
            resp.setHeader("Connection", "close");
            Errors.send(resp, 413, "request body of " + length + " bytes is over the limit of " + maxBody
                    + " bytes (qos.http.max-body-bytes)");
            return;
        }
        Identity identity = identify(req, id);
        String uid = identity.uid();
        // One look at the goals: the class and the user class's goal within it come from one set.
        org.qoscluster.config.GoalSet goals = router.goals();
        String userClass = userClass(req, uid);
        ServiceClass serviceClass = goals.goalFor(goals.classify(req.getMethod(), path), userClass);
        String sessionCookie = router.settings().sessionCookie();
        String sessionId = sessionCookie.isEmpty() ? null
                : Cookies.value(req.getHeaders("Cookie"), sessionCookie).orElse(null);
        boolean chunked = "chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"));
        Exchange exchange = new Exchange(id, req, resp, path, serviceClass, userClass, identity, sessionId, req.startAsync());
        // Whole exchange, a bound on a body that trickles in under the idle time-out too.
        exchange.async.setTimeout(router.settings().bodyIdleTimeoutMs() + router.settings().readTimeoutMs() + 10_000L);
        exchange.async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) {
                Attempt attempt = exchange.attempt;
                if (attempt != null && attempt.timedOut(router.nanoTime())) {
                    // Its node's place is given back here: the client may never complete it.
                    LOG.log(Level.WARNING, "request={0} node={1} no complete answer within the exchange''s time-out; request aborted",
                            new Object[] {id, attempt.node().name()});
                }
                boolean received = exchange.body != null || exchange.committed;
                LOG.log(Level.INFO, received ? "request={0} not answered in time" : "request={0} body not received in time", id);
                fail(exchange, received ? 504 : 408, received ? "no answer in time" : "request body not received in time");
            }

            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onError(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        if (length <= 0 && !chunked) {
            forward(exchange, null);
            return;
        }
        // The body is read whole before a node is chosen: a stalled client holds no thread and no
        // node capacity, and a request that fails before it is sent can go to another node whole.
        String client = req.getRemoteAddr(); // read here: the refusal may come on a timer thread
        BodyReader.read(req.getInputStream(), chunked ? -1 : length, maxBody,
                router.settings().bodyIdleTimeoutMs() * 1_000_000L, router::nanoTime, router.bodyTimer(),
                body -> {
                    exchange.body = body;
                    if (!exchange.done()) {
                        forward(exchange, null);
                    }
                },
                refusal -> {
                    if (router.badBody(client)) {
                        LOG.log(Level.INFO, "request={0} body from {1} refused: {2}"
                                + " (logged once a minute per address, all counted in qos_router_refused_bodies_total)",
                                new Object[] {id, client, refusal.message()});
                    }
                    resp.setHeader("Connection", "close");
                    fail(exchange, refusal.status(), refusal.message());
                });
    }

    /** Whether a Host header is well formed; the few a site answers to are remembered. */
    private boolean validHost(String host) {
        return validHosts.get(host, h -> HOST.matcher(h).matches() ? h : null) != null;
    }

    /**
     * A request's user: the UID, its signed form (the cookie's value, forwarded as
     * {@code X-QoS-UID}), and the Set-Cookie header that issues it when it is new (else null).
     */
    protected record Identity(String uid, String signed, String setCookie) {
    }

    /**
     * The user's UID: the one in a cookie that verifies, else a new one, issued in a cookie with
     * the answer unless the node issues one itself (M2).
     */
    protected Identity identify(HttpServletRequest req, String id) {
        RouterSettings s = router.settings();
        Optional<String> presented = Cookies.value(req.getHeaders("Cookie"), s.cookieName());
        if (presented.isPresent()) {
            Optional<String> uid = router.verifiedUid(presented.get());
            if (uid.isPresent()) {
                // The value that verified is the UID's signed form: no second signature.
                return new Identity(uid.get(), presented.get(), null);
            }
            if (router.badCookie(req.getRemoteAddr())) {
                LOG.log(Level.WARNING, "request={0} UID cookie from {1}"
                        + " does not verify (tampered, truncated or garbled); issuing a new identity"
                        + " (logged once a minute per address, all counted in qos_router_bad_uid_cookies_total)",
                        new Object[] {id, req.getRemoteAddr()});
            }
        }
        String uid = router.uidCookie().newUid();
        String signed = router.uidCookie().sign(uid);
        return new Identity(uid, signed, router.uidCookie().setCookieOf(s.cookieName(), signed, s.cookieSecure()));
    }

    /**
     * The user class, from the configured sources in order: the header only from a trusted
     * network; the session's classes from the router's local mirror (no remote call).
     */
    private String userClass(HttpServletRequest req, String uid) {
        RouterSettings s = router.settings();
        String header = null;
        if (s.userClassFromHeader() && s.trusted(req.getRemoteAddr())) {
            String v = req.getHeader(s.userClassHeader());
            if (v != null && CLASS_NAME.matcher(v).matches()) {
                header = v;
            }
        }
        UserClassSources sources = s.userClassSources();
        return sources.resolve(header, sources.usesSessionRecord() ? router.userClasses().classes(uid) : null);
    }

    /** The goal the request was routed by, for the user to see: {@code p95-ms=300; priority=90}. */
    private static String goalHeader(ServiceClass goal) {
        return "p95-ms=" + goal.p95Millis() + "; priority=" + goal.priority();
    }

    private void forward(Exchange ex, NodeRecord exclude) {
        List<NodeRecord> nodes = router.nodes();
        Optional<NodeRecord> chosen = Optional.empty();
        if (exclude == null) {
            // M10: a user whose write has not replicated yet stays on the node that wrote it;
            // else, with qos.router.session-cookie set (applications without the Session
            // Synchronizer), a session stays on the node that issued its cookie. Either
            // only while that node is in rotation; otherwise the request is routed by its goal.
            chosen = router.pinnedNode(ex.uid).filter(NodeRecord::healthy)
                    .or(() -> router.sessionNode(ex.sessionId).filter(NodeRecord::healthy));
            chosen.ifPresent(n -> n.begin(ex.serviceClass.name()));
        }
        if (chosen.isEmpty()) {
            // Chosen and counted in flight in one step (admission is checked against the count).
            chosen = router.selector().admit(nodes, ex.serviceClass, exclude, router.nanoTime());
            if (chosen.isPresent() && ex.sessionId != null) {
                router.rememberSession(ex.sessionId, chosen.get());
            }
        }
        if (chosen.isEmpty()) {
            boolean anyHealthy = nodes.stream().anyMatch(NodeRecord::healthy);
            if (anyHealthy && exclude == null) {
                router.countShed(ex.serviceClass.name(), ex.userClass);
                ex.resp.setHeader("Retry-After", "1");
                ex.resp.setHeader(CLASS_HEADER, ex.serviceClass.name());
                ex.resp.setHeader(USER_CLASS_HEADER, ex.userClass);
                ex.resp.setHeader(GOAL_HEADER, goalHeader(ex.serviceClass));
                fail(ex, 503, "shed: no node has room for class " + ex.serviceClass.name() + " now; retry shortly");
            } else {
                fail(ex, anyHealthy ? 502 : 503, "no node available");
            }
            return;
        }
        NodeRecord node = chosen.get();
        Request request;
        try {
            request = buildRequest(ex, node);
        } catch (IllegalArgumentException e) {
            node.cancel(ex.serviceClass.name());
            fail(ex, 400, "request cannot be forwarded: " + e.getMessage());
            return;
        }
        Attempt attempt = new Attempt(node, ex.serviceClass.name(), router.nanoTime(), request);
        ex.attempt = attempt;
        request.send(new Response.Listener() {
            @Override
            public void onHeaders(Response response) {
                if (!attempt.ended()) {
                    respondHeaders(ex, node, response);
                }
            }

            @Override
            public void onContent(Response response, ByteBuffer content) {
                if (attempt.ended()) {
                    return; // the exchange timed out and answered the user; the request is aborted
                }
                try {
                    OutputStream out = ex.resp.getOutputStream();
                    if (content.hasArray()) {
                        out.write(content.array(), content.arrayOffset() + content.position(), content.remaining());
                    } else {
                        byte[] bytes = new byte[content.remaining()];
                        content.get(bytes);
                        out.write(bytes);
                    }
                    if (ex.streamed) {
                        out.flush();
                    }
                } catch (IOException e) {
                    ex.clientGone = true;
                    var unused = response.abort(e); // the client went away: stop reading from the node
                }
            }

            @Override
            public void onComplete(Result result) {
                // A client that went away is no sign of the node's health.
                boolean error = !ex.clientGone && (result.isFailed() || result.getResponse().getStatus() >= 500);
                if (!attempt.answered(error, router.nanoTime())) {
                    return; // the exchange timed out first: its user has had the answer, the node its count back
                }
                if (!result.isFailed()) {
                    ex.complete();
                } else if (!ex.responseStarted) {
                    upstreamFailed(ex, node, exclude, result.getFailure());
                } else {
                    LOG.log(Level.INFO, "request={0} node={1} response cut short: {2}", new Object[] {ex.id, node.name(), result.getFailure()});
                    ex.complete();
                }
            }
        });
    }

    /**
     * The response's status and headers, the node's with the router's: called once the node's
     * headers arrived, before any content.
     */
    private void respondHeaders(Exchange ex, NodeRecord node, Response response) {
        ex.responseStarted = true;
        HttpServletResponse resp = ex.resp;
        HttpFields fields = response.getHeaders();
        resp.setStatus(response.getStatus());
        headers().copyResponse(fields, resp);
        // With a length the container writes when its buffer fills and at the end; without one
        // (a stream) every chunk goes to the user as it comes.
        ex.streamed = !fields.contains(HttpHeader.CONTENT_LENGTH);
        // One Set-Cookie per name (RFC 6265 4.1.1): a node that rotated the identity at
        // sign-in issues the UID the user goes on with, and the router's new one is dropped.
        if (ex.issuedCookie != null && Cookies.setBy(fields.getValuesList(HttpHeader.SET_COOKIE),
                router.settings().cookieName()).isEmpty()) {
            resp.addHeader("Set-Cookie", ex.issuedCookie);
        }
        resp.setHeader(NODE_HEADER, node.name());
        resp.setHeader(CLASS_HEADER, ex.serviceClass.name());
        resp.setHeader(USER_CLASS_HEADER, ex.userClass);
        resp.setHeader(GOAL_HEADER, goalHeader(ex.serviceClass));
        learnSession(fields, node);
        learnStateChange(ex, fields);
        learnUserClasses(ex, fields);
    }

    private void upstreamFailed(Exchange ex, NodeRecord node, NodeRecord previous, Throwable cause) {
        UpstreamFailure kind = UpstreamFailure.of(cause, ex.committed);
        if (kind.nodeDown) {
            node.markDown("connection failed: " + cause);
        }
        switch (kind) {
            case HEADERS_TOO_LARGE -> {
                LOG.log(Level.INFO, "request={0} refused: headers too large to forward", ex.id);
                fail(ex, 431, "request headers are too large to forward (qos.http.max-header-bytes)");
                return;
            }
            case TIMED_OUT -> {
                LOG.log(Level.WARNING, "request={0} node={1} no response in time", new Object[] {ex.id, node.name()});
                fail(ex, 504, "node " + node.name() + " did not answer in time");
                return;
            }
            default -> {
            }
        }
        // Nothing reached the node when the request was never sent: another node gets it, with
        // the whole body (read before the first attempt). Once sent, only a safe method goes
        // again; a POST that may have reached the node never does.
        boolean retryable = kind.notSent || SAFE_METHODS.contains(ex.req.getMethod());
        if (previous == null && retryable && !ex.resp.isCommitted()) {
            LOG.log(Level.INFO, "request={0} node={1} failed ({2}); retrying on another node", new Object[] {ex.id, node.name(), cause});
            ex.committed = false;
            forward(ex, node);
            return;
        }
        LOG.log(Level.WARNING, "request={0} node={1} failed: {2}", new Object[] {ex.id, node.name(), cause});
        fail(ex, 502, "node " + node.name() + " failed: " + cause.getClass().getSimpleName());
    }

    private Request buildRequest(Exchange ex, NodeRecord node) {
        HttpServletRequest req = ex.req;
        Request r = router.upstream().newRequest(target(node, ex))
                .method(req.getMethod())
                .version(HttpVersion.HTTP_1_1)
                .timeout(router.settings().readTimeoutMs(), TimeUnit.MILLISECONDS);
        r.headers(headers -> {
            headers().copyRequest(req, headers);
            headers().addProxyHeaders(ex, headers);
        });
        if (ex.body != null) {
            r.body(new BytesRequestContent(req.getContentType(), ex.body));
        }
        r.onRequestCommit(committed -> ex.committed = true);
        return r;
    }

    /** The node's URI for this request: the normalised path and the same query. */
    protected URI target(NodeRecord node, Exchange ex) {
        String query = ex.req.getQueryString();
        String base = node.base().toString();
        return URI.create(base.substring(0, base.length() - 1) + ex.path + (query == null ? "" : "?" + query));
    }




    /**
     * Failure to status, in one place: 400 bad request, 408 body stalled, 413 body too large, 431
     * headers too large, 502 node failed, 503 none or shed, 504 time-out.
     */
    protected void fail(Exchange ex, int status, String message) {
        try {
            if (!ex.resp.isCommitted()) {
                if (ex.issuedCookie != null && !ex.responseStarted) {
                    ex.resp.addHeader("Set-Cookie", ex.issuedCookie);
                }
                Errors.send(ex.resp, status, message);
            }
        } catch (IOException e) {
            Logs.log(LOG, Level.FINE, e, "request={0} client gone before the error", ex.id);
        } finally {
            ex.complete();
        }
    }


    /** Records the state-change flag a node announced for the user this response goes to (M10). */
    private void learnStateChange(Exchange ex, HttpFields headers) {
        String announced = headers.get(StateChangeFlag.ANNOUNCE_HEADER);
        if (announced != null) {
            Optional<StateChangeFlag.Announced> a = StateChangeFlag.announced(announced);
            if (a.isPresent()) {
                router.flags().announced(a.get().uid(), a.get().flag());
            } else {
                LOG.log(Level.WARNING, "request={0} a node announced a malformed state-change flag: ''{1}''", new Object[] {ex.id, announced});
            }
        }
    }

    /** Records the user classes a node announced for the user this response goes to. */
    private void learnUserClasses(Exchange ex, HttpFields headers) {
        String announced = headers.get(UserClasses.ANNOUNCE_HEADER);
        if (announced != null) {
            Optional<UserClasses.Announced> a = UserClasses.announced(announced);
            if (a.isPresent()) {
                router.userClasses().announced(a.get().uid(), a.get().classes());
            } else {
                LOG.log(Level.WARNING, "request={0} a node announced malformed user classes: ''{1}''", new Object[] {ex.id, announced});
            }
        }
    }

    /** A node that sets the session cookie holds that session from now on. */
    private void learnSession(HttpFields headers, NodeRecord node) {
        String name = router.settings().sessionCookie();
        if (name.isEmpty()) {
            return;
        }
        for (String id : Cookies.setBy(headers.getValuesList(HttpHeader.SET_COOKIE), name)) {
            if (!id.isEmpty()) {
                router.rememberSession(id, node);
            }
        }
    }
}
