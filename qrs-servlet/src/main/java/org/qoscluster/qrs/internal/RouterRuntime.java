package org.qoscluster.qrs.internal;

import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.NodeSelector;
import org.qoscluster.qrs.RouterSettings;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.SignatureCache;
import org.qoscluster.qrs.StateChangeFlags;
import org.qoscluster.contract.UidCookie;

/**
 * Everything the router's servlets share, built once when the router WAR starts: settings,
 * node records, selector, UID cookie codec, the pooled upstream HTTP client (Jetty) and the
 * health checker. Stored as a servlet-context attribute, not a static singleton.
 */
public final class RouterRuntime implements AutoCloseable {

    public static final String ATTRIBUTE = RouterRuntime.class.getName();
    private static final Logger LOG = Logger.getLogger(RouterRuntime.class.getName());

    private final RouterSettings settings;
    private final List<NodeRecord> nodes;
    private final NodeSelector selector;
    private final UidCookie uidCookie;
    private final HttpClient upstream;
    /** The client of a server whose writes never block; made at its first use. */
    private HttpClient nonBlockingUpstream; // guarded by this
    /** The health checks' own client: stalled or slow proxied traffic cannot starve them. */
    private final HttpClient healthClient;
    private final HealthChecker health;
    /** Idle time-outs of request bodies being read. */
    private final java.util.concurrent.ScheduledExecutorService bodyTimer;
    /** The memory request bodies hold at once, router-wide. */
    private final BodyBudget bodyBudget;
    /** The requests each client has in flight ({@code qos.router.max-requests-per-client}). */
    private final ClientLimits clientLimits;
    /** The requests waiting for a node's place ({@code qos.router.max-queue-wait-ms}), of every forwarder. */
    private final AdmissionQueue<Forwarder.Waiting> admissions;
    /** Requests refused for their client's cap: one log line per address per minute. */
    private final LogLimiter clientCapped;
    private final LogLimiter badCookies;
    private final LogLimiter badTokens;
    private final LogLimiter badBodies;
    private final LogLimiter badRequests;
    private final LogLimiter cutShort;
    private final LongSupplier nanoClock;
    private final java.util.function.Supplier<Optional<org.qoscluster.contract.GroupState>> group;
    private final StateChangeFlags flags;
    private final java.util.function.Supplier<Map<String, ReplicaWatermark>> watermarks;
    private final ClusterView cluster;
    private final SiteAvailability site;
    /** The most requests in flight over the last 5 s, for the spare capacity {@code /qrs/site} reports. */
    private final SpareCapacity spare = new SpareCapacity(5_000_000_000L);
    /** The site's last verdict from the health checks' rounds, to log its changes. */
    private volatile SiteAvailability.Verdict lastSite;
    /** Shed requests per service class and user class: class to user class to count (a class's total is their sum). */
    private final Map<String, Map<String, AtomicLong>> shedByUserClass = new ConcurrentHashMap<>();
    private final org.qoscluster.qrs.UserClassDirectory userClasses;
    /** Session id to the node that issued it, for qos.router.session-cookie affinity (applications without the Session Synchronizer); bounded, see {@link #rememberSession}. */
    private final Map<String, NodeRecord> sessions = new ConcurrentHashMap<>();
    private static final int MAX_SESSIONS = 200_000;
    static final int MAX_UPSTREAM_THREADS = 4_096;
    /** Beyond one a request: the client's selectors and its other tasks. */
    static final int UPSTREAM_SPARE_THREADS = 16;
    /** Bad cookies and bad tokens: one log line per client address per minute, for at most this many addresses. */
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;
    private static final int LOG_KEYS = 10_000;
    private final AtomicLong requestIds = new AtomicLong();
    /** Verified UID cookies and the signatures made for a UID, at most this many kept (a few MB). */
    private static final int SIGNATURES_KEPT = 30_000;
    private final SignatureCache<String> signatures = new SignatureCache<>(SIGNATURES_KEPT);
    /** The goals now: one immutable object, swapped whole when the domain.xml's goals change. */
    private final java.util.concurrent.atomic.AtomicReference<org.qoscluster.qrs.GoalState> goals;
    private volatile java.nio.file.Path goalSource;
    private volatile GoalWatcher goalWatcher;

    public RouterRuntime(RouterSettings settings, StateChangeFlags flags,
                         java.util.function.Supplier<Map<String, ReplicaWatermark>> watermarks, LongSupplier nanoClock) {
        this(settings, flags, watermarks, Optional::empty, HealthChecker.Group.NONE, org.qoscluster.qrs.UserClassDirectory.NONE,
                ClusterView.DETACHED, nanoClock);
    }

