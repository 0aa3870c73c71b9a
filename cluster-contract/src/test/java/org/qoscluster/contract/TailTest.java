package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qoscluster.contract.Codecs.assertMalformed;

import org.junit.jupiter.api.Test;

class TailTest {

    @Test
    void shouldKeepTheFormTheAgentWrites() {
        assertEquals("2|17|1000", new Tail(2, 17, 1000).encode());
    }

    @Test
    void shouldReadBackEveryGeneratedTail() {
        Generated.forAll(r -> {
            Tail t = new Tail(Generated.count(r), Generated.count(r), Generated.count(r));
            assertEquals(t, Tail.parse(t.encode()));
        });
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "asynchronous tail";
        assertMalformed(Tail::parse, Tail::decode, record, null, "there is no value");
        assertMalformed(Tail::parse, Tail::decode, record, "2|17", "2 field(s) where EPOCH|CHANGES|EPOCH_MILLIS has 3");
        assertMalformed(Tail::parse, Tail::decode, record, "2|many|1000", "changes 'many' is not a whole number");
        assertMalformed(Tail::parse, Tail::decode, record, "2|17|99999999999999999999", "time '99999999999999999999'");
        assertMalformed(Tail::parse, Tail::decode, record, "-2|17|1000", "must not be negative");
    }
}
