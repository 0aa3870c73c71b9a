package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class GroupStateTest {

    @Test
    void aFailoverStartsTheNextEpochPromotingAndRemembersWhereTheOldMasterStopped() {
        GroupState first = GroupState.initial("master", 1000);
        GroupState promoting = first.promoting("replica-1", 4711, 2000);
        assertEquals(2, promoting.epoch());
        assertEquals("replica-1", promoting.master());
        assertFalse(promoting.open());
        assertEquals(4711, promoting.firstSequence());
        assertEquals(new GroupState.Promotion(2, "replica-1", "master", 4711), promoting.successorOf("master", 1).orElseThrow());
        assertTrue(promoting.successorOf("master", 2).isEmpty(), "master lost epoch 2's successor? it was not master then");
        GroupState open = promoting.opened(3000);
        assertTrue(open.open());
        assertEquals(2, open.epoch());
    }

    @Test
    void encodesAndDecodesEveryField() {
        GroupState s = GroupState.initial("master", 5).promoting("replica-2", 99, 6).opened(7).promoting("master", 120, 8);
        assertEquals(s, GroupState.decode(s.encode()).orElseThrow());
        assertEquals(GroupState.initial("m", 1), GroupState.decode(GroupState.initial("m", 1).encode()).orElseThrow());
    }

    @Test
    void malformedValuesAreRefusedNotGuessed() {
        assertTrue(GroupState.decode(null).isEmpty());
        assertTrue(GroupState.decode("1|master|OPEN|1|5").isEmpty());
        assertTrue(GroupState.decode("1|master|OPENED|1|5|").isEmpty());
        assertTrue(GroupState.decode("0|master|OPEN|1|5|").isEmpty());
        assertTrue(GroupState.decode("2|a b|OPEN|1|5|").isEmpty());
        assertTrue(GroupState.decode("2|a|OPEN|1|5|2:a:b").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new GroupState(1, "x|y", GroupState.Phase.OPEN, 1, 0, List.of()));
    }

    @Test
    void keepsOnlyTheLastPromotions() {
        GroupState s = GroupState.initial("a", 0);
        for (int i = 0; i < GroupState.HISTORY + 5; i++) {
            s = s.promoting(i % 2 == 0 ? "b" : "a", i + 1, i).opened(i);
        }
        assertEquals(GroupState.HISTORY, s.history().size());
        assertEquals(s.epoch(), s.history().get(GroupState.HISTORY - 1).epoch());
    }
}
