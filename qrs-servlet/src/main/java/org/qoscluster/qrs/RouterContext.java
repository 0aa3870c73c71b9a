package org.qoscluster.qrs;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;

import com.hazelcast.core.HazelcastInstance;

import org.qoscluster.qrs.internal.RouterStartup;

/**
 * The router in a servlet container other than Payara Micro (which starts it from the WAR's own
 * listener): register {@link #servlets()} with the mappings of their
 * {@link jakarta.servlet.annotation.WebServlet} annotations, {@link #start} it in the context,
 * then {@link #attach} the cluster's Hazelcast once a client is connected.
 */
public final class RouterContext implements AutoCloseable {

    private final RouterStartup started;

    private RouterContext(RouterStartup started) {
        this.started = started;
    }

    /** The router's servlets: the proxy on {@code /*}, the admin, site and alive pages. */
    public static List<Class<? extends HttpServlet>> servlets() {
        return RouterStartup.SERVLETS;
    }

    /**
     * Starts the router in {@code context} with validated {@code settings}; the goals are read
     * again from {@code domainXml} whenever it changes. Until {@link #attach}, the router knows no
     * state-change flags, watermarks or group state: it routes by goal and reads from the master,
     * and its site is not available ({@code /qrs/site} answers 503 naming the router).
     */
    public static RouterContext start(ServletContext context, RouterSettings settings, Optional<Path> domainXml) {
        return new RouterContext(RouterStartup.detached(context, settings, domainXml));
    }

    /**
     * The request path for a server of the router's own whose writes never block (the Jetty
     * router): requests without a body, routed and answered without a thread waiting on either
     * side. Requests with a body and the router's own pages still go to {@link #servlets()}.
     */
    public RequestRouter requestRouter() {
        return started.requestRouter();
    }

    /** Mirrors the cluster's shared maps through {@code cluster} (connected) from now on; once. */
    public void attach(HazelcastInstance cluster) {
        started.attach(cluster);
    }

    @Override
    public void close() {
        started.close();
    }
}
