package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.contract.Codecs.assertMalformed;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class StateChangeFlagTest {

    private static final String UID = "AbCdEfGhIjKlMnOpQrSt_-";

    @Test
    void shouldReadBackTheAnnouncedUidAndFlag() {
        StateChangeFlag flag = new StateChangeFlag("node-2", 42, 1_700_000_000_000L);
        String header = flag.announce(UID);
        assertEquals(UID + " node-2|42|1700000000000", header);
        assertEquals(Optional.of(new StateChangeFlag.Announced(UID, flag)), StateChangeFlag.announced(header));
    }

    @Test
    void shouldIgnoreMalformedAnnouncements() {
        for (String bad : new String[] {null, "", UID, UID + " ", " node-1|1|1", UID + " node-1|1", UID + " NODE|1|1",
                UID + " node-1|-1|1", "a b node-1|1|1", "ünï node-1|1|1", UID + " node-1|1|1|1"}) {
            assertTrue(StateChangeFlag.announced(bad).isEmpty(), "'" + bad + "'");
        }
    }

    @Test
    void shouldRefuseToAnnounceForSomethingThatIsNoUid() {
        StateChangeFlag flag = new StateChangeFlag("node-1", 1, 1);
        assertThrows(IllegalArgumentException.class, () -> flag.announce("two words"));
        assertThrows(IllegalArgumentException.class, () -> flag.announce(null));
    }

    @Test
    void shouldReadBackEveryGeneratedFlagAndItsAnnouncement() {
        Generated.forAll(r -> {
            StateChangeFlag f = new StateChangeFlag(Generated.node(r), Generated.count(r), Generated.count(r));
            assertEquals(f, StateChangeFlag.parse(f.encode()));
            String uid = Generated.text(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 1 + r.nextInt(64));
            assertEquals(new StateChangeFlag.Announced(uid, f), StateChangeFlag.announced(f.announce(uid)).orElseThrow());
        });
    }

    @Test
    void shouldRefuseANodeNameWithASeparatorSoNoValueIsAmbiguous() {
        Generated.forAll(r -> org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new StateChangeFlag(Generated.withSeparator(r, Generated.node(r)), 1, 1)));
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "state-change flag";
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, null, "there is no value");
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, "node-1|5", "2 field(s) where NODE|SEQUENCE|EPOCH_MILLIS has 3");
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, "node-1|five|9", "sequence 'five' is not a whole number");
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, "node-1|5|", "time '' is not a whole number");
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, "Node 1|5|9", "'Node 1' is not a node name");
        assertMalformed(StateChangeFlag::parse, StateChangeFlag::decode, record, "node-1|-5|9", "must not be negative");
    }
}
