package org.qoscluster.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Site failover benchmark (run by {@code bench/site-failover.sh}): two sites sharing one database
 * group ({@link TwoSites}, everything between them through 20 ms relays); SHOPPERS shoppers of
 * site a each sign up, place an order, then add an item to their cart every PAUSE ms, each
 * acknowledged cart kept with the moment it was answered; after LOAD seconds every process of
 * site a is killed ({@code kill -9}). Then: (a) the time from the kill until site b's DNS server
 * no longer answers site a, and until it answers site b (which needs site b's copy promoted
 * first); (b) for each shopper, sent to site b with their cookies, the time from the kill until
 * their first successful checkout there; (c) the session changes lost: acknowledged cart changes
 * site b does not have, and how long before the kill the oldest of them was answered, against the
 * bound the session table's mode gives; (d) orders placed at site a missing at site b. Each round
 * runs the session table written behind and written through, in alternating order. Arguments:
 * {@code SHOPPERS LOAD_SECONDS ROUNDS STATE_DIR}.
 */
public final class SiteFailoverBenchmark {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEADLINE = Duration.ofMinutes(2);
    private static final long PAUSE_MS = 100;
    private static final List<String> MODES = List.of("write-behind", "write-through");

    private SiteFailoverBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(SiteFailoverBenchmark::run, args);
    }

    /** One acknowledged cart: when site a answered it (System.nanoTime) and its lines. */
    private record Acked(long atNanos, Map<Long, Integer> lines) {
    }

    /** One shopper of site a: their client, the order they placed there, every cart they were answered and how long each add took. */
    private record Shopper(StoreClient client, long order, List<Acked> acked, List<Long> addMillis) {
    }

    /** What one shopper found at site b. */
    private record Outcome(long checkoutMillis, int changesLost, long oldestLostMillisBeforeKill, boolean orderKept) {
    }

    /** One round's figures in one mode. */
    private record Round(String mode, long withoutA, long answersB, long firstCheckout, long p50Checkout, long maxCheckout,
            int lost, int acked, int sameCart, long oldestLost, int ordersMissing, long addP50, long addP99, long behindAtKill) {
    }

    private static void run(String[] args) throws Exception {
        int shoppers = Integer.parseInt(args[0]);
        int loadSeconds = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path state = Path.of(args[3]);
        List<Round> all = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            List<String> order = r % 2 == 0 ? MODES : List.of(MODES.get(1), MODES.get(0));
            for (String mode : order) {
                Round done = round(state.resolve("round-" + (r + 1) + "-" + mode), mode, shoppers, loadSeconds);
                all.add(done);
                System.out.printf(Locale.ROOT, "round %d, session table %s: %s%n", r + 1, mode, done);
            }
        }
        System.out.printf(Locale.ROOT, "%nsite a killed (every process) after %d s of %d shoppers adding to their carts every %d ms;"
                + " %d round(s) a mode%n", loadSeconds, shoppers, PAUSE_MS, rounds);
        System.out.println("| session table | (a) kill -> a out of the answers, ms | kill -> b answered, ms"
                + " | (b) first checkout at b: first / p50 / max, ms | (c) changes lost | shoppers with their last cart"
                + " | oldest lost, ms before the kill | site b's copy behind at the kill, ms | (d) orders missing"
                + " | add to cart at a: p50 / p99, ms |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Round x : all) {
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d / %d / %d | %d of %d | %d of %d | %d | %s | %d of %d | %d / %d |%n",
                    x.mode(), x.withoutA(), x.answersB(), x.firstCheckout(), x.p50Checkout(), x.maxCheckout(), x.lost(),
                    x.acked(), x.sameCart(), shoppers, x.oldestLost(), x.behindAtKill() < 0 ? "unknown" : x.behindAtKill(),
                    x.ordersMissing(), shoppers, x.addP50(), x.addP99());
        }
        System.out.println("bounds: (a) down-after-ms 2000 + 20 ms after the last successful probe (target 2000);"
                + " b answered after twice the master lease (2 x 2000 ms) from the last answer of site a's copy, plus the promotion;"
                + " (b) target 5000 ms + the TTL (5 s); (c) write-behind: the write delay (1 s) plus the table writes' and the"
                + " shipping's lag; write-through: the shipping's lag, which is at most how far site b's copy was behind at the kill (its"
                + " published lag plus the watermark's age, from site a's router metrics every 100 ms)");
    }

    private static Round round(Path state, String mode, int shoppers, int loadSeconds) throws Exception {
        try (TwoSites sites = TwoSites.start(state, Map.of("qos.session.table.mode", mode))) {
            awaitAnswer(sites, "b", a -> a.equals(List.of(TwoSites.A, TwoSites.B)), "a and b");
            List<Shopper> all = new ArrayList<>();
            for (int i = 0; i < shoppers; i++) {
                StoreClient c = StoreClient.at(sites.cluster("a").storeUri(), TIMEOUT);
                StoreAssertions.assertOk(c.post("api/customers", "{\"name\":\"S" + i + "\",\"email\":\"s" + i + "@example.org\"}"));
                StoreAssertions.assertOk(c.post("api/cart/items", "{\"productId\":11,\"quantity\":1}"));
                // Retried with its key (so placed once): a fence of site a's write paths while the
                // two cold sites are slow to answer each other's probes fails a transaction.
                String key = "s" + i + "-1";
                StoreClient.Reply placed = StoreClient.await(() -> c.send("POST", "api/orders", null, null,
                        Map.of("Idempotency-Key", key)), 201, TIMEOUT);
                all.add(new Shopper(c, placed.json().path("id").asLong(), Collections.synchronizedList(new ArrayList<>()),
                        Collections.synchronizedList(new ArrayList<>())));
            }
            AtomicBoolean shopping = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(shoppers);
            List<Future<?>> loops = new ArrayList<>();
            for (Shopper s : all) {
                loops.add(pool.submit(() -> shop(s, shopping)));
            }
            LagSampler lag = new LagSampler(sites.cluster("a"), "b-");
            Thread lagThread = new Thread(lag, "lag-sampler");
            lagThread.setDaemon(true);
            lagThread.start();
            Thread.sleep(loadSeconds * 1000L);
            long t0 = System.nanoTime();
            lagThread.interrupt();
            sites.killSite("a", DEADLINE);
            shopping.set(false);
            awaitAnswer(sites, "b", a -> !a.contains(TwoSites.A), "without a");
            long withoutA = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            awaitAnswer(sites, "b", a -> a.equals(List.of(TwoSites.B)), "b only");
            long answersB = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            for (Future<?> f : loops) {
                f.get();
            }
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                Shopper s = all.get(i);
                String key = "s" + i + "-2";
                outcomes.add(pool.submit(() -> atSiteB(sites, s, key, t0)));
            }
            List<Long> checkouts = new ArrayList<>();
            int lost = 0;
            int sameCart = 0;
            int ordersMissing = 0;
            long oldestLost = 0;
            for (Future<Outcome> f : outcomes) {
                Outcome o = f.get();
                checkouts.add(o.checkoutMillis());
                lost += o.changesLost();
                sameCart += o.changesLost() == 0 ? 1 : 0;
                ordersMissing += o.orderKept() ? 0 : 1;
                oldestLost = Math.max(oldestLost, o.oldestLostMillisBeforeKill());
            }
            pool.shutdownNow();
            List<Long> adds = new ArrayList<>();
            all.forEach(s -> adds.addAll(s.addMillis()));
            int acked = all.stream().mapToInt(s -> s.acked().size()).sum();
            return new Round(mode, withoutA, answersB, FailoverBenchmark.percentile(checkouts, 0),
                    FailoverBenchmark.percentile(checkouts, 50), FailoverBenchmark.percentile(checkouts, 100), lost, acked,
                    sameCart, oldestLost, ordersMissing, FailoverBenchmark.percentile(adds, 50), FailoverBenchmark.percentile(adds, 99),
                    lag.behindAt(t0));
        }
    }

    /**
     * Samples, every 100 ms, how far behind the master site b's copy is as site a's router
     * publishes it ({@code qos_replication_lag_seconds} plus {@code qos_replication_watermark_age_seconds}
     * on {@code /qrs/admin/metrics}): how old the newest change it surely has was at that moment.
     */
    private static final class LagSampler implements Runnable {
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        private final java.net.http.HttpRequest request;
        private final String copyPrefix;
        /** [System.nanoTime() of the sample, ms behind], newest last. */
        private final List<long[]> samples = Collections.synchronizedList(new ArrayList<>());

        LagSampler(org.qoscluster.launcher.Cluster site, String copyPrefix) {
            this.request = java.net.http.HttpRequest.newBuilder(site.storeUri().resolve("/qrs/admin/metrics")).timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + site.adminToken()).build();
            this.copyPrefix = copyPrefix;
        }

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    String body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    double lag = -1;
                    double age = 0;
                    for (String line : body.split("\n")) {
                        if (line.startsWith("qos_replication_lag_seconds{replica=\"" + copyPrefix)) {
                            lag = Math.max(lag, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                        } else if (line.startsWith("qos_replication_watermark_age_seconds{replica=\"" + copyPrefix)) {
                            age = Math.max(age, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                        }
                    }
                    if (lag >= 0) {
                        samples.add(new long[] {System.nanoTime(), Math.round((lag + age) * 1000)});
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException | RuntimeException e) {
                    // site a busy or going down: no sample this time
                }
            }
        }

        /** The most the copy was behind in the last second before {@code atNanos} ({@code -1}: no sample then). */
        long behindAt(long atNanos) {
            long most = -1;
            synchronized (samples) {
                for (long[] s : samples) {
                    if (s[0] <= atNanos && atNanos - s[0] <= 1_000_000_000L) {
                        most = Math.max(most, s[1]);
                    }
                }
            }
            return most;
        }
    }

    /** Adds an item every {@link #PAUSE_MS} until told to stop (or site a stops answering). */
    private static void shop(Shopper s, AtomicBoolean shopping) {
        long product = 1;
        while (shopping.get()) {
            try {
                long sent = System.nanoTime();
                StoreClient.Reply r = s.client().post("api/cart/items", "{\"productId\":" + product + ",\"quantity\":1}");
                if (r.status() == 200) {
                    long answered = System.nanoTime();
                    s.acked().add(new Acked(answered, StoreClient.cartLines(r.json())));
                    s.addMillis().add(Duration.ofNanos(answered - sent).toMillis());
                    product = product % 20 + 1;
                }
            } catch (IllegalStateException e) {
                // no answer (site a going down): not acknowledged
            }
            try {
                Thread.sleep(PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The shopper at site b: their cart against what site a last answered, their history, and a checkout. */
    private static Outcome atSiteB(TwoSites sites, Shopper s, String key, long killNanos) throws InterruptedException {
        StoreClient moved = s.client().movedTo(sites.cluster("b").storeUri(), TIMEOUT);
        StoreClient.Reply cart = StoreClient.await(() -> moved.get("api/cart"), 200, DEADLINE);
        Map<Long, Integer> there = StoreClient.cartLines(cart.json());
        List<Acked> acked = List.copyOf(s.acked());
        int kept = -1;
        for (int i = acked.size() - 1; i >= 0; i--) {
            if (acked.get(i).lines().equals(there)) {
                kept = i;
                break;
            }
        }
        // Every acknowledged change after the last one site b has is lost; with none found, all are.
        int lostCount = acked.size() - 1 - kept;
        long oldest = lostCount == 0 ? 0 : Duration.ofNanos(killNanos - acked.get(kept + 1).atNanos()).toMillis();
        JsonNode history = moved.get("api/orders").json();
        boolean orderKept = false;
        for (JsonNode o : history) {
            orderKept |= o.path("id").asLong() == s.order();
        }
        StoreClient.await(() -> moved.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", key)), 201, DEADLINE);
        return new Outcome(Duration.ofNanos(System.nanoTime() - killNanos).toMillis(), lostCount, oldest, orderKept);
    }


    private static void awaitAnswer(TwoSites sites, String site, Predicate<List<String>> wanted, String what) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < deadline) {
            try {
                last = sites.answer(site);
                if (wanted.test(last)) {
                    return;
                }
            } catch (java.io.IOException e) {
                last = List.of("no answer: " + e);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("site " + site + "'s DNS server answered " + last + ", not " + what);
    }

}
