package org.qoscluster.qrs.internal;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.qoscluster.config.GoalSet;
import org.qoscluster.config.ServiceClass;
import org.qoscluster.contract.ForwardedHeaders;
import org.qoscluster.contract.SignatureCache;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.Outbound;
import org.qoscluster.qrs.RequestRouter;
import org.qoscluster.qrs.RouterSettings;
import org.qoscluster.qrs.UserClassSources;

/**
 * The QoS-goal router's request path (M1, M2, M4, M5, M11, M12), whichever server received the
 * request: identify the user by the signed UID cookie, classify the request, pick a node by the
 * class's goal, send the request there and stream the response back (Jetty's HTTP client, pooled
 * connections), and record how the node did. Built from small steps in the manner of Jetty's
 * proxy servlet: {@link #identify}, {@link #forward}, the headers' rules ({@link ProxyHeaders}),
 * {@link #fail}. The servlet ({@link ProxyServlet}) reads request bodies first and writes with
 * the container's blocking output; the Jetty router's own handler routes requests without a body
 * here with non-blocking output, its node connections answering on their selector thread.
 */
public final class Forwarder implements RequestRouter {

    private static final Logger LOG = Logger.getLogger(Forwarder.class.getName());
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");
    private static final Pattern CLASS_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /** Beyond the read time-out, before an exchange's own time-out ends it. */
    static final long EXCHANGE_MARGIN_MS = 10_000;

