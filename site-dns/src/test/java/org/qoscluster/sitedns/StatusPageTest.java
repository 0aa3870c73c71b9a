package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** Reading a router's status page: only the status, {@code available} and an optional spare capacity count. */
class StatusPageTest {

    @Test
    void shouldTakeTwoHundredWithAvailableTrueAsUp() {
        StatusPage p = StatusPage.read(200, "{\"site\":\"a\",\"available\":true,\"router\":true,\"reasons\":[],"
                + "\"groups\":{\"g1\":{\"master\":\"db1\"}},\"healthyNodes\":2}");
        assertEquals(new StatusPage(true, OptionalLong.empty(), Optional.empty()), p);
        assertEquals(OptionalLong.of(40), StatusPage.read(200, "{\"available\":true,\"spareCapacity\":40}").spareCapacity());
    }

    @Test
    void shouldTakeEverythingElseAsAFailedProbeWithItsReason() {
        assertEquals("status 503", StatusPage.read(503, "{\"available\":false}").problem().orElseThrow());
        assertEquals("status 404", StatusPage.read(404, "not found").problem().orElseThrow());
        assertEquals("status 200 but \"available\" is false, not true",
                StatusPage.read(200, "{\"available\":false}").problem().orElseThrow());
        assertEquals("status 200 but \"available\" is null, not true",
                StatusPage.read(200, "{\"router\":true}").problem().orElseThrow());
        assertEquals("status 200 but \"available\" is \"true\", not true",
                StatusPage.read(200, "{\"available\":\"true\"}").problem().orElseThrow());
        for (String body : new String[] {"", "<html>", "[true]", "{\"available\":tru"}) {
            StatusPage p = StatusPage.read(200, body);
            assertFalse(p.available(), body);
            assertTrue(p.problem().orElseThrow().startsWith("status 200 but the body is not a JSON object"), p.toString());
        }
    }

    @Test
    void shouldIgnoreASpareCapacityThatIsNotAWholeNumberAtLeastZero() {
        for (String spare : new String[] {"-1", "1.5", "\"7\"", "null"}) {
            StatusPage p = StatusPage.read(200, "{\"available\":true,\"spareCapacity\":" + spare + "}");
            assertTrue(p.available(), spare);
            assertEquals(OptionalLong.empty(), p.spareCapacity(), spare);
        }
    }
}
