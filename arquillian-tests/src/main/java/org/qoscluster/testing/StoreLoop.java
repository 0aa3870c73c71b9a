package org.qoscluster.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that reads the store through the router ({@code api/products?limit=1}) on a thread of
 * its own until closed, recording every answer that is not a 200: what a shopper would have seen
 * while something else happened to the cluster (a deployment, an undeployment).
 */
public final class StoreLoop implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger served = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Thread thread;

    /** Starts reading the store at {@code router} (the cluster's {@code storeUri()}). */
    public StoreLoop(URI router) {
        URI products = router.resolve("api/products?limit=1");
        thread = new Thread(() -> {
            while (!stop.get()) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(products).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        served.incrementAndGet();
                    } else {
                        failures.add(r.statusCode() + " " + r.headers().firstValue("X-QoS-Node").orElse("") + " " + r.body());
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add(e.toString());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "store-loop");
        thread.start();
    }

    /** Stops the loop; the answers that were not a 200 (none when the store served throughout). */
    public List<String> failures() {
        close();
        return List.copyOf(failures);
    }

    /** How many reads were answered with a 200. */
    public int served() {
        return served.get();
    }

    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