    /** Host headers that passed the check, so the few a site answers to skip the regular expression. */
    private final SignatureCache<String> validHosts = new SignatureCache<>(256);
    private final RouterRuntime router;
    private final ProxyHeaders headers;
    private final HttpClient upstream;
    /**
     * Each node's destination in the client (its connection pool), by the node's address. The
     * client's own look-up, {@code Request.send}, takes a lock on its map of destinations for
     * every request, which the router's threads then contended for (a node's destination is never
     * dropped: the client's destination idle time-out is off).
     */
    private final Map<URI, Destination> destinations = new ConcurrentHashMap<>();
    /** The exchanges of {@link #route} not yet ended, for their time-out. */
    private final Set<Exchange> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param nonBlocking whether the server's {@link Outbound#write} never blocks: the node's answer
     *     is then written on the client's selector thread (no hand-off to another thread);
     *     otherwise on a thread of the client's pool
     */
    public Forwarder(RouterRuntime router, boolean nonBlocking) {
        this.router = router;
        this.headers = new ProxyHeaders(router);
        this.upstream = nonBlocking ? router.nonBlockingUpstream() : router.upstream();
        var unused = router.bodyTimer().scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void route(Inbound in, Outbound out) {
        String id = router.nextRequestId();
        String path = checked(id, in, out);
        if (path != null) {
            Exchange ex = exchange(id, in, out, path);
            if (enterClient(ex, false)) {
                track(ex, 0);
                forward(ex, null);
            }
        }
    }

    /**
     * Counts the exchange among its client's requests in flight ({@code qos.router.max-requests-per-client}),
     * before it takes a node's place or its body is read: true when it fits, its place given back
     * once when it ends, however it ends; false when its client has all its places, the exchange
     * then answered 503 with {@code Retry-After}. Always true without a cap, nothing counted.
     *
     * @param unreadBody whether the request has a body not read yet: refused, its connection then
     *     closes rather than drain it
     */
    boolean enterClient(Exchange ex, boolean unreadBody) {
        ClientLimits limits = router.clientLimits();
        if (!limits.capped()) {
            return true;
        }
        // The address the router signs as the client's: a trusted proxy's client is counted, not the proxy.
        String client = headers.client(ex.in);
        if (limits.tryEnter(client)) {
            ex.whenDone(() -> limits.leave(client));
            return true;
        }
        if (router.clientCapped(client)) {
            LOG.log(Level.INFO, "request={0} refused: {1} has {2} requests in flight (qos.router.max-requests-per-client)"
                    + " (logged once a minute per address, all counted in qos_router_client_cap_refusals_total)",
                    new Object[] {ex.id, client, String.valueOf(limits.cap())});
        }
        ex.out.setHeader("Retry-After", "1");
        if (unreadBody) {
            ex.out.setHeader("Connection", "close");
        }
        fail(ex, 503, "too many requests in flight from this client: at most " + limits.cap()
                + " at once (qos.router.max-requests-per-client); retry shortly");
        return false;
    }

    /**
     * Gives the exchange its own time-out: {@code waitMs} for its body plus the node's read
     * time-out and a margin, counted afresh when it goes to its node and from each piece of the
     * node's answer (so a long answer that keeps coming is never cut off). Jetty's client has been
     * seen never to complete a request, which would keep its node's place and its user waiting for
     * good; the servlet's asynchronous time-out, by contrast, would bound the whole answer. Swept
     * once a second rather than a timer per request.
     */
    void track(Exchange ex, long waitMs) {
        ex.deadlineNanos = deadlineFromNow() + waitMs * 1_000_000L;
        ex.whenDone(() -> inFlight.remove(ex));
        inFlight.add(ex);
    }

    /** When an exchange of {@link #route} that starts or hears from its node now times out. */
    private long deadlineFromNow() {
        return router.nanoTime() + (router.settings().readTimeoutMs() + EXCHANGE_MARGIN_MS) * 1_000_000L;
    }

    /** Ends the exchanges of {@link #route} that are past their time-out, with 504. */
    void sweep() {
        long now = router.nanoTime();
        for (java.util.Iterator<Exchange> i = inFlight.iterator(); i.hasNext();) {
            Exchange ex = i.next();
            if (now - ex.deadlineNanos >= 0) {
                try {
                    expire(ex);
                } catch (RuntimeException e) {
                    // One exchange's failure must not stop the sweep (a periodic task that throws runs no more).
                    LOG.log(Level.WARNING, "request=" + ex.id + " ending it after its time-out failed", e);
                    i.remove();
                }
            }
        }
    }

    /** An exchange past its own time-out: its try ended (the node's place given back, the request aborted), the user answered. */
    void expire(Exchange ex) {
        Attempt attempt = ex.attempt;
        if (attempt != null) {
            if (!attempt.timedOut(router.nanoTime())) {
                return; // the node's answer ended the attempt first: its own path ends the exchange
            }
            admitWaiting();
            LOG.log(Level.WARNING, "request={0} node={1} no complete answer within the exchange''s time-out; request aborted",
                    new Object[] {ex.id, attempt.node().name()});
        }
        boolean received = !ex.bodyExpected || ex.body != null || ex.committed;
        LOG.log(Level.INFO, received ? "request={0} not answered in time" : "request={0} body not received in time", ex.id);
        fail(ex, received ? 504 : 408, received ? "no answer in time" : "request body not received in time");
    }

    /**
     * The request's normalised path, or null when its Host header or path is bad; it has then
     * been answered with 400.
     */
    String checked(String id, Inbound in, Outbound out) {
        String host = in.header("Host");
        if (host == null || !validHost(host)) {
            return refused(id, in, out, "bad Host header", "Host header: missing or malformed");
        }
        try {
            return RequestPath.normalize(in.rawPath());
        } catch (IllegalArgumentException e) {
            return refused(id, in, out, "bad path: " + e.getMessage(), "request path: " + e.getMessage());
        }
    }

    /** Answers 400 with {@code message}; logs {@code why} once a minute per address. Null, for {@link #checked}. */
    private String refused(String id, Inbound in, Outbound out, String why, String message) {
        if (router.badRequest(in.remoteAddr())) {
            LOG.log(Level.INFO, "request={0} refused from {1}: {2} (logged once a minute per address)",
                    new Object[] {id, in.remoteAddr(), why});
        }
        out.error(400, message);
        out.complete();
        return null;
    }

    /** The exchange of a request whose path passed: its user, user class, service class and session. */
    Exchange exchange(String id, Inbound in, Outbound out, String path) {
        Identity identity = identify(in, id);
        String uid = identity.uid();
        // One look at the goals: the class and the user class's goal within it come from one set.
        GoalSet goals = router.goals();
        String userClass = userClass(in, uid);
        ServiceClass serviceClass = goals.goalFor(goals.classify(in.method(), RequestPath.forRules(path)), userClass);
        String sessionCookie = router.settings().sessionCookie();
        String sessionId = sessionCookie.isEmpty() ? null : Cookies.value(in.headers("Cookie"), sessionCookie).orElse(null);
        return new Exchange(id, in, out, path, serviceClass, userClass, identity, sessionId);
    }

    /** Whether a Host header is well formed; the few a site answers to are remembered. */
    private boolean validHost(String host) {
        return validHosts.get(host, h -> HOST.matcher(h).matches() ? h : null) != null;
    }

    /**
     * A request's user: the UID, its signed form (the cookie's value, forwarded as
     * {@code X-QoS-UID}), and the Set-Cookie header that issues it when it is new (else null).
     */
    record Identity(String uid, String signed, String setCookie) {
    }

    /**
     * The user's UID: the one in a cookie that verifies, else a new one, issued in a cookie with
     * the answer unless the node issues one itself (M2).
     */
    private Identity identify(Inbound in, String id) {
        RouterSettings s = router.settings();
        Optional<String> presented = Cookies.value(in.headers("Cookie"), s.cookieName());
        if (presented.isPresent()) {
            Optional<String> uid = router.verifiedUid(presented.get());
            if (uid.isPresent()) {
                // The value that verified is the UID's signed form: no second signature.
                return new Identity(uid.get(), presented.get(), null);
            }
            if (router.badCookie(in.remoteAddr())) {
                LOG.log(Level.WARNING, "request={0} UID cookie from {1}"
                        + " does not verify (tampered, truncated or garbled); issuing a new identity"
                        + " (logged once a minute per address, all counted in qos_router_bad_uid_cookies_total)",
                        new Object[] {id, in.remoteAddr()});
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
    private String userClass(Inbound in, String uid) {
        RouterSettings s = router.settings();
        String header = null;
        if (s.userClassFromHeader() && s.trusted(in.remoteAddr())) {
            String v = in.header(s.userClassHeader());
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

    void forward(Exchange ex, NodeRecord exclude) {
        List<NodeRecord> nodes = router.nodes();
        Optional<NodeRecord> chosen = Optional.empty();
        Optional<NodeRecord> pinned = Optional.empty();
        if (exclude == null) {
            // M10: a user whose write has not replicated yet stays on the node that wrote it;
            // else, with qos.router.session-cookie set (applications without the Session
            // Synchronizer), a session stays on the node that issued its cookie. Either
            // only while that node is in rotation; otherwise the request is routed by its goal.
            // Admitted as any request of its class: a node out of room for the class sheds it
            // rather than take it past its share (another node would not have the user's write
            // or session).
            pinned = router.pinnedNode(ex.uid).filter(NodeRecord::healthy)
                    .or(() -> router.sessionNode(ex.sessionId).filter(NodeRecord::healthy));
            chosen = pinned.filter(n -> router.selector().admitOn(n, ex.serviceClass));
        }
        if (chosen.isEmpty() && pinned.isEmpty()) {
            chosen = admitAnywhere(ex, exclude);
        }
        if (chosen.isEmpty()) {
            boolean anyHealthy = nodes.stream().anyMatch(NodeRecord::healthy);
            if (anyHealthy && exclude == null) {
                // A request free to go to any node waits for a place, by priority, within its
                // class's goal; one pinned to a node that is full is shed at once.
                if (pinned.isEmpty() && waitForPlace(ex)) {
                    return;
                }
                shed(ex);
            } else {
                fail(ex, anyHealthy ? 502 : 503, "no node available");
            }
            return;
        }
        send(ex, chosen.get(), exclude);
    }

    /** A request that waits for a node's place ({@link AdmissionQueue}), and the forwarder that goes on with it. */
    record Waiting(Forwarder forwarder, Exchange ex) {
    }

    /**
     * Puts the exchange in the router's admission queue, for at most a quarter of its class's goal
     * and {@code qos.router.max-queue-wait-ms}, and sheds it if no place was its by then: true
     * when it waits (or was admitted at once), false when it is to be shed now (no wait allowed,
     * or the queue full of requests that rank before it).
     */
    private boolean waitForPlace(Exchange ex) {
        long waitMs = Math.min(router.settings().maxQueueWaitMs(), ex.serviceClass.p95Millis() / 4L);
        if (waitMs <= 0) {
            return false;
        }
        Waiting waiting = new Waiting(this, ex);
        AdmissionQueue<Waiting> queue = router.admissions();
        AdmissionQueue.Added<Waiting> added = queue.add(waiting, ex.serviceClass.priority());
        added.displaced().ifPresent(w -> w.forwarder().shed(w.ex()));
        if (!added.queued()) {
            return false;
        }
        // Gone from the queue however the exchange ends (its own time-out, a client gone).
        ex.whenDone(() -> queue.remove(waiting));
        var unused = router.bodyTimer().schedule(() -> {
            if (queue.remove(waiting)) {
                shed(ex);
            }
        }, waitMs, TimeUnit.MILLISECONDS);
        admitWaiting(); // a place may have freed since this request found none
        return true;
    }

    /**
     * Offers the places free now to the requests waiting for one, highest priority first; each
     * admitted goes on to its node on this thread. Called whenever a request gives its place back.
     */
    private void admitWaiting() {
        AdmissionQueue<Waiting> queue = router.admissions();
        if (queue.size() == 0) {
            return;
        }
        // One that ended while it waited (its time-out) takes no place.
        for (Map.Entry<Waiting, NodeRecord> admitted : queue.admit(w -> w.ex().done() ? Optional.empty() : admitAnywhere(w.ex(), null))) {
            admitted.getKey().forwarder().send(admitted.getKey().ex(), admitted.getValue(), null);
        }
    }

    /**
     * A node for the exchange chosen by its goal among those with room for its class (not
     * {@code exclude}), and counted in flight there in the same step (admission is checked
     * against the count); its session remembered on that node. Empty when none has room.
     */
    private Optional<NodeRecord> admitAnywhere(Exchange ex, NodeRecord exclude) {
        Optional<NodeRecord> chosen = router.selector().admit(router.nodes(), ex.serviceClass, exclude, router.nanoTime());
        if (chosen.isPresent() && ex.sessionId != null) {
            router.rememberSession(ex.sessionId, chosen.get());
        }
        return chosen;
    }

    /** Answers 503 with {@code Retry-After}: no node has room for the request's class, and it may not wait longer. */
    private void shed(Exchange ex) {
        router.countShed(ex.serviceClass.name(), ex.userClass);
        ex.out.setHeader("Retry-After", "1");
        ex.out.setHeader(ForwardedHeaders.SERVICE_CLASS, ex.serviceClass.name());
        ex.out.setHeader(ForwardedHeaders.USER_CLASS, ex.userClass);
        ex.out.setHeader(ForwardedHeaders.GOAL, goalHeader(ex.serviceClass));
        fail(ex, 503, "shed: no node has room for class " + ex.serviceClass.name() + " now; retry shortly");
    }

    /**
     * Sends the exchange to {@code node}, whose place it holds ({@code exclude}: the node its first
     * try failed on, or null), and answers the user from it.
     */
    private void send(Exchange ex, NodeRecord node, NodeRecord exclude) {
        if (exclude == null) {
            ex.deadlineNanos = deadlineFromNow(); // the body (if any) is in: the node's time starts
        }
        Request request;
        try {
            request = buildRequest(ex, node);
        } catch (IllegalArgumentException e) {
            node.cancel(ex.serviceClass.name());
            admitWaiting();
            fail(ex, 400, "request cannot be forwarded: " + e.getMessage());
            return;
        }
        Attempt attempt = new Attempt(node, ex.serviceClass.name(), router.nanoTime(), request);
        ex.attempt = attempt;
        destination(node, request).send(request, new Response.Listener() {
            @Override
            public void onHeaders(Response response) {
                if (!attempt.ended()) {
                    ex.deadlineNanos = deadlineFromNow(); // the node spoke: its silence is counted afresh
                    respondHeaders(ex, node, response);
                }
            }

            @Override
            public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
                ByteBuffer content = chunk.getByteBuffer();
                if (attempt.ended() || !content.hasRemaining()) {
                    // An ended attempt: the exchange timed out and answered the user; the request is aborted.
                    demander.run();
                    return;
                }
                // An answer still coming is not past the exchange's time-out either.
                ex.deadlineNanos = deadlineFromNow();
                chunk.retain();
                ex.out.write(content, ex.streamed, Callback.from(() -> {
                    chunk.release();
                    demander.run();
                }, failure -> {
                    chunk.release();
                    ex.clientGone = true;
                    var unused = response.abort(failure); // the client went away: stop reading from the node
                }));
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
                } else if (unstarted(ex)) {
                    // The node's headers came, but nothing has reached the user: handled as a node
                    // that never answered (a safe request goes to another node, else the router's
                    // error), not as the node's headers with a body that never comes.
                    LOG.log(Level.INFO, "request={0} node={1} answer broken off before any of it was sent: {2}",
                            new Object[] {ex.id, node.name(), result.getFailure()});
                    upstreamFailed(ex, node, exclude, result.getFailure());
                } else {
                    // Broken off after it began: the user must not take the part sent for the whole.
                    if (ex.clientGone) {
                        LOG.log(Level.FINE, "request={0} node={1} client went away during the answer", new Object[] {ex.id, node.name()});
                    } else if (router.cutShort(node.name())) {
                        LOG.log(Level.INFO, "request={0} node={1} response cut short: {2} (logged once a minute per node)",
                                new Object[] {ex.id, node.name(), result.getFailure()});
                    }
                    ex.abort(result.getFailure());
                }
                // The place this try gave back, once this exchange has ended or taken its retry.
                admitWaiting();
            }
        });
    }

    /**
     * The response's status and headers, the node's with the router's: called once the node's
     * headers arrived, before any content.
     */
    private void respondHeaders(Exchange ex, NodeRecord node, Response response) {
        synchronized (ex) { // not while fail() answers the user instead, from the sweep's thread
            if (!ex.done()) {
                copyHeaders(ex, node, response);
            }
        }
    }

    /**
     * Takes back the node's headers copied for an answer of which nothing was sent: true when the
     * exchange may then be answered afresh, false when some of the answer went out meanwhile.
     */
    private static boolean unstarted(Exchange ex) {
        synchronized (ex) {
            if (ex.done() || ex.out.isCommitted()) {
                return false;
            }
            try {
                ex.out.reset();
            } catch (IllegalStateException committedMeanwhile) {
                return false; // the server committed it between the check and the reset
            }
            ex.responseStarted = false;
            return true;
        }
    }

    private void copyHeaders(Exchange ex, NodeRecord node, Response response) {
        Outbound out = ex.out;
        HttpFields fields = response.getHeaders();
        out.setStatus(response.getStatus());
        headers.copyResponse(fields, out);
        // With a length the server writes when its buffer fills and at the end; without one
        // (a stream) every chunk goes to the user as it comes.
        ex.streamed = !fields.contains(HttpHeader.CONTENT_LENGTH);
        // One Set-Cookie per name (RFC 6265 4.1.1): a node that rotated the identity at
        // sign-in issues the UID the user goes on with, and the router's new one is dropped.
        if (ex.issuedCookie != null && Cookies.setBy(fields.getValuesList(HttpHeader.SET_COOKIE),
                router.settings().cookieName()).isEmpty()) {
            out.addHeader("Set-Cookie", ex.issuedCookie);
        }
        out.setHeader(ForwardedHeaders.NODE, node.name());
        out.setHeader(ForwardedHeaders.SERVICE_CLASS, ex.serviceClass.name());
        out.setHeader(ForwardedHeaders.USER_CLASS, ex.userClass);
        out.setHeader(ForwardedHeaders.GOAL, goalHeader(ex.serviceClass));
        learnSession(fields, node);
        learnStateChange(ex, fields);
        learnUserClasses(ex, fields);
        ex.responseStarted = true;
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
        boolean retryable = kind.notSent || SAFE_METHODS.contains(ex.in.method());
        if (previous == null && retryable && !ex.out.isCommitted()) {
            LOG.log(Level.INFO, "request={0} node={1} failed ({2}); retrying on another node", new Object[] {ex.id, node.name(), cause});
            ex.committed = false;
            forward(ex, node);
            return;
        }
        LOG.log(Level.WARNING, "request={0} node={1} failed: {2}", new Object[] {ex.id, node.name(), cause});
        fail(ex, 502, "node " + node.name() + " failed: " + cause.getClass().getSimpleName());
    }

    private Request buildRequest(Exchange ex, NodeRecord node) {
        Request r = upstream.newRequest(target(node, ex))
                .method(ex.in.method())
                .version(HttpVersion.HTTP_1_1)
                // The node may stay silent this long, before its answer and between its pieces;
                // a long answer that keeps coming (a download) is not cut off.
                .idleTimeout(router.settings().readTimeoutMs(), TimeUnit.MILLISECONDS);
        r.headers(h -> {
            headers.copyRequest(ex.in, h);
            headers.addProxyHeaders(ex, h);
        });
        if (ex.body != null) {
            r.body(new BytesRequestContent(ex.in.header("Content-Type"), ex.body));
        }
        r.onRequestCommit(committed -> ex.committed = true);
        return r;
    }

    /** {@code node}'s destination in the client, resolved for its first request. */
    private Destination destination(NodeRecord node, Request request) {
        Destination d = destinations.get(node.base());
        if (d == null) {
            d = upstream.resolveDestination(request);
            destinations.put(node.base(), d);
        }
        return d;
    }

    /** The node's URI for this request: the normalised path and the same query. */
    private static URI target(NodeRecord node, Exchange ex) {
        String query = ex.in.query();
        String base = node.base().toString();
        return URI.create(base.substring(0, base.length() - 1) + ex.path + (query == null ? "" : "?" + query));
    }

    /**
     * Failure to status, in one place: 400 bad request, 408 body stalled, 413 body too large, 431
     * headers too large, 502 node failed, 503 none or shed, 504 time-out.
     */
    void fail(Exchange ex, int status, String message) {
        synchronized (ex) {
            if (ex.done()) {
                return; // ended already (its server may have reused the response)
            }
            if (ex.responseStarted && !unstarted(ex)) {
                // Part of the node's answer is on its way: the user must not take it for the whole.
                ex.abort(new java.io.IOException(status + " " + message + " after the answer had begun"));
                return;
            }
            try {
                if (ex.issuedCookie != null) {
                    ex.out.addHeader("Set-Cookie", ex.issuedCookie);
                }
                ex.out.error(status, message);
            } finally {
                ex.complete();
            }
        }
    }

    /** Records the state-change flag a node announced for the user this response goes to (M10). */
    private void learnStateChange(Exchange ex, HttpFields fields) {
        String announced = fields.get(StateChangeFlag.ANNOUNCE_HEADER);
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
    private void learnUserClasses(Exchange ex, HttpFields fields) {
        String announced = fields.get(UserClasses.ANNOUNCE_HEADER);
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
    private void learnSession(HttpFields fields, NodeRecord node) {
        String name = router.settings().sessionCookie();
        if (name.isEmpty()) {
            return;
        }
        for (String id : Cookies.setBy(fields.getValuesList(HttpHeader.SET_COOKIE), name)) {
            if (!id.isEmpty()) {
                router.rememberSession(id, node);
            }
        }
    }
}
