package org.qoscluster.routerserver.internal;

import java.util.function.Predicate;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.qoscluster.qrs.RequestRouter;

/**
 * The Jetty router's front. A request to proxy that has no body is routed on the thread that read
 * it (the connector's selector: Jetty runs a non-blocking handler there), and its answer is written
 * with non-blocking writes on the thread that reads it from the node: no hand-off to a pool thread
 * on either side, where each costs a wake-up and a context switch. Everything else (a request
 * with a body, which the servlet reads whole first; the router's own pages; any request before
 * the router has started) goes to the wrapped servlets on a thread of the server's pool.
 */
final class RoutingHandler extends Handler.Wrapper {

    private final Supplier<RequestRouter> router;
    private final Predicate<String> servletPage;

    /**
     * @param router the request path, or null while the router starts or stops
     * @param servletPage whether a path (decoded, in context) is one of the router's own pages
     */
    RoutingHandler(Handler servlets, Supplier<RequestRouter> router, Predicate<String> servletPage) {
        super(servlets);
        this.router = router;
        this.servletPage = servletPage;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        RequestRouter r = router.get();
        if (r != null && !hasBody(request.getHeaders())) {
            String path = Request.getPathInContext(request);
            if (path != null && !servletPage.test(path)) {
                r.route(CoreExchange.inbound(request), CoreExchange.outbound(response, callback));
                return true;
            }
        }
        getServer().getThreadPool().execute(() -> {
            try {
                if (!super.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable x) {
                callback.failed(x);
            }
        });
        return true;
    }

    private static boolean hasBody(HttpFields headers) {
        return headers.contains(HttpHeader.TRANSFER_ENCODING) || headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0;
    }
}
