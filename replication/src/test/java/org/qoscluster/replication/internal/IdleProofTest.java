package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** When an idle replica is asked whether it answers, and the time its watermark carries meanwhile. */
class IdleProofTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldAskAReplicaWithoutProofAtOnce() {
        assertEquals(Optional.empty(), new IdleProof(Duration.ofSeconds(1)).holding(T0));
    }

    @Test
    void shouldCarryTheLastAnswersTimeUntilTheIntervalIsOverThenAskAgain() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        assertEquals(T0, proof.proven(T0));
        // The idle watermark carries the answer's time, not the round's: it ages while nobody asks.
        assertEquals(Optional.of(T0), proof.holding(T0.plusMillis(20)));
        assertEquals(Optional.of(T0), proof.holding(T0.plusMillis(999)));
        assertEquals(Optional.empty(), proof.holding(T0.plusMillis(1000)));
    }

    @Test
    void shouldCountAnApplyAsAnAnswer() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        proof.proven(T0);
        proof.proven(T0.plusMillis(900));
        assertEquals(Optional.of(T0.plusMillis(900)), proof.holding(T0.plusMillis(1500)));
    }

    @Test
    void shouldAskAgainAtOnceAfterTheReplicaWentDown() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        proof.proven(T0);
        proof.forget();
        assertEquals(Optional.empty(), proof.holding(T0.plusMillis(20)));
    }

    @Test
    void shouldRefuseAnIntervalThatIsNotPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IdleProof(Duration.ZERO));
        assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
    }
}
