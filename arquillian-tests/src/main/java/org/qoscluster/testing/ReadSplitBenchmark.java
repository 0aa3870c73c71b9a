package org.qoscluster.testing;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.qoscluster.launcher.Cluster;

/**
 * Read/write split benchmark (run by {@code bench/read-split.sh}), through the router of a real
 * cluster (two nodes) on this machine:
 * <ol>
 * <li>catalogue reads ({@code GET /api/products}, random pages of 20) as fast as CLIENTS
 * connections go: on a cluster with two replicas (each node reads its own), then, in the same
 * run, on one without replicas (every read on the master); ratio of the two;</li>
 * <li>a mixed workload on the cluster with replicas: nine browsers for each buyer (sign in, add
 * to cart, check out, read the order history); the share of reads each copy answered, from the
 * {@code X-Qos-Read-From} header the copy's own name fills in.</li>
 * </ol>
 * Arguments: {@code SECONDS CLIENTS STATE_DIR}.
 */
public final class ReadSplitBenchmark {

    private ReadSplitBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(ReadSplitBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Path state = Path.of(args.length > 2 ? args[2] : "var/bench-read-split");
        Map<String, String> quiet = Map.of("qos.router.health.timeout-ms", "3000");

        Result withReplicas;
        Result mixed;
        try (Cluster cluster = Cluster.start(TestRuntime.freePortConfig(2, 2, quiet), TestRuntime.layout(),
                state.resolve("replicas"), Duration.ofMinutes(5))) {
            browse(cluster.storeUri(), clients, 5); // warm-up: JIT, pools, watermarks published
            withReplicas = browse(cluster.storeUri(), clients, seconds);
            mixed = mixed(cluster.storeUri(), clients, seconds);
        }
        Result masterOnly;
        try (Cluster cluster = Cluster.start(TestRuntime.freePortConfig(2, 0, quiet), TestRuntime.layout(),
                state.resolve("master-only"), Duration.ofMinutes(5))) {
            browse(cluster.storeUri(), clients, 5);
            masterOnly = browse(cluster.storeUri(), clients, seconds);
        }
        System.out.printf(Locale.ROOT, "%ncatalogue reads through the router, %d connections, %d s each%n", clients, seconds);
        System.out.printf(Locale.ROOT, "  two replicas (one per node): %8.0f reads/s   answered by %s   errors %d %s%n",
                withReplicas.perSecond(), withReplicas.byCopy(), withReplicas.errors(), withReplicas.failures());
        System.out.printf(Locale.ROOT, "  no replica (all on master):  %8.0f reads/s   answered by %s   errors %d %s%n",
                masterOnly.perSecond(), masterOnly.byCopy(), masterOnly.errors(), masterOnly.failures());
        System.out.printf(Locale.ROOT, "  ratio replicas / master only: %.2f%n", withReplicas.perSecond() / masterOnly.perSecond());
        long reads = mixed.byCopy().values().stream().mapToLong(Long::longValue).sum();
        long onReplicas = mixed.byCopy().entrySet().stream().filter(e -> e.getKey().startsWith("replica-"))
                .mapToLong(Map.Entry::getValue).sum();
        System.out.printf(Locale.ROOT, "%nmixed workload, 9 browsers per buyer, %d connections, %d s: %.0f requests/s, %d checkouts%n",
                clients, seconds, mixed.perSecond(), mixed.checkouts());
        System.out.printf(Locale.ROOT, "  reads answered by %s: %.1f %% by replicas   errors %d %s%n", mixed.byCopy(),
                reads == 0 ? 0.0 : 100.0 * onReplicas / reads, mixed.errors(), mixed.failures());
    }

    /** What one phase measured. */
    private record Result(double perSecond, Map<String, Long> byCopy, long errors, long checkouts, Map<String, Long> failures) {
    }

    private static Result browse(URI store, int clients, int seconds) throws Exception {
        return phase(clients, seconds, (http, counts) -> {
            int offset = ThreadLocalRandom.current().nextInt(0, 980);
            counts.read(send(http, store.resolve("api/products?limit=20&offset=" + offset), "GET", null));
        });
    }

    private static Result mixed(URI store, int clients, int seconds) throws Exception {
        AtomicLong buyers = new AtomicLong();
        return phase(clients, seconds, (http, counts) -> {
            if (ThreadLocalRandom.current().nextInt(10) > 0) {
                int offset = ThreadLocalRandom.current().nextInt(0, 980);
                counts.read(send(http, store.resolve("api/products?limit=20&offset=" + offset), "GET", null));
                return;
            }
            // A buyer: a new shopper (own cookies) who signs in, buys one item and reads the history.
            HttpClient buyer = client();
            long n = buyers.incrementAndGet();
            counts.write(send(buyer, store.resolve("api/customers"), "POST",
                    "{\"name\":\"Buyer " + n + "\",\"email\":\"buyer" + n + "-" + System.nanoTime() + "@example.org\"}"));
            counts.write(send(buyer, store.resolve("api/cart/items"), "POST",
                    "{\"productId\":" + (1 + ThreadLocalRandom.current().nextInt(1000)) + ",\"quantity\":1}"));
            HttpResponse<String> order = send(buyer, store.resolve("api/orders"), "POST", null);
            counts.write(order);
            if (order != null && order.statusCode() == 201) {
                counts.checkouts.increment();
            }
            counts.read(send(buyer, store.resolve("api/orders"), "GET", null));
        });
    }

    @FunctionalInterface
    private interface Step {
        void run(HttpClient http, Counts counts) throws Exception;
    }

    private static final class Counts {
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder checkouts = new LongAdder();
        final Map<String, LongAdder> byCopy = new ConcurrentHashMap<>();

        void read(HttpResponse<String> r) {
            write(r);
            if (r != null && r.statusCode() == 200) {
                byCopy.computeIfAbsent(r.headers().firstValue("X-Qos-Read-From").orElse("unnamed"), k -> new LongAdder()).increment();
            }
        }

        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

        void write(HttpResponse<String> r) {
            requests.increment();
            if (r == null || r.statusCode() >= 400) {
                errors.increment();
                String what = r == null ? "no reply" : r.request().method() + " " + r.uri().getPath() + " " + r.statusCode();
                failures.computeIfAbsent(what, k -> new LongAdder()).increment();
            }
        }
    }

    private static Result phase(int clients, int seconds, Step step) throws Exception {
        Counts counts = new Counts();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            running.add(pool.submit(() -> {
                HttpClient http = client();
                while (System.nanoTime() < end) {
                    step.run(http, counts);
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Long> byCopy = new TreeMap<>();
        counts.byCopy.forEach((k, v) -> byCopy.put(k, v.sum()));
        Map<String, Long> failures = new TreeMap<>();
        counts.failures.forEach((k, v) -> failures.put(k, v.sum()));
        return new Result(counts.requests.sum() / elapsed, byCopy, counts.errors.sum(), counts.checkouts.sum(), failures);
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The reply, or null when the request failed outright (counted as an error). */
    private static HttpResponse<String> send(HttpClient http, URI uri, String method, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