    /**
     * @param group         the redundancy group's state now, empty while unknown (then the
     *                      configured copies and master): the health check expects the nodes to reach
     *                      its master, and every other member is a replica
     * @param groupChanging whether the group is changing masters (a failing health check then keeps
     *                      a node in rotation, one passing check brings one back), and its timeline
     * @param userClasses   the user classes the users' sessions hold (the session and principal sources)
     * @param cluster       whether the router has the cluster's maps, and the groups' states and copies'
     *                      statuses in them: what the site's availability is judged on
     */
    public RouterRuntime(RouterSettings settings, StateChangeFlags flags,
                         java.util.function.Supplier<Map<String, ReplicaWatermark>> watermarks,
                         java.util.function.Supplier<Optional<org.qoscluster.contract.GroupState>> group,
                         HealthChecker.Group groupChanging, org.qoscluster.qrs.UserClassDirectory userClasses,
                         ClusterView cluster, LongSupplier nanoClock) {
        this.settings = settings;
        this.cluster = cluster;
        this.userClasses = userClasses;
        this.group = group;
        this.flags = flags;
        this.watermarks = watermarks;
        this.nanoClock = nanoClock;
        ClusterConfig config = settings.cluster();
        this.goals = new java.util.concurrent.atomic.AtomicReference<>(
                org.qoscluster.qrs.GoalState.initial(config.goals(), java.time.Instant.now()));
        this.nodes = config.nodes().stream()
                .map(n -> new NodeRecord(n.name(), URI.create("http://" + config.hostOf(n.name()).uriHost() + ":" + n.httpPort() + "/")))
                .toList();
        // Choosing a node draws twice per request: a fast generator of its own, never the
        // SecureRandom that makes UIDs (whose draws lock and read the kernel's source).
        java.util.random.RandomGenerator draws = () -> java.util.concurrent.ThreadLocalRandom.current().nextLong();
        this.selector = new NodeSelector(settings.nodeCapacity(), draws);
        this.uidCookie = new UidCookie(settings.uidKey(), new SecureRandom());
        int threads = upstreamThreads(nodes.size(), settings.nodeCapacity());
        if (threads < (long) nodes.size() * settings.nodeCapacity()) {
            LOG.log(Level.WARNING, "router: {0} nodes x qos.router.node-capacity {1} admit more requests at once than the {2}"
                    + " threads that forward them; on the servlet path clients that stop reading could hold them all",
                    new Object[] {String.valueOf(nodes.size()), String.valueOf(settings.nodeCapacity()), String.valueOf(threads)});
        }
        this.upstream = upstreamClient(settings, "qrs-upstream", threads, false);
        this.healthClient = upstreamClient(settings, "qrs-health-client", 8, false);
        List<SiteAvailability.Group> groups = new java.util.ArrayList<>();
        groups.add(new SiteAvailability.Group(org.qoscluster.contract.GroupState.DEFAULT_GROUP, config.master().name()));
        config.furtherGroups().forEach(g -> groups.add(new SiteAvailability.Group(g.name(), g.master().name())));
        this.site = new SiteAvailability(groups, config.keepsGroup(), nanoClock);
        this.health = new HealthChecker(settings, nodes, healthClient, named("qrs-health"), this::expectedDatabase, groupChanging,
                this::watchSite);
        this.bodyTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(named("qrs-body-timer"));
        this.bodyBudget = new BodyBudget(settings.maxBodyMemoryBytes());
        this.clientLimits = new ClientLimits(settings.maxRequestsPerClient());
        // As many as the nodes have places: more waiting would wait longer than they serve.
        this.admissions = new AdmissionQueue<>(Math.max(1, Math.min(4_096, settings.nodeCapacity() * nodes.size())));
        this.clientCapped = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        this.badCookies = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        this.badTokens = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        this.badBodies = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        this.badRequests = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        this.cutShort = new LogLimiter(LOG_INTERVAL_NANOS, LOG_KEYS, nanoClock);
        LOG.log(Level.INFO, "router={0} routing to {1} nodes, classes {2}", new Object[] {config.clusterName(), String.valueOf(nodes.size()),
                config.serviceClasses().stream().map(c -> c.name() + "(p95<=" + c.p95Millis() + "ms, priority " + c.priority() + ")").toList()});
    }

    /**
     * The most threads of the client that forwards the servlet path's requests: one for every
     * request the nodes admit at once ({@code nodes x capacity}), since each may block writing its
     * answer to a client that stopped reading, and a few for the client's own selectors; at least
     * 200, at most {@link #MAX_UPSTREAM_THREADS}. Threads start only when needed.
     */
    static int upstreamThreads(int nodes, int capacity) {
        return (int) Math.min(MAX_UPSTREAM_THREADS, Math.max(200L, (long) nodes * capacity + UPSTREAM_SPARE_THREADS));
    }

