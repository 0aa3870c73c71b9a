package org.qoscluster.sitedns.internal;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.qoscluster.config.HostSpec;
import org.qoscluster.sitedns.SiteDnsConfig;
import org.qoscluster.sitedns.SiteHealth;
import org.qoscluster.sitedns.SiteState;
import org.qoscluster.sitedns.SiteStates;
import org.qoscluster.sitedns.SiteVerdict;
import org.qoscluster.sitedns.StatusPage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Watches the sites and the peers, and feeds {@link SiteStates}: every probe interval it asks
 * each site's status page ({@code GET}, with Jetty's HTTP client) and each peer DNS server (a
 * UDP query for the zone's SOA, with dnsjava's resolver), each probe bounded by the probe
 * time-out and never more than one in flight per target. Each outcome goes to the target's
 * {@link SiteHealth}; after each outcome, and every 20 ms besides (a silent target goes down by
 * the clock, not by an outcome), the {@link SiteVerdict} is published to the states and every
 * change (a site or peer down or up, the server isolated or blind) is logged once.
 */
public final class SiteProbes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SiteProbes.class);
    /** The largest status page read; the router's is a few hundred bytes. */
    static final int MAX_STATUS_BYTES = 64 * 1024;
    /** How often the verdict is re-decided without an outcome: a silent site leaves the answers this soon after its bound. */
    private static final long EVALUATE_MILLIS = 20;

    /** One watched target: its health, whether a probe is in flight, and what was last seen. */
    private static final class Target {
        final String name;
        final SiteHealth health;
        final AtomicBoolean inFlight = new AtomicBoolean();
        final AtomicBoolean probedOnce = new AtomicBoolean();
        volatile String lastProblem = "no probe answered yet";
        volatile CompletableFuture<?> pending = CompletableFuture.completedFuture(null);
        Boolean loggedUp; // guarded by SiteProbes.this

        Target(String name, SiteHealth health) {
            this.name = name;
            this.health = health;
        }
    }

    private final SiteDnsConfig config;
    private final SiteStates states;
    private final LongSupplier nanoClock;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Map<String, Target> sites = new LinkedHashMap<>();
    private final Map<InetSocketAddress, Target> peers = new LinkedHashMap<>();
    private final Map<InetSocketAddress, SimpleResolver> resolvers = new LinkedHashMap<>();
    private final CountDownLatch firstRound;
    private final List<ScheduledFuture<?>> tasks = new CopyOnWriteArrayList<>();
    private boolean loggedIsolated;
    private boolean loggedBlind;
    private volatile boolean closed;

    private SiteProbes(SiteDnsConfig config, SiteStates states, LongSupplier nanoClock, HttpClient http) {
        this.config = config;
        this.states = states;
        this.nanoClock = nanoClock;
        this.http = http;
        SiteDnsConfig.Health h = config.health();
        config.sites().forEach(s -> sites.put(s.name(),
                new Target(s.name(), new SiteHealth(h.downAfter(), h.upAfterSuccesses(), nanoClock))));
        for (InetSocketAddress p : h.peers()) {
            String host = p.getAddress().getHostAddress();
            peers.put(p, new Target(HostSpec.uriHost(host) + ":" + p.getPort(),
                    new SiteHealth(h.downAfter(), h.upAfterSuccesses(), nanoClock)));
            SimpleResolver r = new SimpleResolver(p);
            r.setTimeout(h.timeout());
            r.setLocalAddress(new InetSocketAddress(config.listenAddress(), 0));
            resolvers.put(p, r);
        }
        this.firstRound = new CountDownLatch(sites.size() + peers.size());
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "site-dns-probe-timer");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    /**
     * Starts probing at once, publishing to {@code states}.
     *
     * @param nanoClock a monotonic clock ({@code System::nanoTime})
     * @throws Exception when Jetty's client cannot start
     */
    public static SiteProbes start(SiteDnsConfig config, SiteStates states, LongSupplier nanoClock) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(8, 2);
        pool.setName("site-dns-probe");
        pool.setDaemon(true);
        HttpClient http = new HttpClient();
        http.setExecutor(pool);
        http.setScheduler(new ScheduledExecutorScheduler("site-dns-probe-scheduler", true));
        http.setConnectTimeout(config.health().timeout().toMillis());
        http.setFollowRedirects(false);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "qoscluster-site-dns"));
        http.start();
        SiteProbes p = new SiteProbes(config, states, nanoClock, http);
        states.publish(SiteVerdict.of(Map.of(), p.peers.size(), 0));
        long interval = config.health().interval().toMillis();
        p.sites.forEach((name, target) -> p.tasks.add(
                p.timer.scheduleAtFixedRate(() -> p.probeSite(target), 0, interval, TimeUnit.MILLISECONDS)));
        p.peers.forEach((address, target) -> p.tasks.add(
                p.timer.scheduleAtFixedRate(() -> p.pingPeer(address, target), 0, interval, TimeUnit.MILLISECONDS)));
        p.tasks.add(p.timer.scheduleAtFixedRate(p::evaluate, EVALUATE_MILLIS, EVALUATE_MILLIS, TimeUnit.MILLISECONDS));
        return p;
    }

    /** Waits until every site and peer has been probed once (answered, failed or timed out), at most {@code limit}. */
    public boolean awaitFirstRound(Duration limit) throws InterruptedException {
        return firstRound.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probeSite(Target t) {
        if (closed || !t.inFlight.compareAndSet(false, true)) {
            return; // the previous probe is still within its time-out
        }
        URI url = config.health().statusUrls().get(t.name);
        long start = nanoClock.getAsLong();
        CompletableFuture<ContentResponse> answer;
        try {
            Request request = http.newRequest(url).method(HttpMethod.GET)
                    .headers(h -> h.put(HttpHeader.ACCEPT, "application/json"));
            // The bound is the future's own, not the client's: Jetty's client can, rarely, leave a
            // request whose connection closed at once without any completion, its total time-out
            // included, and this target would never be probed again. Timing out the future aborts
            // the request (CompletableResponseListener aborts on any outside failure).
            answer = new CompletableResponseListener(request, MAX_STATUS_BYTES).send()
                    .orTimeout(config.health().timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException | LinkageError e) {
            answer = CompletableFuture.failedFuture(e);
        }
        t.pending = answer.whenComplete((response, error) -> {
            try {
                Duration roundTrip = Duration.ofNanos(nanoClock.getAsLong() - start);
                StatusPage page = error != null ? null : StatusPage.read(response.getStatus(), response.getContentAsString());
                if (page != null && page.available()) {
                    t.health.succeeded(roundTrip, page.spareCapacity());
                } else {
                    t.health.failed();
                    t.lastProblem = page != null ? page.problem().orElse("not available") : describe(error);
                }
            } finally {
                done(t);
            }
        });
    }

    private void pingPeer(InetSocketAddress peer, Target t) {
        if (closed || !t.inFlight.compareAndSet(false, true)) {
            return;
        }
        long start = nanoClock.getAsLong();
        CompletableFuture<Message> answer;
        try {
            Message query = Message.newQuery(Record.newRecord(config.zone(), Type.SOA, DClass.IN));
            answer = resolvers.get(peer).sendAsync(query).toCompletableFuture()
                    .orTimeout(config.health().timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException | LinkageError e) {
            answer = CompletableFuture.failedFuture(e);
        }
        t.pending = answer.whenComplete((response, error) -> {
            try {
                if (error == null && response.getRcode() == Rcode.NOERROR && response.getHeader().getFlag(Flags.AA)
                        && response.getSection(Section.ANSWER).stream()
                                .anyMatch(r -> r.getType() == Type.SOA && r.getName().equals(config.zone()))) {
                    t.health.succeeded(Duration.ofNanos(nanoClock.getAsLong() - start), OptionalLong.empty());
                } else {
                    t.health.failed();
                    t.lastProblem = error != null ? describe(error)
                            : "answered " + Rcode.string(response.getRcode()) + " without the zone's SOA";
                }
            } finally {
                done(t);
            }
        });
    }

    private void done(Target t) {
        t.inFlight.set(false);
        boolean first = t.probedOnce.compareAndSet(false, true);
        evaluate(); // published before the first round counts it: the server listens only after
        if (first) {
            firstRound.countDown();
        }
    }

    /** Publishes the verdict now, and logs what changed. */
    private synchronized void evaluate() {
        if (closed) {
            return;
        }
        try {
            Map<String, SiteState> now = new LinkedHashMap<>();
            sites.values().forEach(t -> now.put(t.name, t.health.state()));
            Map<Target, Boolean> peerUp = new LinkedHashMap<>();
            peers.values().forEach(t -> peerUp.put(t, t.health.up()));
            SiteVerdict verdict = SiteVerdict.of(now, peers.size(), (int) peerUp.values().stream().filter(up -> up).count());
            states.publish(verdict); // before the log: a logged change is already in the answers
            peerUp.forEach((t, up) -> logChange("peer", t, up));
            sites.values().forEach(t -> logChange("site", t, now.get(t.name).available()));
            if (firstRound.getCount() == 0) {
                if (verdict.isolated() != loggedIsolated) {
                    loggedIsolated = verdict.isolated();
                    if (loggedIsolated) {
                        LOG.warn("site-dns={} isolated: none of the {} peers answers; answering only the sites its own probes reach: {}",
                                config.zone(), peers.size(), verdict.available(config.sites()));
                    } else {
                        LOG.info("site-dns={} no longer isolated: a peer answers", config.zone());
                    }
                }
                if (verdict.blind() != loggedBlind) {
                    loggedBlind = verdict.blind();
                    if (loggedBlind) {
                        LOG.warn("site-dns={} blind: no peer and no site answers; answering SERVFAIL so resolvers ask another server",
                                config.zone());
                    } else {
                        LOG.info("site-dns={} no longer blind: answering the available sites {}", config.zone(),
                                verdict.available(config.sites()));
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("site-dns={} evaluating the sites failed", config.zone(), e);
        }
    }

    private void logChange(String kind, Target t, boolean up) {
        if (!t.probedOnce.get() || Boolean.valueOf(up).equals(t.loggedUp)) {
            return;
        }
        t.loggedUp = up;
        if (up) {
            LOG.info("site-dns {}={} up", kind, t.name);
        } else {
            LOG.warn("site-dns {}={} down: no successful probe for {} ms; last: {}", kind, t.name,
                    config.health().downAfter().toMillis(), t.lastProblem);
        }
    }

    private String describe(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TimeoutException) {
            return "no answer within " + config.health().timeout().toMillis() + " ms";
        }
        if (e instanceof ConnectException) {
            return "connection refused or unreachable";
        }
        return e.toString();
    }

    /** The peers that answer now, as ADDRESS:PORT ([ADDRESS]:PORT for IPv6), in configured order. */
    public List<String> peersUp() {
        List<String> out = new ArrayList<>();
        peers.values().forEach(t -> {
            if (t.health.up()) {
                out.add(t.name);
            }
        });
        return out;
    }

    @Override
    public void close() {
        closed = true;
        tasks.forEach(task -> task.cancel(false));
        timer.shutdownNow();
        sites.values().forEach(t -> t.pending.cancel(true));
        peers.values().forEach(t -> t.pending.cancel(true));
        try {
            http.stop();
        } catch (Exception e) {
            LOG.warn("site-dns={} stopping the probes' HTTP client failed: {}", config.zone(), e.toString());
        }
    }
}
