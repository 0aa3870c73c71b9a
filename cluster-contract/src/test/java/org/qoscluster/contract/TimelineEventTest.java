package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.contract.Codecs.assertMalformed;

import org.junit.jupiter.api.Test;

class TimelineEventTest {

    @Test
    void shouldKeepTheFormTheGroupServiceWrites() {
        TimelineEvent e = new TimelineEvent("store", 2, "node-1", "open", 1000);
        assertEquals("store|2|node-1|open|1000", e.encode());
        assertEquals("store|2|node-1|open", e.key());
    }

    @Test
    void shouldReadBackEveryGeneratedEvent() {
        Generated.forAll(r -> {
            TimelineEvent e = new TimelineEvent(Generated.name(r), Math.max(1, Generated.count(r)), Generated.node(r), Generated.name(r),
                    Generated.count(r));
            assertEquals(e, TimelineEvent.parse(e.encode()));
        });
    }

    @Test
    void shouldRefuseANameThatWouldBreakTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TimelineEvent("store", 2, "node|1", "open", 1000));
        assertTrue(e.getMessage().contains("source 'node|1'"), e.getMessage());
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "timeline event";
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, null, "there is no value");
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, "store|2|node-1|open",
                "4 field(s) where GROUP|EPOCH|SOURCE|EVENT|EPOCH_MILLIS has 5");
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, "store|two|node-1|open|1000", "epoch 'two' is not a whole number");
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, "store|2|node-1|open|soon", "time 'soon' is not a whole number");
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, "store|0|node-1|open|1000", "epoch must be at least 1");
        assertMalformed(TimelineEvent::parse, TimelineEvent::decode, record, "store|2||open|1000", "source '' must be a name");
    }
}