    /**
     * Jetty's client for the proxied requests and the health checks: pooled connections, bodies
     * passed through untouched (no content decoding: see {@link #startClient}), no redirects followed, no cookie store.
     */
    private static HttpClient upstreamClient(RouterSettings settings, String name, int maxThreads, boolean nonBlocking) {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        threads.setName(name);
        threads.setDaemon(true);
        // The client's parser keeps the same per-connection cache of header fields as the
        // router's listener, case-insensitive by default; case-sensitive, the nodes' header values
        // pass exactly as they were sent.
        HttpClientTransportOverHTTP transport = nonBlocking ? new NonBlockingTransport() : new HttpClientTransportOverHTTP();
        transport.setHeaderCacheCaseSensitive(true);
        HttpClient c = new HttpClient(transport);
        c.setExecutor(threads);
        c.setConnectTimeout(settings.connectTimeoutMs());
        c.setFollowRedirects(false);
        c.setMaxConnectionsPerDestination(1024);
        c.setMaxRequestsQueuedPerDestination(4096);
        c.setUserAgentField(null);
        // Headers as large as the router's listener accepts, with the router's own added: Jetty's
        // default 4 KB buffer refused ordinary requests with large cookies before sending them.
        c.setRequestBufferSize(settings.cluster().forwardedHeaderBytes());
        // A proxy must never keep cookies: Jetty's client stores Set-Cookie by default and would
        // send one user's session cookie with every other user's requests.
        c.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        return c;
    }

    public void start() {
        startClient(upstream);
        startClient(healthClient);
        health.start();
    }

    /**
     * Starts {@code c} as a proxy's client, without what Jetty's client adds when it starts for an
     * application of its own:
     * <ul>
     * <li>content decoding: with its gzip decoder it would ask every node for gzip
     * ({@code Accept-Encoding: gzip}) on behalf of clients that never asked, and would decode a
     * compressed answer that the router must pass on as the node sent it;</li>
     * <li>answering challenges and following redirects: its handlers for 401, 407 and redirects
     * take the node's answer from the router's listener and buffer it to answer it themselves,
     * so a challenge with a body over 16 KB reached the user as a 500 and its node was counted
     * as failing. The user's browser answers a challenge and follows a redirect; the router
     * passes both on. (The handlers of interim answers stay: 100, 102 and 103 are consumed, as
     * a proxy must not pass on what it did not ask for; no node answers 101, since the router
     * never forwards {@code Upgrade}.)</li>
     * </ul>
     */
    private static void startClient(HttpClient c) {
        try {
            c.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the router's upstream HTTP client", e);
        }
        c.getContentDecoderFactories().clear();
        c.getProtocolHandlers().remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
        c.getProtocolHandlers().remove(org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler.NAME);
        c.getProtocolHandlers().remove(org.eclipse.jetty.client.RedirectProtocolHandler.NAME);
    }

    /**
     * Watches {@code domainXml} (the router's own, as the launcher wrote it) and takes its QoS
     * goals whenever they change; see {@link GoalWatcher}.
     */
    public void watchGoals(java.nio.file.Path domainXml) {
        GoalWatcher w = new GoalWatcher(domainXml, goals, java.time.Clock.systemUTC(), named("qrs-goals"));
        goalSource = domainXml;
        goalWatcher = w;
        w.start();
    }

    /** The QoS goals in force now; a request classifies once and keeps the class it got. */
    public org.qoscluster.config.GoalSet goals() {
        return goals.get().goals();
    }

    /** The goals with when they were loaded and the last refused change. */
    public org.qoscluster.qrs.GoalState goalState() {
        return goals.get();
    }

    /** The file the goals are read from while the router runs, or null when it reads them only at start. */
    public java.nio.file.Path goalSource() {
        return goalSource;
    }

    /** The node that holds this application session, if known; empty for a null id. */
    public Optional<NodeRecord> sessionNode(String sessionId) {
        return sessionId == null ? Optional.empty() : Optional.ofNullable(sessions.get(sessionId));
    }

    /**
     * Remembers which node holds a session. The table is bounded: when full it is emptied
     * (logged), and sessions are learnt again from the next responses; a session whose entry
     * was lost is routed by goal once and Payara's session store serves it there.
     */
    public void rememberSession(String sessionId, NodeRecord node) {
        if (sessions.size() >= MAX_SESSIONS) {
            LOG.log(Level.WARNING, "session affinity table full ({0}); starting it afresh", String.valueOf(MAX_SESSIONS));
            sessions.clear();
        }
        sessions.put(sessionId, node);
    }

