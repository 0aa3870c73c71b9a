package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qoscluster.contract.Codecs.assertMalformed;

import org.junit.jupiter.api.Test;

class ShippingTest {

    @Test
    void shouldKeepTheFormTheAgentWrites() {
        assertEquals("running|3", new Shipping(true, 3).encode());
        assertEquals("stopped|1", new Shipping(false, 1).encode());
    }

    @Test
    void shouldReadBackEveryGeneratedState() {
        Generated.forAll(r -> {
            Shipping s = new Shipping(r.nextBoolean(), Generated.count(r));
            assertEquals(s, Shipping.parse(s.encode()));
        });
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "agent shipping";
        assertMalformed(Shipping::parse, Shipping::decode, record, null, "there is no value");
        assertMalformed(Shipping::parse, Shipping::decode, record, "stopped", "1 field(s) where STATE|EPOCH has 2");
        assertMalformed(Shipping::parse, Shipping::decode, record, "paused|2", "state 'paused' is neither running nor stopped");
        assertMalformed(Shipping::parse, Shipping::decode, record, "stopped|", "epoch '' is not a whole number");
        assertMalformed(Shipping::parse, Shipping::decode, record, "stopped|-1", "epoch -1 is negative");
    }
}
