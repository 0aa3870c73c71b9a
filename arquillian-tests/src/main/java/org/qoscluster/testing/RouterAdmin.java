package org.qoscluster.testing;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.qoscluster.launcher.Cluster;

/** What tests ask of a running cluster's router and nodes besides the store: the admin endpoints, the nodes' test delay. */
public final class RouterAdmin {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RouterAdmin() {
    }

    /** The body of {@code GET /qrs/admin/WHAT} with the cluster's admin token; fails the test unless it is a 200. */
    public static String admin(Cluster cluster, String what) {
        try {
            HttpRequest r = HttpRequest.newBuilder(cluster.storeUri().resolve("qrs/admin/" + what))
                    .header("Authorization", "Bearer " + cluster.adminToken()).timeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new AssertionError("GET /qrs/admin/" + what + ": " + resp.statusCode() + " " + resp.body());
            }
            return resp.body();
        } catch (IOException e) {
            throw new AssertionError("admin endpoint failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Makes every answer of {@code node} wait {@code millis} ms (its test switch; 0 to stop). */
    public static void setDelay(Cluster cluster, String node, int millis) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(cluster.nodeUri(node).resolve("test/delay?millis=" + millis))
                .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        int status = HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 204) {
            throw new AssertionError("PUT test/delay on " + node + ": " + status);
        }
    }
}
