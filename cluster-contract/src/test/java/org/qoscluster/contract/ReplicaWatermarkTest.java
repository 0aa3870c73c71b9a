package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ReplicaWatermarkTest {

    @Test
    void shouldRoundTripAndCoverOnlyWritesBelowItsSequence() {
        ReplicaWatermark w = new ReplicaWatermark(120, 1_700_000_000_000L, 35);
        assertEquals(Optional.of(w), ReplicaWatermark.decode(w.encode()));
        assertTrue(w.covers(119));
        assertFalse(w.covers(120));
    }

    @Test
    void shouldReadAMalformedValueAsNone() {
        for (String bad : new String[] {null, "", "1|2", "a|2|3", "1|2|3|4", "-1|2|3"}) {
            assertEquals(Optional.empty(), ReplicaWatermark.decode(bad), String.valueOf(bad));
        }
    }
}
