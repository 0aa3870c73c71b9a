package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.SettingsReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests through the router for a while after a start, before the launcher prints the URL: the
 * router's and the nodes' request paths run interpreted at first, and a JVM compiles a method only
 * after thousands of calls, so without this the first users of a new cluster (or a benchmark
 * started at once) meet a router several times slower than it is warm.
 *
 * <p>It asks for each application's root in turn on a few connections, as a returning user (the
 * identity cookie of the router's first answer, sent back) and, one request in
 * {@value #FIRST_VISIT_EVERY}, as a first visit (no cookie), at most {@value #MAX_FIRST_VISITS}
 * of those: a first visit may make an application create a session, which the warm-up leaves to
 * expire. Any answer counts (an application's root may answer 404 or a redirect, which the
 * router passes on unfollowed); {@value #MAX_FAILURES_IN_A_ROW} failures in a row (no answer)
 * end it early, since the cluster is up either way and the warm-up only buys speed.
 */
public final class RouterWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(RouterWarmUp.class);

    /** Connections the warm-up keeps busy: as many as a browser-driven load test would. */
    static final int CONNECTIONS = 16;
    static final int FIRST_VISIT_EVERY = 16;
    static final int MAX_FIRST_VISITS = 500;
    static final int MAX_FAILURES_IN_A_ROW = 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** What the warm-up sent: requests answered (any status), first visits sent, requests without an answer. */
    public record Result(long answered, long firstVisits, long failed, Duration took) {
    }

    private final List<URI> targets;
    private final String cookieName;
    private final LongSupplier nanoClock;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(REQUEST_TIMEOUT).build();
    private final AtomicReference<String> cookie = new AtomicReference<>();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicInteger failedInARow = new AtomicInteger();
    private final AtomicInteger firstVisits = new AtomicInteger();
    private volatile boolean noIdentity;

    RouterWarmUp(List<URI> targets, String cookieName, LongSupplier nanoClock) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("the warm-up needs at least one address to ask for");
        }
        this.targets = List.copyOf(targets);
        this.cookieName = cookieName;
        this.nanoClock = nanoClock;
    }

    /** The setting: how long {@code bin/qoscluster up} warms the router and the nodes up (0: not at all). */
    public static final String SECONDS = "qos.router.warm-up-seconds";

    /** {@value #SECONDS} of {@code config}, validated (0-600); a bad value is named in an {@link InvalidConfigException}. */
    public static Duration duration(ClusterConfig config) {
        SettingsReader r = new SettingsReader(config, Map.of());
        int seconds = r.intIn(SECONDS, 0, 600);
        r.check();
        return Duration.ofSeconds(seconds);
    }

    /**
     * Sends requests to {@code targets} (each application's root, through the router) for
     * {@code duration}, and returns what it sent; {@code cookieName} is the router's identity cookie.
     */
    public static Result run(List<URI> targets, String cookieName, Duration duration) {
        return new RouterWarmUp(targets, cookieName, System::nanoTime).run(duration);
    }

    Result run(Duration duration) {
        long start = nanoClock.getAsLong();
        long end = start + duration.toNanos();
        LOG.info("warm-up of the router and the nodes starting: {} for {} s on {} connections",
                targets, duration.toSeconds(), CONNECTIONS);
        AtomicLong sequence = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            Thread t = new Thread(() -> {
                while (nanoClock.getAsLong() < end && failedInARow.get() < MAX_FAILURES_IN_A_ROW && !noIdentity) {
                    long n = sequence.getAndIncrement();
                    send(targets.get((int) (n % targets.size())), n);
                }
            }, "router-warm-up-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join(duration.toMillis() + 2 * REQUEST_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Result r = new Result(answered.get(), firstVisits.get(), failed.get(), Duration.ofNanos(nanoClock.getAsLong() - start));
        if (noIdentity) {
            LOG.warn("warm-up of the router and the nodes ended early: {} first visits and no {} cookie in their answers"
                    + " (the cluster is up; it only starts slower)", r.firstVisits(), cookieName);
        } else if (failedInARow.get() >= MAX_FAILURES_IN_A_ROW) {
            LOG.warn("warm-up of the router and the nodes ended early: {} requests in a row had no answer (the cluster"
                    + " is up; it only starts slower); {} answered, {} failed", MAX_FAILURES_IN_A_ROW, r.answered(), r.failed());
        } else {
            LOG.info("warm-up of the router and the nodes done: {} requests answered ({} first visits, {} without an"
                    + " answer) in {} ms", r.answered(), r.firstVisits(), r.failed(), r.took().toMillis());
        }
        return r;
    }

    private void send(URI target, long n) {
        String known = cookie.get();
        boolean firstVisit = (known == null || n % FIRST_VISIT_EVERY == 0)
                && firstVisits.getAndUpdate(v -> v < MAX_FIRST_VISITS ? v + 1 : v) < MAX_FIRST_VISITS;
        if (known == null && !firstVisit) {
            noIdentity = true; // every first visit spent and still no identity to come back with
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(REQUEST_TIMEOUT).GET();
        if (!firstVisit) {
            b.header("Cookie", cookieName + "=" + known);
        }
        try {
            HttpResponse<Void> response = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
            answered.incrementAndGet();
            failedInARow.set(0);
            if (known == null) {
                identity(response).ifPresent(v -> cookie.compareAndSet(null, v));
            }
        } catch (IOException e) {
            failed.incrementAndGet();
            if (failedInARow.incrementAndGet() == 1) {
                LOG.debug("warm-up request to {} failed: {}", target, e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failedInARow.set(MAX_FAILURES_IN_A_ROW);
        }
    }

    /** The value of the router's identity cookie in {@code response}, if it set one. */
    private Optional<String> identity(HttpResponse<?> response) {
        for (String header : response.headers().allValues("Set-Cookie")) {
            try {
                for (HttpCookie c : HttpCookie.parse(header)) {
                    if (c.getName().equals(cookieName) && !c.getValue().isEmpty()) {
                        return Optional.of(c.getValue());
                    }
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("warm-up: a Set-Cookie header it cannot read: {}", header);
            }
        }
        return Optional.empty();
    }
}
