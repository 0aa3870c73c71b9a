package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** When an idle replica is asked whether it answers, and the time its watermark carries meanwhile. */
class IdleProofTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldAskAReplicaWithoutProofAtOnce() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        assertTrue(proof.due(T0));
        assertNull(proof.provenAt());
    }

    @Test
    void shouldKeepTheLastAnswersTimeUntilTheIntervalIsOverThenAskAgain() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        assertEquals(T0, proof.proven(T0));
        assertFalse(proof.due(T0.plusMillis(20)));
        assertFalse(proof.due(T0.plusMillis(999)));
        // The idle watermark carries the answer's time, not the round's: it ages while nobody asks.
        assertEquals(T0, proof.provenAt());
        assertTrue(proof.due(T0.plusMillis(1000)));
    }

    @Test
    void shouldCountAnApplyAsAnAnswer() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        proof.proven(T0);
        proof.proven(T0.plusMillis(900));
        assertFalse(proof.due(T0.plusMillis(1500)));
        assertEquals(T0.plusMillis(900), proof.provenAt());
    }

    @Test
    void shouldAskAgainAtOnceAfterTheReplicaWentDown() {
        IdleProof proof = new IdleProof(Duration.ofSeconds(1));
        proof.proven(T0);
        proof.forget();
        assertTrue(proof.due(T0.plusMillis(20)));
        assertNull(proof.provenAt());
    }

    @Test
    void shouldRefuseAnIntervalThatIsNotPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IdleProof(Duration.ZERO));
        assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
    }
}