    /** The client that carries proxied requests to the nodes. */
    public HttpClient upstream() {
        return upstream;
    }

    /**
     * The client that carries proxied requests to the nodes for a server whose writes never
     * block: the node's answer is handled on the thread that read it from the connection (its
     * selector), not handed to another. Made and started at its first use.
     */
    synchronized HttpClient nonBlockingUpstream() {
        if (nonBlockingUpstream == null) {
            HttpClient c = upstreamClient(settings, "qrs-upstream-nb", 32, true);
            startClient(c);
            nonBlockingUpstream = c;
        }
        return nonBlockingUpstream;
    }

    /** Where the users' state-change flags are read and announced flags recorded. */
    public StateChangeFlags flags() {
        return flags;
    }

    public RouterSettings settings() {
        return settings;
    }

    public List<NodeRecord> nodes() {
        return nodes;
    }

    public NodeSelector selector() {
        return selector;
    }

    /** The requests waiting for a node's place ({@code qos.router.max-queue-wait-ms}). */
    AdmissionQueue<Forwarder.Waiting> admissions() {
        return admissions;
    }

    public UidCookie uidCookie() {
        return uidCookie;
    }

    /**
     * The UID in a UID cookie's value if it verifies, from the cache when this value verified
     * before (a returning user's requests cost no HMAC); empty for a value that does not verify.
     */
    Optional<String> verifiedUid(String cookieValue) {
        // Each kind of key has its own prefix: a cookie value can never be read as another kind's key.
        return Optional.ofNullable(signatures.get("cookie:" + cookieValue, k -> uidCookie.verify(cookieValue).orElse(null)));
    }

    /** {@link UidCookie#signUserClass}, from the cache when made before. */
    String signedUserClass(String uid, String userClass) {
        return signatures.get("class:" + uid + ":" + userClass, k -> uidCookie.signUserClass(uid, userClass));
    }

    /** {@link UidCookie#signClient}, from the cache when made before. */
    String signedClient(String uid, String address) {
        return signatures.get("client:" + uid + ":" + address, k -> uidCookie.signClient(uid, address));
    }

    /**
     * The node a user's database-state-change flag pins them to, if any (M10): until every
     * replica's published watermark covers the flagged write, after which the flag clears by
     * itself and the user is routed by goal again. With no replica, or no watermark known, the
     * flag holds.
     */
    public Optional<NodeRecord> pinnedNode(String uid) {
        return flags.flag(uid).filter(f -> !replicatedEverywhere(f.sequence()))
                .flatMap(f -> nodes.stream().filter(n -> n.name().equals(f.node())).findFirst());
    }

    /** Whether every replica's published watermark covers the write with this sequence (false without replicas). */
    boolean replicatedEverywhere(long sequence) {
        Optional<org.qoscluster.contract.GroupState> g = group.get();
        String now = g.map(org.qoscluster.contract.GroupState::master).orElse(settings.cluster().master().name());
        List<String> copies = g.map(org.qoscluster.contract.GroupState::copyNames)
                .orElseGet(() -> settings.cluster().databases().stream().map(r -> r.name()).toList());
        List<String> replicas = copies.stream().filter(r -> !r.equals(now)).toList();
        if (replicas.isEmpty()) {
            return false;
        }
        Map<String, ReplicaWatermark> known = watermarks.get();
        return replicas.stream().allMatch(r -> known.containsKey(r) && known.get(r).covers(sequence));
    }

    /**
     * The copy a node's health page must name: the configured keyword, except that once the
     * redundancy group has failed over from the configured master, the group's master.
     */
    String expectedDatabase() {
        String now = group.get().map(org.qoscluster.contract.GroupState::master).orElse(settings.cluster().master().name());
        String configured = settings.cluster().master().name();
        return now.equals(configured) ? settings.healthKeyword() : now;
    }

    /** The replicas' watermarks as last published by the replication agent, by replica name. */
    public Map<String, ReplicaWatermark> watermarks() {
        return watermarks.get();
    }

    public long nanoTime() {
        return nanoClock.getAsLong();
    }

    /** A short id for log lines of one request. */
    public String nextRequestId() {
        return Long.toString(requestIds.incrementAndGet(), 36);
    }

    /** A request of {@code serviceClass} by a user of {@code userClass} was shed. */
    public void countShed(String serviceClass, String userClass) {
        shedByUserClass.computeIfAbsent(serviceClass, c -> new ConcurrentHashMap<>())
                .computeIfAbsent(userClass, u -> new AtomicLong()).incrementAndGet();
    }

