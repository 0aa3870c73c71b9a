package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.contract.Codecs.assertMalformed;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ReplicaWatermarkTest {

    @Test
    void shouldRoundTripAndCoverOnlyWritesBelowItsSequence() {
        ReplicaWatermark w = new ReplicaWatermark("store", 3, 120, 1_700_000_000_000L, 35);
        assertEquals(Optional.of(w), ReplicaWatermark.decode(w.encode()));
        assertTrue(w.covers("store", 3, 119));
        assertFalse(w.covers("store", 3, 120));
    }

    @Test
    void shouldCoverNoWriteOfAnotherGroupOrEpochWhateverItsSequence() {
        ReplicaWatermark archive = new ReplicaWatermark("archive", 1, 5_000, 1, 0);
        assertFalse(archive.covers("store", 1, 10), "another group numbers its changes on its own");
        ReplicaWatermark earlier = new ReplicaWatermark("store", 1, 5_000, 1, 0);
        assertFalse(earlier.covers("store", 2, 10), "a watermark left from an earlier epoch");
        assertFalse(new ReplicaWatermark("store", 3, 5_000, 1, 0).covers("store", 2, 10), "nor from a later one");
    }

    @Test
    void shouldReadAMalformedValueAsNone() {
        for (String bad : new String[] {null, "", "1|2", "a|2|3", "1|2|3", "store|1|2|3", "store|1|-1|2|3",
                "store|x|1|2|3", "st ore|1|1|2|3", "|1|1|2|3", "store|1|1|2|3|4"}) {
            assertEquals(Optional.empty(), ReplicaWatermark.decode(bad), String.valueOf(bad));
        }
    }

    @Test
    void shouldReadBackEveryGeneratedWatermark() {
        Generated.forAll(r -> {
            ReplicaWatermark w = new ReplicaWatermark(Generated.name(r), Generated.count(r), Generated.count(r),
                    Generated.count(r), Generated.count(r));
            assertEquals(w, ReplicaWatermark.parse(w.encode()));
        });
    }

    @Test
    void shouldRefuseAGroupNameWithASeparatorSoNoValueIsAmbiguous() {
        Generated.forAll(r -> org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ReplicaWatermark(Generated.withSeparator(r, Generated.name(r)), 1, 1, 1, 0)));
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "replica watermark";
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, null, "there is no value");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "1|2", "2 field(s) where GROUP|EPOCH|SEQUENCE");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "store|1|1|2|3|4", "6 field(s)");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "store|x|1|2|3", "epoch 'x' is not a whole number");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "store|1|1|2|", "lag '' is not a whole number");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "store|1|-1|2|3", "must not be negative");
        assertMalformed(ReplicaWatermark::parse, ReplicaWatermark::decode, record, "st ore|1|1|2|3", "'st ore' is not a group name");
    }
}
