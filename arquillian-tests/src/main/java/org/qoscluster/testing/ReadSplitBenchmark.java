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
import java.util.LinkedHashMap;
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
import org.qoscluster.launcher.PartStatus;

/**
 * Read/write split benchmark (run by {@code bench/read-split.sh}), through the router of a real
 * cluster (two nodes) on this machine, each Derby server in a CPU budget of its own
 * ({@link CpuBudgets}: as if on a machine of its own), so that the databases, not the shared
 * cores, bound the reads:
 * <ol>
 * <li>catalogue reads ({@code GET /api/products}, random pages of 20) as fast as CLIENTS
 * connections go, on three clusters in turn: without replicas (every read on the master), with
 * one replica (both nodes read it) and with two (each node reads its own); each with the
 * databases budgeted and the nodes not, then with each node in a budget of its own too; the
 * ratio of each to the master-only reads of the same row, the copies and nodes that answered,
 * each process's CPU time per page and throttled periods, and each Derby server's CPU per page
 * it answered by kind of thread (the statements' DRDA threads, the JIT compilers, the
 * collector); each cluster warmed up first until the JIT of every answering copy is done;</li>
 * <li>a mixed workload on the cluster with two replicas (databases budgeted): nine browsers for
 * each buyer (sign in, add to cart, check out, read the order history); the share of reads each
 * copy answered, from the {@code X-Qos-Read-From} header the copy's own name fills in.</li>
 * </ol>
 * Arguments: {@code SECONDS CLIENTS DB_CORES NODE_CORES STATE_DIR}; system properties
 * {@code bench.cgroup.root} ({@code /sys/fs/cgroup/cpu}) and {@code bench.cgroup.name}
 * ({@code qos-read-split}) say where the groups go, {@code bench.browse.p95-ms} sets the
 * {@code browse} class's goal (the catalogue's) instead of the default.
 */
public final class ReadSplitBenchmark {

