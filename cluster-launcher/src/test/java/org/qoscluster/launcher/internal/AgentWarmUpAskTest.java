package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's start asks the replication agent it starts to warm itself up; the ask is used up
 * by that agent, so one that replaces it after a crash ships at once.
 */
class AgentWarmUpAskTest {

    @Test
    void shouldBeTakenOnceByTheNextAgent(@TempDir Path state) {
        assertEquals(Optional.empty(), DatabaseParts.takeAgentWarmUp(state), "nobody asked");
        DatabaseParts.askAgentToWarmUp(state, Duration.ofSeconds(45));
        assertEquals(Optional.of(Duration.ofSeconds(45)), DatabaseParts.takeAgentWarmUp(state));
        assertEquals(Optional.empty(), DatabaseParts.takeAgentWarmUp(state), "an agent started again does not warm up");
    }

    @Test
    void shouldDropAnAskItCannotRead(@TempDir Path state) throws Exception {
        Files.writeString(state.resolve("agent-warm-up"), "soon");
        assertEquals(Optional.empty(), DatabaseParts.takeAgentWarmUp(state));
        assertFalse(Files.exists(state.resolve("agent-warm-up")), "dropped, not read again by the next agent");
    }
}
