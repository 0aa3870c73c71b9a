package org.qoscluster.routerserver.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import com.hazelcast.core.HazelcastInstance;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DomainXmlGoals;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.contract.ClusterClients;
import org.qoscluster.qrs.RequestRouter;
import org.qoscluster.qrs.RouterContext;
import org.qoscluster.qrs.RouterSettings;

/**
 * The router on a Jetty 12 server of its own: requests to proxy without a body routed by
 * {@link RoutingHandler} with no thread hand-off, the router's servlets behind it for the rest;
 * one HTTP/1.1 connector on the router's configured address and port, the request-header limit of
 * {@value ClusterConfig#HTTP_MAX_HEADER_BYTES}, no HTTP session, and the cluster's shared maps
 * through a Hazelcast client of the nodes, connected in the background (until then the router
 * routes by goal alone, as it does when a cluster is unreachable).
 */
public final class RouterServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RouterServer.class.getName());
    /** Held here: the level set on it would go with a collected logger. */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
    /**
     * An idle client connection is closed after this long (a slow client holds nothing longer),
     * or after the router's own body time-out plus {@link #IDLE_MARGIN_MS} when that is longer,
     * so that a stalled body gets the router's 408 rather than a closed connection.
     */
    private static final long IDLE_TIMEOUT_MS = 30_000;
    private static final long IDLE_MARGIN_MS = 5_000;
    /**
     * Threads of the server, besides its selector: a proxied request without a body holds none,
     * one with a body one only while its head is read and its answer written (the forwarding is
     * asynchronous), so a few dozen serve thousands of connections.
     */
    private static final int MAX_THREADS = 64;
    private static final String CLIENT_NAME = "qos-router";
    /**
     * Client connections open at once; at the limit the server stops accepting (new clients wait
     * in the kernel's backlog) and idle connections are closed sooner, so a flood of idle or
     * slow clients cannot exhaust the process's file descriptors.
     */
    private static final int MAX_CONNECTIONS = 10_000;

    private final Server server;
    private final HazelcastInstance cluster;

    private RouterServer(Server server, HazelcastInstance cluster) {
        this.server = server;
        this.cluster = cluster;
    }

    /**
     * Validates the configuration of {@code domainXml} and {@code secretsDir}, starts the server and
     * begins connecting to the cluster.
     *
     * @throws org.qoscluster.config.InvalidConfigException naming every bad key
     */
    public static RouterServer start(Path domainXml, Path secretsDir) {
        Map<String, String> properties = new HashMap<>(DomainXmlGoals.properties(read(domainXml)));
        properties.putAll(secrets(secretsDir));
        MemberProperties member = MemberProperties.of(properties);
        RouterSettings settings = RouterSettings.of(member.cluster(), member.secrets());
        ClusterConfig config = member.cluster();
        MemberSpec self = config.router();

        AtomicReference<RouterContext> router = new AtomicReference<>();
        AtomicReference<RequestRouter> requests = new AtomicReference<>();
        Server server = new Server(newThreads());
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(config.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The router judges request paths itself (RequestPath: empty segments and dots
        // normalised, encoded separators and dots refused with its own 400), as it does on Payara:
        // Jetty's default would refuse "//api//products" before the router sees it.
        http.setUriCompliance(UriCompliance.LEGACY);
        // Header values exactly as the client sent them: Jetty's per-connection cache of header
        // fields is case-insensitive by default and hands back a value in the casing an earlier
        // request on the connection used; a UID cookie differing from a valid one only in case
        // was read as the valid one.
        http.setHeaderCacheCaseSensitive(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.address(self.name()));
        connector.setPort(self.httpPort());
        connector.setIdleTimeout(Math.max(IDLE_TIMEOUT_MS, settings.bodyIdleTimeoutMs() + IDLE_MARGIN_MS));
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));

        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent e) {
                RouterContext r = RouterContext.start(e.getServletContext(), settings, Optional.of(domainXml));
                router.set(r);
                requests.set(r.requestRouter());
            }

            @Override
            public void contextDestroyed(ServletContextEvent e) {
                requests.set(null);
                RouterContext r = router.getAndSet(null);
                if (r != null) {
                    r.close();
                }
            }
        });
        for (Class<? extends HttpServlet> servlet : RouterContext.servlets()) {
            WebServlet mapping = servlet.getAnnotation(WebServlet.class);
            ServletHolder holder = new ServletHolder(servlet);
            holder.setAsyncSupported(mapping.asyncSupported());
            holder.setInitOrder(0);
            for (String path : mapping.urlPatterns()) {
                context.addServlet(holder, path);
            }
        }
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        // A path the servlets map to another servlet than the proxy's ("/*") is one of the router's own pages.
        server.setHandler(new RoutingHandler(context, requests::get, path -> {
            ServletHandler.MappedServlet mapped = context.getServletHandler().getMappedServlet(path);
            return mapped != null && !mapped.getPathSpec().getDeclaration().equals("/*");
        }));
        server.setStopAtShutdown(false);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new IllegalStateException("cannot start the router's HTTP server on " + connector.getHost() + ":"
                    + connector.getPort() + ": " + e, e);
        }
        LOG.log(Level.INFO, "router={0} listening on {1}:{2} (Jetty)", new Object[] {self.name(), connector.getHost(),
                String.valueOf(connector.getLocalPort())});
        return new RouterServer(server, connect(config, member.secrets(), router));
    }

    /**
     * Connects to the nodes' Hazelcast in the background; the cluster's maps are mirrored once
     * the client is first connected (on a thread of its own), and the client reconnects by itself.
     */
    private static HazelcastInstance connect(ClusterConfig config, Map<String, String> secrets,
                                             AtomicReference<RouterContext> router) {
        ClientConfig c = ClusterClients.config(PayaraMemberConfig.hazelcastClusterName(config, secrets), CLIENT_NAME,
                Arrays.asList(PayaraMemberConfig.tcpipMembers(config).split(",")), PayaraMemberConfig.HAZELCAST_NO_HEARTBEAT_SECONDS);
        // The client retries every 2 s while no node answers; the router says so once instead.
        HAZELCAST_LOG.setLevel(Level.SEVERE);
        CompletableFuture<HazelcastInstance> made = new CompletableFuture<>();
        AtomicBoolean attached = new AtomicBoolean();
        c.addListenerConfig(new ListenerConfig((LifecycleListener) event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED && attached.compareAndSet(false, true)) {
                Thread t = new Thread(() -> {
                    HazelcastInstance hz = made.join();
                    int attempts = MapsAttachment.untilAttached(() -> {
                        RouterContext r = router.get();
                        if (r != null) {
                            r.attach(hz);
                        }
                    }, () -> router.get() != null && hz.getLifecycleService().isRunning(), d -> Thread.sleep(d.toMillis()));
                    if (attempts <= 0) {
                        attached.set(false); // the router closed or the client stopped: tried again at the next connection
                    }
                }, "qos-router-maps");
                t.setDaemon(true);
                t.start();
            }
        }));
        HazelcastInstance hz = HazelcastClient.newHazelcastClient(c);
        made.complete(hz);
        LOG.info("router: connecting to the cluster's Hazelcast at " + PayaraMemberConfig.tcpipMembers(config)
                + "; until then it routes by goal alone");
        return hz;
    }

    /** Waits until the server stops. */
    public void join() {
        try {
            server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops serving (requests in flight get their answer), then leaves the cluster (or stops trying to join it). */
    @Override
    public void close() {
        stopQuietly(server);
        cluster.shutdown();
        LOG.info("router stopped");
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "router: stopping the HTTP server failed: {0}", e.toString());
        }
    }

    /** The server's pool (for tests). */
    RouterThreads threads() {
        return (RouterThreads) server.getThreadPool();
    }

    private static QueuedThreadPool newThreads() {
        return new RouterThreads("qrs-http", MAX_THREADS, 8);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the router's configuration " + file, e);
        }
    }

    /** The {@code qos.secret.*} files of {@code dir}, by file name. */
    static Map<String, String> secrets(Path dir) {
        Map<String, String> out = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(ClusterConfig.SECRET_PREFIX)).toList()) {
                out.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the secrets directory " + dir, e);
        }
        return out;
    }
}
