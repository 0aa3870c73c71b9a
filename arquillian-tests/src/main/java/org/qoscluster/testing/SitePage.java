package org.qoscluster.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The router's public site page, {@code GET /qrs/site}, as a site DNS server polls it: its status
 * (200 available, 503 not) and its JSON.
 */
public final class SitePage {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** One answer of the page. */
    public record Reply(int status, JsonNode body) {

        public boolean available() {
            return body.path("available").asBoolean();
        }

        /** The reasons the site is not available, in the page's order. */
        public List<String> reasons() {
            List<String> out = new ArrayList<>();
            body.path("reasons").forEach(r -> out.add(r.asText()));
            return out;
        }

        /** The verdict on one redundancy group ({@code databases[]}), if the page has one. */
        public Optional<JsonNode> database(String group) {
            for (JsonNode g : body.path("databases")) {
                if (group.equals(g.path("group").asText())) {
                    return Optional.of(g);
                }
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private SitePage() {
    }

    /** The page of the router at {@code router} (its base URI) now. */
    public static Reply get(URI router) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(router.resolve("qrs/site")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()));
    }

    /** Polls the page until {@code done} holds; fails naming the last answer after {@code within}. */
    public static Reply await(URI router, Predicate<Reply> done, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Reply last = null;
        String failure = null;
        while (true) {
            try {
                last = get(router);
                failure = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                failure = e.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + within.toSeconds() + " s; the site page last said "
                        + (failure != null ? failure : last));
            }
            Thread.sleep(100);
        }
    }
}
