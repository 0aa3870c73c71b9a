package org.qoscluster.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load generator of the overload benchmark (run by {@code bench/overload.sh}): sends two
 * service classes of the store at fixed arrival rates, whatever the answers do, to one target (the
 * router or a proxy in front of the same nodes):
 * <ul>
 * <li>{@code browse}: {@code GET /api/products/42}, a catalogue read;</li>
 * <li>{@code checkout}: {@code POST /api/cart/items} (one item), a new shopper each time.</li>
 * </ul>
 * Request {@code i} of a class is due at {@code start + i / rate}; its latency runs from when it
 * was due, not from when it was sent, so a generator that falls behind does not hide the wait
 * (no coordinated omission). Every request has a time-out of {@code TIMEOUT_MS}.
 * <p>
 * Arguments: {@code BASE_URL SECONDS BROWSE_PER_S CHECKOUT_PER_S BROWSE_GOAL_MS CHECKOUT_GOAL_MS
 * [TIMEOUT_MS]}. Prints one line per class: {@code CLASS offered/s 2xx/s p50 p95 p99
 * within-goal-% shed/s failed/s failures}, latencies in ms of the 2xx answers, the share within the
 * goal counted over every request offered (a shed or failed one is not within it), shed = 503,
 * failed = any other status, a time-out or a broken connection.
 */
public final class OverloadBenchmark {

    private static final int CHECKOUT = 1;
    /** Class 0 is browse, 1 checkout. */
    private static final String[] NAMES = {"browse", "checkout"};

    private OverloadBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(OverloadBenchmark::run, args);
    }

    /** What one class's requests got. */
    private static final class Tally {
        final LongAdder offered = new LongAdder();
        final LongAdder shed = new LongAdder();
        final LongAdder failed = new LongAdder();
        final List<Long> okNanos = new ArrayList<>();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

        synchronized void ok(long nanos) {
            okNanos.add(nanos);
        }

        void fail(String what) {
            failed.increment();
            failures.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        synchronized long[] sortedOk() {
            return okNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length < 6) {
            throw new IllegalArgumentException(
                    "give BASE_URL SECONDS BROWSE_PER_S CHECKOUT_PER_S BROWSE_GOAL_MS CHECKOUT_GOAL_MS [TIMEOUT_MS]");
        }
        URI base = URI.create(args[0].endsWith("/") ? args[0] : args[0] + "/");
        int seconds = Integer.parseInt(args[1]);
        double[] rate = {Double.parseDouble(args[2]), Double.parseDouble(args[3])};
        long[] goalNanos = {TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[4])),
            TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[5]))};
        Duration timeout = Duration.ofMillis(args.length > 6 ? Long.parseLong(args[6]) : 10_000);
        URI[] uris = {base.resolve("api/products/42"), base.resolve("api/cart/items")};

        ExecutorService callbacks = Executors.newFixedThreadPool(2);
        // HTTP/1.1 only: an h2c upgrade can hang a Payara listener (see docs/router.md).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
                .connectTimeout(Duration.ofSeconds(2)).build();
        Tally[] tallies = {new Tally(), new Tally()};
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long[] sent = {0, 0};
        while (true) {
            // The class whose next request is due first.
            long[] due = new long[2];
            int next = -1;
            for (int c = 0; c < 2; c++) {
                due[c] = rate[c] > 0 ? start + (long) (sent[c] * 1e9 / rate[c]) : Long.MAX_VALUE;
                if (due[c] < end && (next < 0 || due[c] < due[next])) {
                    next = c;
                }
            }
            if (next < 0) {
                break;
            }
            long wait = due[next] - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            sent[next]++;
            inFlight.add(send(http, next, uris[next], due[next], timeout, tallies[next]));
        }
        for (CompletableFuture<Void> f : inFlight) {
            f.join();
        }
        callbacks.shutdown();
        for (int c = 0; c < 2; c++) {
            print(NAMES[c], tallies[c], seconds, goalNanos[c]);
        }
    }

    private static CompletableFuture<Void> send(HttpClient http, int c, URI uri, long due, Duration timeout, Tally t) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        if (c == CHECKOUT) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"productId\":" + (1 + ThreadLocalRandom.current().nextInt(1000)) + ",\"quantity\":1}"));
        } else {
            b.GET();
        }
        t.offered.increment();
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding()).handle((r, e) -> {
            long nanos = System.nanoTime() - due;
            if (e != null) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                t.fail(cause.getClass().getSimpleName());
            } else if (r.statusCode() >= 200 && r.statusCode() < 300) {
                t.ok(nanos);
            } else if (r.statusCode() == 503) {
                t.shed.increment();
            } else {
                t.fail(String.valueOf(r.statusCode()));
            }
            return null;
        });
    }

    private static void print(String name, Tally t, int seconds, long goalNanos) {
        long[] ok = t.sortedOk();
        long within = 0;
        for (long n : ok) {
            if (n <= goalNanos) {
                within++;
            }
        }
        long offered = t.offered.sum();
        StringBuilder failures = new StringBuilder();
        t.failures.forEach((k, v) -> failures.append(failures.length() == 0 ? "" : ",").append(k).append('=').append(v.sum()));
        System.out.printf(Locale.ROOT, "%s %.1f %.1f %.1f %.1f %.1f %.2f %.1f %.1f %s%n", name, (double) offered / seconds,
                (double) ok.length / seconds, millis(ok, 0.50), millis(ok, 0.95), millis(ok, 0.99),
                offered == 0 ? 0.0 : 100.0 * within / offered, (double) t.shed.sum() / seconds,
                (double) t.failed.sum() / seconds, failures.length() == 0 ? "-" : failures);
    }

    private static double millis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
