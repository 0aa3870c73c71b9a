package org.qoscluster.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Site failover benchmark (run by {@code bench/site-failover.sh}): two sites sharing one database
 * group ({@link TwoSites}, everything between them through 20 ms relays); SHOPPERS shoppers of
 * site a each sign up, place an order, then add an item to their cart every PAUSE ms, each
 * acknowledged cart kept with the moment it was answered; after LOAD seconds every process of
 * site a is killed ({@code kill -9}). Then: (a) the time from the kill until site b's DNS server
 * answers b only; (b) for each shopper, sent to site b with their cookies, the time from the kill
 * until their first successful checkout there; (c) the session changes lost: acknowledged cart
 * changes site b does not have, and how long before the kill the oldest of them was answered
 * (the bound stated: the write-behind delay plus the shipping across); (d) orders placed at site
 * a missing at site b. The references printed beside them are the bounds the configuration gives.
 * Arguments: {@code SHOPPERS LOAD_SECONDS STATE_DIR}.
 */
public final class SiteFailoverBenchmark {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEADLINE = Duration.ofMinutes(2);
    private static final long PAUSE_MS = 100;

    private SiteFailoverBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(SiteFailoverBenchmark::run, args);
    }

    /** One acknowledged cart: when site a answered it (System.nanoTime) and its lines. */
    private record Acked(long atNanos, Map<Long, Integer> lines) {
    }

    /** One shopper of site a: their client, the order they placed there, every cart they were answered. */
    private record Shopper(StoreClient client, long order, List<Acked> acked) {
    }

    /** What one shopper found at site b. */
    private record Outcome(long checkoutMillis, int changesLost, long oldestLostMillisBeforeKill, boolean orderKept) {
    }

    private static void run(String[] args) throws Exception {
        int shoppers = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int loadSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path state = Path.of(args.length > 2 ? args[2] : "var/bench-site-failover");
        try (TwoSites sites = TwoSites.start(state, Map.of())) {
            System.out.println("two sites up; site a holds the master; WAN relays 20 ms each way");
            awaitAnswer(sites, "b", List.of(TwoSites.A, TwoSites.B));
            List<Shopper> all = new ArrayList<>();
            for (int i = 0; i < shoppers; i++) {
                StoreClient c = StoreClient.at(sites.cluster("a").storeUri(), TIMEOUT);
                StoreAssertions.assertOk(c.post("api/customers", "{\"name\":\"S" + i + "\",\"email\":\"s" + i + "@example.org\"}"));
                StoreAssertions.assertOk(c.post("api/cart/items", "{\"productId\":11,\"quantity\":1}"));
                StoreClient.Reply placed = c.send("POST", "api/orders", null, null, Map.of("Idempotency-Key", "s" + i + "-1"));
                if (placed.status() != 201) {
                    throw new IllegalStateException("shopper " + i + " could not place an order at site a: " + placed);
                }
                all.add(new Shopper(c, placed.json().path("id").asLong(), java.util.Collections.synchronizedList(new ArrayList<>())));
            }
            AtomicBoolean shopping = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(shoppers);
            List<Future<?>> loops = new ArrayList<>();
            for (Shopper s : all) {
                loops.add(pool.submit(() -> shop(s, shopping)));
            }
            Thread.sleep(loadSeconds * 1000L);
            long t0 = System.nanoTime();
            int killed = sites.killSite("a", DEADLINE);
            shopping.set(false);
            awaitAnswer(sites, "b", List.of(TwoSites.B));
            long dnsMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
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
            int acked = all.stream().mapToInt(s -> s.acked().size()).sum();
            var settings = sites.config().sites().get(0).cluster();
            System.out.printf(Locale.ROOT, "%nsite a killed (%d processes) after %d s of %d shoppers adding to their carts every %d ms%n",
                    killed, loadSeconds, shoppers, PAUSE_MS);
            System.out.printf(Locale.ROOT, "(a) kill -> site b's DNS server answers b only: %d ms (bound: down-after-ms 2000 + 100 after"
                    + " the last successful probe; target 2000)%n", dnsMillis);
            System.out.printf(Locale.ROOT, "(b) kill -> first successful checkout at site b: first %d ms, p50 %d ms, max %d ms of %d shoppers"
                    + " (target 5000 + the TTL, 5 s)%n", FailoverBenchmark.percentile(checkouts, 0),
                    FailoverBenchmark.percentile(checkouts, 50), FailoverBenchmark.percentile(checkouts, 100), checkouts.size());
            System.out.printf(Locale.ROOT, "(c) session changes lost: %d of %d acknowledged; %d of %d shoppers with their last cart;"
                    + " the oldest lost change answered %d ms before the kill (bound: the write-behind delay, %d s, plus the shipping"
                    + " across)%n", lost, acked, sameCart, shoppers, oldestLost,
                    settings.sessionTable().isPresent() ? Integer.parseInt(settings.properties().getOrDefault(
                            "qos.session.table.write-delay-seconds", "1")) : 0);
            System.out.printf(Locale.ROOT, "(d) orders placed at site a missing at site b: %d of %d%n", ordersMissing, shoppers);
        }
    }

    /** Adds an item every {@link #PAUSE_MS} until told to stop (or site a stops answering). */
    private static void shop(Shopper s, AtomicBoolean shopping) {
        long product = 1;
        while (shopping.get()) {
            try {
                StoreClient.Reply r = s.client().post("api/cart/items", "{\"productId\":" + product + ",\"quantity\":1}");
                if (r.status() == 200) {
                    s.acked().add(new Acked(System.nanoTime(), StoreClient.cartLines(r.json())));
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


    private static void awaitAnswer(TwoSites sites, String site, List<String> expected) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < deadline) {
            try {
                last = sites.answer(site);
                if (last.equals(expected)) {
                    return;
                }
            } catch (java.io.IOException e) {
                last = List.of("no answer: " + e);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("site " + site + "'s DNS server answered " + last + ", not " + expected);
    }

}