    /** Shed requests of {@code serviceClass} per user class, sorted. */
    public Map<String, Long> shedByUserClass(String serviceClass) {
        Map<String, Long> out = new java.util.TreeMap<>();
        shedByUserClass.getOrDefault(serviceClass, Map.of()).forEach((u, n) -> out.put(u, n.get()));
        return out;
    }

    /** Where the user classes the users' sessions hold are read. */
    public org.qoscluster.qrs.UserClassDirectory userClasses() {
        return userClasses;
    }

    /** Shed requests of {@code serviceClass}, all user classes together. */
    public long shed(String serviceClass) {
        return shedByUserClass.getOrDefault(serviceClass, Map.of()).values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Whether the site can serve now, and if not why ({@link SiteAvailability}). */
    SiteAvailability.Verdict site() {
        return site.assess(nodes, cluster.connected(), cluster.groups(), cluster.statuses());
    }

    /**
     * How many more requests in flight the site can take ({@link SpareCapacity}): its healthy
     * nodes' admission capacity less the most requests in flight at once over the last 5 s; 0
     * when the site is not available.
     */
    long spareCapacity(SiteAvailability.Verdict verdict) {
        long capacity = verdict.available() ? (long) verdict.healthyNodes() * settings.nodeCapacity() : 0;
        return spare.spare(nanoClock.getAsLong(), inFlight(), capacity);
    }

    private int inFlight() {
        int n = 0;
        for (NodeRecord node : nodes) {
            n += node.inFlight();
        }
        return n;
    }

    /**
     * After each round of health checks: the site's verdict, so that the time a group has been
     * changing masters is measured whether or not anyone asks, and each change of what fails (the
     * router, which nodes, which groups) is logged once.
     */
    private void watchSite() {
        spare.sample(nanoClock.getAsLong(), inFlight());
        SiteAvailability.Verdict now = site();
        SiteAvailability.Verdict before = lastSite;
        lastSite = now;
        String name = settings.cluster().clusterName();
        if (before == null ? !now.available() : !before.failing().equals(now.failing())) {
            if (now.available()) {
                LOG.log(Level.INFO, "site={0} available", name);
            } else {
                LOG.log(Level.WARNING, "site={0} not available: {1}", new Object[] {name, String.join("; ", now.reasons())});
            }
        }
    }

    @Override
    public void close() {
        GoalWatcher w = goalWatcher;
        if (w != null) {
            w.close();
        }
        health.close();
        bodyTimer.shutdownNow();
        List<HttpClient> clients = new java.util.ArrayList<>(List.of(upstream, healthClient));
        synchronized (this) {
            if (nonBlockingUpstream != null) {
                clients.add(nonBlockingUpstream);
            }
        }
        for (HttpClient c : clients) {
            try {
                c.stop();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "router HTTP client did not stop cleanly: {0}", e.toString());
            }
        }
    }

    /** The timer of request bodies' idle time-outs. */
    java.util.concurrent.ScheduledExecutorService bodyTimer() {
        return bodyTimer;
    }

    /** The memory request bodies hold at once ({@code qos.router.max-body-memory-bytes}), and what they hold now. */
    public BodyBudget bodyBudget() {
        return bodyBudget;
    }

    /** The requests each client has in flight, and the cap on them ({@code qos.router.max-requests-per-client}; 0 for none). */
    public ClientLimits clientLimits() {
        return clientLimits;
    }

    /** A request refused for its client's cap; true when it is to be logged (once per address per minute). */
    boolean clientCapped(String address) {
        return clientCapped.admit(address);
    }

    /** Counts a UID cookie that did not verify; true when it is to be logged (once per address per minute). */
    public boolean badCookie(String address) {
        return badCookies.admit(address);
    }

    /** Counts an admin request without a valid token; true when it is to be logged (once per address per minute). */
    public boolean badToken(String address) {
        return badTokens.admit(address);
    }

    /**
     * Counts a request body refused (too large, stalled, unreadable or its client gone); true when
     * it is to be logged (once per address per minute).
     */
    public boolean badBody(String address) {
        return badBodies.admit(address);
    }

    /** A request refused for its Host header or path; true when it is to be logged (once per address per minute). */
    boolean badRequest(String address) {
        return badRequests.admit(address);
    }

    /** A node's answer broken off after it began; true when it is to be logged (once per node per minute). */
    boolean cutShort(String node) {
        return cutShort.admit(node);
    }

    public long badBodies() {
        return badBodies.events();
    }

    public long badCookies() {
        return badCookies.events();
    }

    public long badTokens() {
        return badTokens.events();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
