package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;

/**
 * A start reports ready once the agent has readied every replica for a promotion, as a node's
 * group status tells it ({@link GroupStatusView}, {@link Readiness#awaitReplicasReadied}).
 */
class ReadinessReadiedTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A group status of epoch 2, master {@code node-a}'s copy {@code master}, with the timeline's events of epoch 2 and of epoch 1. */
    private static JsonNode status(List<String> epoch2, List<String> epoch1) throws IOException {
        StringBuilder b = new StringBuilder("{\"epoch\":2,\"master\":\"master\",\"copies\":{\"master\":{},\"replica-1\":{},\"replica-2\":{}},"
                + "\"timeline\":{\"2\":[");
        events(b, epoch2);
        b.append("],\"1\":[");
        events(b, epoch1);
        return JSON.readTree(b.append("]}}").toString());
    }

    private static void events(StringBuilder b, List<String> events) {
        for (int i = 0; i < events.size(); i++) {
            b.append(i > 0 ? "," : "").append("{\"source\":\"agent\",\"event\":\"").append(events.get(i)).append("\",\"millis\":").append(1000 + i).append('}');
        }
    }

    @Test
    void shouldCallTheReplicasReadiedOnlyWhenEveryReplicaButTheMasterIsInTheCurrentEpoch() throws IOException {
        assertTrue(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1", "replica-readied:replica-2"), List.of()), Map.of()));
        assertFalse(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1"), List.of()), Map.of()),
                "replica-2 has not been readied");
        assertFalse(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1"), List.of("replica-readied:replica-2")), Map.of()),
                "replica-2 was readied in an earlier epoch only");
        assertFalse(GroupStatusView.replicasReadied(status(List.of("replica-following", "first-shipped"), List.of()), Map.of()));
        assertFalse(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1", "replica-readied:replica-2"), List.of()),
                Map.of("replica-2", 5000L)), "replica-2's readying came before the time asked for");
        // Only the copies asked about: a copy of another site that has not started yet does not hold a start back.
        assertTrue(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1"), List.of()), List.of("master", "replica-1")));
        assertFalse(GroupStatusView.replicasReadied(status(List.of("replica-readied:replica-1"), List.of()), List.of("replica-1", "replica-3")),
                "replica-3 is not in the group");
    }

    @Test
    void shouldWaitUntilANodesGroupStatusShowsEveryReplicaReadiedAskingWithTheAdminToken() throws IOException {
        List<String> events = new CopyOnWriteArrayList<>(List.of("replica-readied:replica-1"));
        List<String> tokens = new CopyOnWriteArrayList<>();
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/qos-group/status", exchange -> {
            tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (asked.incrementAndGet() == 3) {
                events.add("replica-readied:replica-2"); // the third answer is the first to show replica-2 readied
            }
            byte[] body = status(List.copyOf(events), List.of()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/qos-group/status");
            // A clock that never reaches the limit: only the status ends the wait.
            Readiness readiness = new Readiness(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), "secret");
            assertNull(readiness.awaitReplicasReadied(List.of(uri), "the-token", List.of("replica-1", "replica-2"), Instant.EPOCH.plusSeconds(60)));
            assertEquals(3, asked.get(), "asked until replica-2 was readied, and no more");
            assertTrue(tokens.stream().allMatch("Bearer the-token"::equals), tokens.toString());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void shouldGiveUpAtItsLimitSayingWhatWasMissingWithoutFailingTheStart() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/qos-group/status", exchange -> {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/qos-group/status");
            // A clock already past the limit: one round of asking, then the answer.
            Readiness readiness = new Readiness(Clock.fixed(Instant.EPOCH.plusSeconds(61), ZoneOffset.UTC), "secret");
            String missing = readiness.awaitReplicasReadied(List.of(uri), "wrong", List.of("replica-1"), Instant.EPOCH.plusSeconds(60));
            assertEquals(uri + " answered 401", missing);
        } finally {
            server.stop(0);
        }
    }
}
