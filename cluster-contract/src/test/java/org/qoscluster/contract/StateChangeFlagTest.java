package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
