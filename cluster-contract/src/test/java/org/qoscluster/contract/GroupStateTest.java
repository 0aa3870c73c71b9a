package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class GroupStateTest {

    private static final List<GroupState.Member> MEMBERS =
            List.of(member("master", 1), member("replica-1", 2), member("replica-2", 3));

    private static GroupState.Member member(String name, int number) {
        return new GroupState.Member(name, "127.0.0.1", 1526 + number + (name.equals("replica-3") ? 1 : 0), number);
    }

    @Test
    void aFailoverStartsTheNextEpochPromotingAndRemembersWhereTheOldMasterStopped() {
        GroupState first = GroupState.initial("master", MEMBERS, 1000);
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
        GroupState s = GroupState.initial("master", MEMBERS, 5).promoting("replica-2", 99, 6).opened(7).promoting("master", 120, 8);
        assertEquals(s, GroupState.decode(s.encode()).orElseThrow());
        assertEquals(GroupState.initial("master", MEMBERS.subList(0, 1), 1), GroupState.decode(GroupState.initial("master", MEMBERS.subList(0, 1), 1).encode()).orElseThrow());
    }

    @Test
    void malformedValuesAreRefusedNotGuessed() {
        assertTrue(GroupState.decode(null).isEmpty());
        String a = "|a/127.0.0.1/1527/1|running";
        assertTrue(GroupState.decode("1|a|OPEN|1|5|" + a).isPresent());
        assertTrue(GroupState.decode("1|a|OPEN|1|5").isEmpty());
        assertTrue(GroupState.decode("1|a|OPENED|1|5|" + a).isEmpty());
        assertTrue(GroupState.decode("0|a|OPEN|1|5|" + a).isEmpty());
        assertTrue(GroupState.decode("2|a b|OPEN|1|5|" + a).isEmpty());
        assertTrue(GroupState.decode("2|a|OPEN|1|5|2:a:b" + a).isEmpty());
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/127.0.0.1/1527/1|paused").isEmpty());
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/127.0.0.1/99999/1|running").isEmpty(), "port out of range");
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/127.0.0.1:1527/1|running").isEmpty());
        assertTrue(GroupState.decode("1|b|OPEN|1|5|" + a).isEmpty(), "a master that is not a member");
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/h/1527/1,b/h/1528/1|running").isEmpty(), "two members, one number");
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/h/1527/1,b/h/1527/2|running").isEmpty(), "two members, one address");
        assertThrows(IllegalArgumentException.class,
                () -> new GroupState(1, "x|y", GroupState.Phase.OPEN, 1, 0, List.of(), MEMBERS, false));
    }

    @Test
    void membersComeAndGoWithNumbersNeverSharedAndTheStopSurvivesPromotions() {
        GroupState s = GroupState.initial("master", MEMBERS, 0);
        assertEquals(4, s.nextMemberNumber());
        GroupState more = s.withMember(member("replica-3", s.nextMemberNumber()));
        assertEquals(List.of("master", "replica-1", "replica-2", "replica-3"), more.memberNames());
        assertEquals(1531, more.member("replica-3").orElseThrow().port());
        GroupState fewer = more.withoutMember("replica-1");
        assertEquals(List.of("master", "replica-2", "replica-3"), fewer.memberNames());
        assertEquals(5, fewer.nextMemberNumber());
        assertThrows(IllegalArgumentException.class, () -> fewer.withoutMember("master"), "the master must stay a member");
        assertThrows(IllegalArgumentException.class, () -> fewer.withMember(member("replica-2", 9)), "a second replica-2");
        GroupState stopped = fewer.withStopped(true);
        assertTrue(stopped.stopped());
        assertEquals(stopped, GroupState.decode(stopped.encode()).orElseThrow());
        assertTrue(stopped.promoting("replica-2", 5, 1).stopped());
        assertEquals(fewer.members(), stopped.promoting("replica-2", 5, 1).members());
    }

    @Test
    void keepsOnlyTheLastPromotions() {
        GroupState s = GroupState.initial("a", List.of(member("a", 1), member("b", 2)), 0);
        for (int i = 0; i < GroupState.HISTORY + 5; i++) {
            s = s.promoting(i % 2 == 0 ? "b" : "a", i + 1, i).opened(i);
        }
        assertEquals(GroupState.HISTORY, s.history().size());
        assertEquals(s.epoch(), s.history().get(GroupState.HISTORY - 1).epoch());
    }
}
