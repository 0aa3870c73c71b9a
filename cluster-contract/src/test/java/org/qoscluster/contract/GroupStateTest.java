package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.contract.Codecs.assertMalformed;

import java.util.List;

import org.junit.jupiter.api.Test;

class GroupStateTest {

    private static final List<GroupState.Copy> COPIES =
            List.of(copy("master", 1), copy("replica-1", 2), copy("replica-2", 3));

    private static GroupState.Copy copy(String name, int number) {
        return new GroupState.Copy(name, "127.0.0.1", 1526 + number + (name.equals("replica-3") ? 1 : 0), number);
    }

    @Test
    void aFailoverStartsTheNextEpochPromotingAndRemembersWhereTheOldMasterStopped() {
        GroupState first = GroupState.initial("master", COPIES, 1000);
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
        GroupState s = GroupState.initial("master", COPIES, 5).promoting("replica-2", 99, 6).opened(7).promoting("master", 120, 8);
        assertEquals(s, GroupState.decode(s.encode()).orElseThrow());
        assertEquals(GroupState.initial("master", COPIES.subList(0, 1), 1), GroupState.decode(GroupState.initial("master", COPIES.subList(0, 1), 1).encode()).orElseThrow());
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
        assertTrue(GroupState.decode("1|b|OPEN|1|5|" + a).isEmpty(), "a master that is not a copy");
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/h/1527/1,b/h/1528/1|running").isEmpty(), "two copies, one number");
        assertTrue(GroupState.decode("1|a|OPEN|1|5||a/h/1527/1,b/h/1527/2|running").isEmpty(), "two copies, one address");
        assertThrows(IllegalArgumentException.class,
                () -> new GroupState(1, "x|y", GroupState.Phase.OPEN, 1, 0, List.of(), COPIES, false));
    }

    @Test
    void copiesComeAndGoWithNumbersNeverSharedAndTheStopSurvivesPromotions() {
        GroupState s = GroupState.initial("master", COPIES, 0);
        assertEquals(4, s.nextCopyNumber());
        GroupState more = s.withCopy(copy("replica-3", s.nextCopyNumber()));
        assertEquals(List.of("master", "replica-1", "replica-2", "replica-3"), more.copyNames());
        assertEquals(1531, more.copy("replica-3").orElseThrow().port());
        GroupState fewer = more.withoutCopy("replica-1");
        assertEquals(List.of("master", "replica-2", "replica-3"), fewer.copyNames());
        assertEquals(5, fewer.nextCopyNumber());
        assertThrows(IllegalArgumentException.class, () -> fewer.withoutCopy("master"), "the master must stay a copy");
        assertThrows(IllegalArgumentException.class, () -> fewer.withCopy(copy("replica-2", 9)), "a second replica-2");
        GroupState stopped = fewer.withStopped(true);
        assertTrue(stopped.stopped());
        assertEquals(stopped, GroupState.decode(stopped.encode()).orElseThrow());
        assertTrue(stopped.promoting("replica-2", 5, 1).stopped());
        assertEquals(fewer.copies(), stopped.promoting("replica-2", 5, 1).copies());
    }

    @Test
    void keepsOnlyTheLastPromotions() {
        GroupState s = GroupState.initial("a", List.of(copy("a", 1), copy("b", 2)), 0);
        for (int i = 0; i < GroupState.HISTORY + 5; i++) {
            s = s.promoting(i % 2 == 0 ? "b" : "a", i + 1, i).opened(i);
        }
        assertEquals(GroupState.HISTORY, s.history().size());
        assertEquals(s.epoch(), s.history().get(GroupState.HISTORY - 1).epoch());
    }

    private static GroupState generated(java.util.Random r) {
        List<GroupState.Copy> copies = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        int count = 1 + r.nextInt(5);
        while (copies.size() < count) {
            String name = Generated.name(r);
            if (names.add(name)) {
                String host = Generated.text(r, "abcdefghijklmnopqrstuvwxyz0123456789.-", 1 + r.nextInt(30));
                copies.add(new GroupState.Copy(name, host, 1 + copies.size() * 10_000 + r.nextInt(10_000), copies.size() + 1 + r.nextInt(3) * 100));
            }
        }
        List<GroupState.Promotion> history = new java.util.ArrayList<>();
        for (int i = r.nextInt(GroupState.HISTORY + 3); i > 0; i--) {
            history.add(new GroupState.Promotion(1 + r.nextInt(1000), Generated.name(r), Generated.name(r), Generated.count(r)));
        }
        return new GroupState(1 + (Generated.count(r) % Long.MAX_VALUE), copies.get(r.nextInt(count)).name(),
                List.of(GroupState.Phase.DRAINING, GroupState.Phase.PROMOTING, GroupState.Phase.OPEN).get(r.nextInt(3)), 1 + (Generated.count(r) % Long.MAX_VALUE), Generated.count(r),
                history, copies, r.nextBoolean());
    }

    @Test
    void shouldReadBackEveryGeneratedState() {
        Generated.forAll(r -> {
            GroupState s = generated(r);
            assertEquals(s, GroupState.parse(s.encode()));
        });
    }

    @Test
    void shouldReadBackACopyAtAnIpv6Address() {
        GroupState.Copy v6 = new GroupState.Copy("replica-1", "fd00:213::3", 1528, 2);
        GroupState s = new GroupState(1, "master", GroupState.Phase.OPEN, 1, 0, List.of(),
                List.of(new GroupState.Copy("master", "fd00:213::2", 1527, 1), v6), false);
        assertEquals(s, GroupState.parse(s.encode()));
    }

    @Test
    void shouldRefuseNamesAndHostsWithASeparatorSoNoValueIsAmbiguous() {
        Generated.forAll(r -> {
            String bad = Generated.withSeparator(r, Generated.name(r));
            assertThrows(IllegalArgumentException.class, () -> new GroupState.Copy(bad, "h", 1527, 1), bad);
            // A colon belongs to an IPv6 address; the copies field is never split at colons.
            String badHost = bad.replace(':', '|');
            assertThrows(IllegalArgumentException.class, () -> new GroupState.Copy("a", badHost, 1527, 1), badHost);
            assertThrows(IllegalArgumentException.class, () -> new GroupState.Promotion(2, bad, "a", 1), bad);
            assertThrows(IllegalArgumentException.class, () -> new GroupState.Promotion(2, "a", bad, 1), bad);
        });
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "group state";
        String a = "|a/127.0.0.1/1527/1|running";
        assertMalformed(GroupState::parse, GroupState::decode, record, null, "there is no value");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5", "5 field(s) where EPOCH|MASTER|PHASE");
        assertMalformed(GroupState::parse, GroupState::decode, record, "x|a|OPEN|1|5|" + a, "epoch 'x' is not a whole number");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPENED|1|5|" + a, "phase 'OPENED' is not one of");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5|2:a:b" + a, "'2:a:b' has 3 field(s)");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5|2:a:b:s" + a, "promotion sequence 's'");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5||a/127.0.0.1:1527/1|running",
                "where NAME/HOST/PORT/NUMBER has 4");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5||a/h/p/1|running", "copy port 'p'");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5||a/h/99999/1|running", "port 99999 is not in 1..65535");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|a|OPEN|1|5||a/h/1527/1|paused", "'paused' is neither running nor stopped");
        assertMalformed(GroupState::parse, GroupState::decode, record, "1|b|OPEN|1|5|" + a, "master b is not a copy");
    }
}
