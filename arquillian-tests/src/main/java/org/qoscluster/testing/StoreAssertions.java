package org.qoscluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

/** The checks a user of the store API would make, in one place. */
public final class StoreAssertions {

    private StoreAssertions() {
    }

    /** A 2xx reply with a JSON body; returns the body. */
    public static JsonNode assertOk(StoreClient.Reply reply) {
        assertTrue(reply.status() >= 200 && reply.status() < 300, () -> "expected success, got " + reply);
        assertTrue(reply.contentType().startsWith("application/json"), () -> "expected JSON, got " + reply);
        return reply.json();
    }

    /** An error reply with this status whose JSON {@code error} mentions {@code fragment}. */
    public static void assertError(StoreClient.Reply reply, int status, String fragment) {
        assertEquals(status, reply.status(), () -> "wrong status: " + reply);
        assertTrue(reply.contentType().startsWith("application/json"), () -> "expected a JSON error, got " + reply);
        JsonNode json = reply.json();
        assertEquals(status, json.path("status").asInt(), () -> "error body without its status: " + reply);
        assertTrue(json.path("error").asText().contains(fragment),
                () -> "error should mention '" + fragment + "': " + reply);
    }
}
