package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.qrs.Inbound;

/**
 * The QoS-goal router's request path in a servlet container ({@link Forwarder} does the routing):
 * the request's checks, its body read whole without a thread waiting on it, the exchange's
 * time-out, and the answer written with the container's output.
 */
@WebServlet(urlPatterns = "/*", asyncSupported = true)
public class ProxyServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(ProxyServlet.class.getName());

    private transient RouterRuntime router;
    private transient Forwarder forwarder;

    @Override
    public void init() {
        router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        forwarder = new Forwarder(router, false);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id = router.nextRequestId();
        Inbound in = ServletExchange.inbound(req);
        String path = forwarder.checked(id, in, ServletExchange.outbound(id, resp, null));
        if (path == null) {
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
        String codings = transferCodings(req);
        if (codings != null && !codings.equals("chunked")) {
            // Only chunked is understood (RFC 9112 6.1): any other coding would be forwarded
            // without its body. Refused before a byte of the body is read, as above.
            resp.setHeader("Connection", "close");
            Errors.send(resp, 501, "request transfer coding '" + codings + "' is not supported; only chunked is");
            return;
        }
        boolean chunked = codings != null;
        AsyncContext async = req.startAsync();
        Exchange exchange = forwarder.exchange(id, in, ServletExchange.outbound(id, resp, async), path);
        boolean hasBody = length > 0 || chunked;
        if (!forwarder.enterClient(exchange, hasBody)) {
            return;
        }
        // The exchange's time-out is the forwarder's (a bound on a body that trickles in under the
        // idle time-out too, then the node's silence); the container's would bound the whole answer.
        forwarder.track(exchange, router.settings().bodyIdleTimeoutMs());
        async.setTimeout(0);
        if (!hasBody) {
            forwarder.forward(exchange, null);
            return;
        }
        // The body is read whole before a node is chosen: a stalled client holds no thread and no
        // node capacity, and a request that fails before it is sent can go to another node whole.
        // Its memory comes from the router's budget for bodies, given back when the exchange ends.
        exchange.bodyExpected = true;
        String client = req.getRemoteAddr(); // read here: the refusal may come on a timer thread
        BodyReader reader = BodyReader.read(req.getInputStream(), router.bodyBudget(), chunked ? -1 : length, maxBody,
                router.settings().bodyIdleTimeoutMs() * 1_000_000L, router::nanoTime, router.bodyTimer(),
                body -> {
                    exchange.body = body;
                    if (!exchange.done()) {
                        forwarder.forward(exchange, null);
                    }
                },
                refusal -> {
                    if (router.badBody(client)) {
                        LOG.log(Level.INFO, "request={0} body from {1} refused: {2}"
                                + " (logged once a minute per address, all counted in qos_router_refused_bodies_total)",
                                new Object[] {id, client, refusal.message()});
                    }
                    if (refusal.status() == 503) {
                        // The router's memory for bodies is in use, not the request at fault: it may come again.
                        resp.setHeader("Retry-After", "1");
                    }
                    resp.setHeader("Connection", "close");
                    forwarder.fail(exchange, refusal.status(), refusal.message());
                });
        // Whatever ends the exchange (answered, refused, timed out, broken off, client gone), once;
        // at once if it has ended already.
        exchange.whenDone(reader::release);
    }

    /** The request's transfer codings, every Transfer-Encoding line joined, lower case; null without any. */
    private static String transferCodings(HttpServletRequest req) {
        if (req.getHeader("Transfer-Encoding") == null) {
            return null;
        }
        return String.join(", ", ProxyHeaders.tokens(req.getHeaders("Transfer-Encoding")));
    }
}