    private ReadSplitBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(ReadSplitBenchmark::run, args);
    }

    /** A cluster to read from: its name in the report and its number of replicas. */
    private record Layout(String name, int replicas) {
    }

    /** How the processes are budgeted in a row of the report. */
    private record Row(String name, boolean nodesBudgeted) {
    }

    private static final List<Layout> LAYOUTS = List.of(
            new Layout("master only", 0), new Layout("one replica", 1), new Layout("two replicas", 2));
    private static final List<Row> ROWS = List.of(
            new Row("databases budgeted", false), new Row("databases and nodes budgeted", true));

    /**
     * Catalogue reads before the first measured phase of each cluster, without budgets, in rounds
     * of {@link #WARM_UP_SECONDS} s: at least {@link #WARM_UP_MIN_ROUNDS}, then until every copy
     * that answers the layout's reads spent at most {@link #JIT_SETTLED} of its CPU in its JIT
     * compilers in a round, at most {@link #WARM_UP_MAX_ROUNDS}. A copy that is still compiling
     * pays for it out of its budget in the measured phase (seen: 0.3-0.7 ms a page of JIT on each
     * of two replicas after 90 s, against 2.0-2.5 ms of statements), and each of two replicas gets
     * half the warm-up pages that a single copy gets; rules over the pages' CPU alone stopped at
     * plateaus of the JIT (one replica "settled" at 2.52 then 2.55 ms a page, and spent 1.9 after).
     */
    private static final int WARM_UP_SECONDS = 15;
    private static final int WARM_UP_MIN_ROUNDS = 6;
    private static final int WARM_UP_MAX_ROUNDS = 16;
    private static final double JIT_SETTLED = 0.03;

    /** The share of its CPU each copy answering the layout's reads spent in its JIT compilers in {@code r}. */
    private static Map<String, Double> jitShares(Result r, Layout layout) {
        Map<String, Double> shares = new TreeMap<>();
        r.threadSeconds().forEach((copy, kinds) -> {
            if (answers(copy, layout)) {
                double all = kinds.values().stream().mapToDouble(Double::doubleValue).sum();
                shares.put(copy, all <= 0 ? 1.0 : kinds.getOrDefault("jit", 0.0) / all);
            }
        });
        return shares;
    }

    private static boolean warm(Map<String, Double> jitShares) {
        return !jitShares.isEmpty() && jitShares.values().stream().allMatch(share -> share <= JIT_SETTLED);
    }

    /** The name of each Derby server's part starts so; the rest is the copy's own name. */
    private static final String DERBY = "derby-";

    /** Whether {@code part} is a process the benchmark budgets: a Derby server or a node. */
    private static boolean budgeted(PartStatus part) {
        return part.name().startsWith(DERBY) || part.name().startsWith("node-");
    }

    /** Whether {@code part} is a copy that answers the layout's reads: the master without replicas, else the replicas. */
    private static boolean answers(String part, Layout layout) {
        return layout.replicas() == 0 ? part.equals(DERBY + "master") : part.startsWith(DERBY + "replica-");
    }

    /** The answering copies' CPU ms per page and JIT share in {@code r}. */
    private static String answering(Result r, Layout layout) {
        Map<String, String> out = new TreeMap<>();
        Map<String, Double> jit = jitShares(r, layout);
        r.cpuMsPerRequest().forEach((part, ms) -> {
            if (answers(part, layout)) {
                out.put(part, String.format(Locale.ROOT, "%.2f ms, JIT %.0f %%", ms, 100 * jit.getOrDefault(part, 0.0)));
            }
        });
        return out.toString();
    }

    /** How long the processes' CPU use is measured without load, after the warm-up. */
    private static final int IDLE_SECONDS = 3;

    /** Each part's CPU use over {@link #IDLE_SECONDS} without requests, in cores. */
    private static Map<String, String> idle(List<PartStatus> parts) throws InterruptedException {
        Map<String, Double> before = new TreeMap<>();
        parts.forEach(p -> before.put(p.name(), CpuBudgets.processCpuSeconds(p.pid())));
        Thread.sleep(IDLE_SECONDS * 1000L);
        Map<String, String> cores = new TreeMap<>();
        parts.forEach(p -> cores.put(p.name(), String.format(Locale.ROOT, "%.2f",
                (CpuBudgets.processCpuSeconds(p.pid()) - before.get(p.name())) / IDLE_SECONDS)));
        return cores;
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        double dbCores = args.length > 2 ? Double.parseDouble(args[2]) : 0.15;
        double nodeCores = args.length > 3 ? Double.parseDouble(args[3]) : 0.5;
        Path state = Path.of(args.length > 4 ? args[4] : "var/bench-read-split");
        if (dbCores <= 0 || nodeCores <= 0) {
            throw new IllegalArgumentException("DB_CORES " + dbCores + " and NODE_CORES " + nodeCores + " must be above 0");
        }
        Path cgroupRoot = Path.of(System.getProperty("bench.cgroup.root", "/sys/fs/cgroup/cpu"));
        String cgroupName = System.getProperty("bench.cgroup.name", "qos-read-split");
        Map<String, String> settings = new TreeMap<>(Map.of("qos.router.health.timeout-ms", "3000"));
        String browseGoal = System.getProperty("bench.browse.p95-ms");
        if (browseGoal != null) {
            settings.put("qos.class.browse.p95-ms", browseGoal);
        }
        System.out.printf(Locale.ROOT, "browse goal: p95 %s ms%n", browseGoal == null ? "of the defaults" : browseGoal);
        System.out.printf(Locale.ROOT, "budgets (cgroup v1 cpu, %s/%s, period %d us): each Derby server %.2f core; "
                + "each node %.2f core in the second row; router, agent and load generator unbudgeted; "
                + "the budgeted processes' JIT compiler threads outside their budgets%n",
                cgroupRoot, cgroupName, CpuBudgets.PERIOD_US, dbCores, nodeCores);

        Map<Row, Map<Layout, Result>> results = new LinkedHashMap<>();
        Result mixed = null;
        for (Layout layout : LAYOUTS) {
            try (Cluster cluster = Cluster.start(TestRuntime.freePortConfig(2, layout.replicas(), settings), TestRuntime.layout(),
                    state.resolve(layout.name().replace(' ', '-')), Duration.ofMinutes(5));
                 CpuBudgets budgets = new CpuBudgets(cgroupRoot, cgroupName)) {
                List<PartStatus> parts = cluster.status();
                for (PartStatus part : parts) {
                    if (budgeted(part)) {
                        budgets.place(part.name(), part.pid(), 0);
                        budgets.exemptCompilers(part.name(), part.pid());
                    }
                }
                // Warm-up without budgets, so that the JIT compilers are done before the budgets count.
                List<String> perPage = new ArrayList<>();
                boolean warm = false;
                while (perPage.size() < WARM_UP_MAX_ROUNDS && !(warm && perPage.size() >= WARM_UP_MIN_ROUNDS)) {
                    Result round = browse(cluster.storeUri(), clients, WARM_UP_SECONDS, parts, budgets);
                    warm = warm(jitShares(round, layout));
                    perPage.add(answering(round, layout));
                }
                Map<String, String> idle = idle(parts);
                System.out.printf(Locale.ROOT, "%n%s, idle for %d s after %d s of warm-up (%s): cores used by %s%n"
                        + "  warm-up rounds' CPU ms per page of the answering copies and their JIT's share of it: %s%n",
                        layout.name(), IDLE_SECONDS, perPage.size() * WARM_UP_SECONDS,
                        warm ? "warm: JIT at most " + Math.round(100 * JIT_SETTLED) + " % of each answering copy's CPU"
                                : "not warm within " + WARM_UP_MAX_ROUNDS + " rounds", idle, perPage);
                for (Row row : ROWS) {
                    for (PartStatus part : parts) {
                        if (budgeted(part)) {
                            budgets.exemptCompilers(part.name(), part.pid());
                        }
                        if (part.name().startsWith(DERBY)) {
                            budgets.setQuota(part.name(), dbCores);
                        } else if (part.name().startsWith("node-")) {
                            budgets.setQuota(part.name(), row.nodesBudgeted() ? nodeCores : 0);
                        }
                    }
                    System.out.printf(Locale.ROOT, "%n%s, %s: %s%n", layout.name(), row.name(), budgets.describe());
                    Result r = browse(cluster.storeUri(), clients, seconds, parts, budgets);
                    results.computeIfAbsent(row, k -> new LinkedHashMap<>()).put(layout, r);
                    print(r, seconds);
                }
                if (layout.replicas() == 2) {
                    for (PartStatus part : parts) {
                        if (part.name().startsWith("node-")) {
                            budgets.setQuota(part.name(), 0);
                        }
                    }
                    mixed = mixed(cluster.storeUri(), clients, seconds);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%ncatalogue pages/s through the router, %d connections, %d s each "
                + "(ratio to master only in the same row)%n", clients, seconds);
        for (Map.Entry<Row, Map<Layout, Result>> row : results.entrySet()) {
            double reference = row.getValue().get(LAYOUTS.get(0)).perSecond();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-30s", row.getKey().name()));
            row.getValue().forEach((layout, r) -> line.append(String.format(Locale.ROOT, "  %s %6.0f (%.2f)",
                    layout.name(), r.perSecond(), r.perSecond() / reference)));
            System.out.println(line);
        }
        if (mixed != null) {
            long reads = mixed.byCopy().values().stream().mapToLong(Long::longValue).sum();
            long onReplicas = mixed.byCopy().entrySet().stream().filter(e -> e.getKey().startsWith("replica-"))
                    .mapToLong(Map.Entry::getValue).sum();
            System.out.printf(Locale.ROOT, "%nmixed workload, two replicas, databases budgeted, 9 browsers per buyer, "
                    + "%d connections, %d s: %.0f requests/s, %d checkouts%n", clients, seconds, mixed.perSecond(), mixed.checkouts());
            System.out.printf(Locale.ROOT, "  reads answered by %s: %.1f %% by replicas   errors %d %s%n", mixed.byCopy(),
                    reads == 0 ? 0.0 : 100.0 * onReplicas / reads, mixed.errors(), mixed.failures());
        }
    }

    /**
     * A copy's CPU in a phase of {@code seconds} by kind of thread: ms per page it answered, or
     * cores used when it answered none.
     */
    private static String byThread(Map<String, Double> used, long answered, int seconds) {
        StringBuilder s = new StringBuilder();
        used.forEach((kind, cpu) -> s.append(s.length() == 0 ? "" : ", ").append(kind).append(' ').append(answered == 0
                ? String.format(Locale.ROOT, "%.3f core", cpu / seconds)
                : String.format(Locale.ROOT, "%.2f ms", 1000 * cpu / answered)));
        return (answered == 0 ? "answered none: " : answered + " pages, per page: ") + s;
    }

    private static void print(Result r, int seconds) {
        System.out.printf(Locale.ROOT, "  %.0f pages/s   answered by %s   served by %s   errors %d %s%n",
                r.perSecond(), r.byCopy(), r.byNode(), r.errors(), r.failures());
        StringBuilder cpu = new StringBuilder("  CPU ms per page (cores used):");
        r.cpuMsPerRequest().forEach((part, ms) -> cpu.append(String.format(Locale.ROOT, " %s %.2f (%.2f)", part, ms,
                ms * r.perSecond() / 1000)));
        System.out.println(cpu);
        r.threadSeconds().forEach((copy, used) -> System.out.printf(Locale.ROOT, "  %s by thread: %s%n", copy,
                byThread(used, r.byCopy().getOrDefault(copy.substring(DERBY.length()), 0L), seconds)));
        StringBuilder throttled = new StringBuilder("  periods throttled (of " + r.periods() + "):");
        r.throttled().forEach((group, n) -> throttled.append(' ').append(group).append(' ').append(n));
        System.out.println(throttled);
    }

    /** What one phase measured. */
    private record Result(double perSecond, Map<String, Long> byCopy, Map<String, Long> byNode, long errors, long checkouts,
                          Map<String, Long> failures, Map<String, Double> cpuMsPerRequest, Map<String, Long> throttled,
                          long periods, Map<String, Map<String, Double>> threadSeconds) {

        Result withProcesses(Map<String, Double> cpu, Map<String, Long> throttledPeriods, long allPeriods,
                             Map<String, Map<String, Double>> byThread) {
            return new Result(perSecond, byCopy, byNode, errors, checkouts, failures, cpu, throttledPeriods, allPeriods, byThread);
        }
    }

    /** Catalogue pages for {@code seconds}, with each part's CPU time per page and each group's throttled periods. */
    private static Result browse(URI store, int clients, int seconds, List<PartStatus> parts, CpuBudgets budgets) throws Exception {
        Map<String, Double> cpuBefore = new TreeMap<>();
        parts.forEach(p -> cpuBefore.put(p.name(), CpuBudgets.processCpuSeconds(p.pid())));
        Map<String, Long> throttledBefore = new TreeMap<>();
        budgets.names().forEach(g -> throttledBefore.put(g, budgets.throttledPeriods(g)));
        List<PartStatus> copies = parts.stream().filter(p -> p.name().startsWith(DERBY)).toList();
        Map<String, Map<String, Double>> threadsBefore = new TreeMap<>();
        copies.forEach(p -> threadsBefore.put(p.name(), CpuBudgets.threadCpuSeconds(p.pid())));
        long start = System.nanoTime();
        Result r = phase(clients, seconds, (http, counts) -> {
            int offset = ThreadLocalRandom.current().nextInt(0, 980);
            counts.read(send(http, store.resolve("api/products?limit=20&offset=" + offset), "GET", null));
        });
        long periods = (System.nanoTime() - start) / (CpuBudgets.PERIOD_US * 1000);
        long requests = Math.round(r.perSecond() * seconds);
        Map<String, Double> cpu = new TreeMap<>();
        parts.forEach(p -> cpu.put(p.name(), requests == 0 ? 0.0
                : 1000 * (CpuBudgets.processCpuSeconds(p.pid()) - cpuBefore.get(p.name())) / requests));
        Map<String, Long> throttled = new TreeMap<>();
        budgets.names().forEach(g -> throttled.put(g, budgets.throttledPeriods(g) - throttledBefore.get(g)));
        Map<String, Map<String, Double>> byThread = new TreeMap<>();
        for (PartStatus copy : copies) {
            Map<String, Double> before = threadsBefore.get(copy.name());
            Map<String, Double> used = new TreeMap<>();
            CpuBudgets.threadCpuSeconds(copy.pid()).forEach((kind, total) -> used.put(kind, total - before.getOrDefault(kind, 0.0)));
            byThread.put(copy.name(), used);
        }
        return r.withProcesses(cpu, throttled, periods, byThread);
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
        final Map<String, LongAdder> byNode = new ConcurrentHashMap<>();

        void read(HttpResponse<String> r) {
            write(r);
            if (r != null && r.statusCode() == 200) {
                byCopy.computeIfAbsent(r.headers().firstValue("X-Qos-Read-From").orElse("unnamed"), k -> new LongAdder()).increment();
                byNode.computeIfAbsent(r.headers().firstValue("X-QoS-Node").orElse("unnamed"), k -> new LongAdder()).increment();
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
        Map<String, Long> byNode = new TreeMap<>();
        counts.byNode.forEach((k, v) -> byNode.put(k, v.sum()));
        Map<String, Long> failures = new TreeMap<>();
        counts.failures.forEach((k, v) -> failures.put(k, v.sum()));
        return new Result(counts.requests.sum() / elapsed, byCopy, byNode, counts.errors.sum(), counts.checkouts.sum(), failures,
                Map.of(), Map.of(), 0, Map.of());
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
