package org.qoscluster.qrs.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;

import com.hazelcast.core.HazelcastInstance;

import org.qoscluster.qrs.RouterSettings;

/**
 * Starts the router in a servlet context, whatever container runs it (Payara Micro through
 * {@link RouterLifecycle}, the standalone Jetty server through {@link org.qoscluster.qrs.RouterContext}):
 * the shared runtime as a context attribute, the goals watched in {@code domainXml}, the flags swept.
 */
public final class RouterStartup {

    private static final Logger LOG = Logger.getLogger(RouterStartup.class.getName());

    /** The router's servlets; each one's mapping is its {@link jakarta.servlet.annotation.WebServlet}. */
    public static final List<Class<? extends HttpServlet>> SERVLETS =
            List.of(ProxyServlet.class, AdminServlet.class, SiteServlet.class, AliveServlet.class);

    private final ServletContext context;
    private final RouterRuntime runtime;
    private final HazelcastFlags maps;

    private RouterStartup(ServletContext context, RouterRuntime runtime, HazelcastFlags maps) {
        this.context = context;
        this.runtime = runtime;
        this.maps = maps;
    }

    /** Starts the router with the cluster's maps of this Payara member's own Hazelcast. */
    static RouterStartup withMemberMaps(ServletContext context, RouterSettings settings, Optional<Path> domainXml) {
        return start(context, settings, domainXml, HazelcastFlags.lookup());
    }

    /** Starts the router with empty cluster maps: {@link #attach} fills them once a cluster is reached. */
    public static RouterStartup detached(ServletContext context, RouterSettings settings, Optional<Path> domainXml) {
        return start(context, settings, domainXml, new HazelcastFlags());
    }

    private static RouterStartup start(ServletContext context, RouterSettings settings, Optional<Path> domainXml, HazelcastFlags maps) {
        RouterRuntime runtime = new RouterRuntime(settings, maps, maps::watermarks, maps::group, maps,
                maps, maps, System::nanoTime);
        context.setAttribute(RouterRuntime.ATTRIBUTE, runtime);
        context.setAttribute(HazelcastFlags.class.getName(), maps);
        LOG.info(() -> "router user classes from: " + settings.userClassSources());
        runtime.start();
        domainXml.ifPresentOrElse(runtime::watchGoals,
                () -> LOG.info("router goals: no domain.xml to watch; the goals read at start-up stay until a restart"));
        maps.startSweeping(new FlagSweep(settings.flagTtlSeconds() * 1000L), runtime::replicatedEverywhere,
                System::currentTimeMillis);
        LOG.info("QoS-goal router started");
        return new RouterStartup(context, runtime, maps);
    }

    /** The request path with non-blocking writes; see {@link org.qoscluster.qrs.RouterContext#requestRouter}. */
    public org.qoscluster.qrs.RequestRouter requestRouter() {
        return new Forwarder(runtime, true);
    }

    /** Mirrors the cluster's maps of {@code cluster} (a connected client) from now on. */
    public void attach(HazelcastInstance cluster) {
        maps.attach(cluster);
    }

    /** Stops what {@link #start} started. */
    public void close() {
        runtime.close();
        maps.close();
        context.removeAttribute(RouterRuntime.ATTRIBUTE);
        context.removeAttribute(HazelcastFlags.class.getName());
    }
}
