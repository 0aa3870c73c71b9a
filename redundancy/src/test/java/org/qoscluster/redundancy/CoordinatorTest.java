package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.GroupState;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/** The coordinator's decisions, over an in-memory shared state and hand-written copies. */
class CoordinatorTest {

    private static final List<GroupState.Copy> COPIES = List.of(new GroupState.Copy("master", "127.0.0.1", 1527, 1),
            new GroupState.Copy("replica-1", "127.0.0.1", 1528, 2), new GroupState.Copy("replica-2", "127.0.0.1", 1529, 3));
    private static final Map<String, CopyHealth> ALL_UP = Map.of("master", CopyHealth.AVAILABLE,
            "replica-1", CopyHealth.AVAILABLE, "replica-2", CopyHealth.AVAILABLE);

    /** The shared map, with compare-and-set as Hazelcast's replace does it. */
    static final class MemoryStore implements Coordinator.Store {
        GroupState state;
        final Map<String, Long> fences = new HashMap<>();

        @Override
        public Optional<GroupState> state() {
            return Optional.ofNullable(state);
        }

        @Override
        public boolean create(GroupState initial) {
            if (state != null) {
                return false;
            }
            state = initial;
            return true;
        }

        @Override
        public boolean replace(GroupState expected, GroupState next) {
            if (!expected.equals(state)) {
                return false;
            }
            state = next;
            return true;
        }

        @Override
        public Map<String, Long> fences() {
            return fences;
        }

        final Map<String, org.qoscluster.contract.ReplicaWatermark> watermarks = new HashMap<>();

        @Override
        public Map<String, org.qoscluster.contract.ReplicaWatermark> watermarks() {
            return watermarks;
        }

        Coordinator.Request request;
        final Map<String, String> answers = new HashMap<>();
        private int ids;

        void ask(Coordinator.Kind kind, String argument) {
            request = new Coordinator.Request("r" + ++ids, kind, argument);
        }

        /** The answer to the last request: {@code STATUS message}. */
        String answer() {
            return answers.get("r" + ids);
        }

        @Override
        public Optional<Coordinator.Request> takeRequest() {
            Optional<Coordinator.Request> r = Optional.ofNullable(request);
            request = null;
            return r;
        }

        @Override
        public void answer(Coordinator.Request r, int status, String message) {
            answers.put(r.id(), status + " " + message);
        }

        /** The timeline: {@code EPOCH event} to when. */
        final Map<String, Long> timeline = new java.util.LinkedHashMap<>();

        @Override
        public void timeline(long epoch, String event, long epochMillis) {
            timeline.put(epoch + " " + event, epochMillis);
        }
    }

    /** Copies with an epoch and a watermark each; promotions recorded; a copy may refuse. */
    static final class Copies implements Coordinator.Copies {
        final Map<String, Dialect.CopyEpoch> epochs = new HashMap<>();
        final Map<String, Long> lows = new HashMap<>();
        final List<ReplicationAgent.Epoch> promoted = new ArrayList<>();
        boolean failPromotion;
        final Map<String, Long> next = new HashMap<>();

        final java.util.Set<String> down = new java.util.HashSet<>();
        /** Run once the copies' standings are read, before the coordinator looks at the published watermarks; or null. */
        Runnable afterStandings;

        @Override
        public Map<String, Coordinator.Standing> standings(List<GroupState.Copy> list) {
            Map<String, Coordinator.Standing> read = Coordinator.Copies.super.standings(list);
            if (afterStandings != null) {
                afterStandings.run();
            }
            return read;
        }

        @Override
        public long nextSequence(GroupState.Copy master) {
            return next.getOrDefault(master.name(), 1L);
        }

        /** Copies whose epoch and watermark cannot be read (a read that times out). */
        final java.util.Set<String> unreadable = new java.util.HashSet<>();

        @Override
        public Optional<Dialect.CopyEpoch> epoch(GroupState.Copy copy) throws SQLException {
            if (unreadable.contains(copy.name())) {
                throw new SQLException("read timed out");
            }
            return Optional.ofNullable(epochs.get(copy.name()));
        }

        @Override
        public OptionalLong watermark(GroupState.Copy copy) {
            Long low = lows.get(copy.name());
            return low == null ? OptionalLong.empty() : OptionalLong.of(low);
        }

        @Override
        public void promote(GroupState.Copy copy, ReplicationAgent.Epoch epoch) throws SQLException {
            if (failPromotion) {
                throw new SQLException("connection refused");
            }
            promoted.add(epoch);
            epochs.put(copy.name(), new Dialect.CopyEpoch(epoch.number(), copy.name()));
        }

        @Override
        public void forgetWatermark(GroupState.Copy copy) throws SQLException {
            if (down.contains(copy.name())) {
                throw new SQLException("Connection refused");
            }
            lows.remove(copy.name());
        }
    }

    private final MemoryStore store = new MemoryStore();
    private final Copies copies = new Copies();
    private final ManualClock clock = new ManualClock(1_000_000);
    private final long[] now = clock.now;

    private Coordinator coordinator() {
        return new Coordinator(GroupState.DEFAULT_GROUP, COPIES, "master", store, copies, clock, Duration.ofSeconds(2), Duration.ofSeconds(4));
    }

    private Map<String, CopyHealth> masterDown() {
        Map<String, CopyHealth> s = new HashMap<>(ALL_UP);
        s.put("master", CopyHealth.UNAVAILABLE);
        return s;
    }

    private void epoch1Replicas(long low1, long low2) {
        copies.epochs.put("master", new Dialect.CopyEpoch(1, "master"));
        copies.epochs.put("replica-1", new Dialect.CopyEpoch(1, "master"));
        copies.epochs.put("replica-2", new Dialect.CopyEpoch(1, "master"));
        copies.lows.put("replica-1", low1);
        copies.lows.put("replica-2", low2);
        store.state = GroupState.initial("master", COPIES, 0);
    }

    @Test
    void startsAtEpochOneWithTheConfiguredMasterWhenNoCopyRecordsAnEpoch() {
        GroupState s = coordinator().step(ALL_UP).orElseThrow();
        assertEquals(GroupState.initial("master", COPIES, now[0]), s);
    }

    @Test
    void startsFromTheNewestEpochTheCopiesRecordAfterTheWholeClusterRestarted() {
        copies.epochs.put("master", new Dialect.CopyEpoch(2, "master"));
        copies.epochs.put("replica-1", new Dialect.CopyEpoch(3, "replica-1"));
        copies.epochs.put("replica-2", new Dialect.CopyEpoch(3, "replica-1"));
        GroupState s = coordinator().step(ALL_UP).orElseThrow();
        assertEquals(3, s.epoch());
        assertEquals("replica-1", s.master());
        assertTrue(s.open());
    }

    /**
     * The old agent still applies (a master that refuses the heartbeat but serves the agent): its
     * apply of [90, 110) commits on replica-2 and is published between the coordinator's read of
     * the copies and its look at the published watermarks, and a write at 105 may have been
     * answered. Not replica-1 from 100 (the write lost), nor replica-2 from 90: read again, then
     * replica-2 from 110.
     */
    @Test
    void readsTheCopiesAgainWhenOnePublishedMoreThanWasReadFromIt() {
        epoch1Replicas(100, 90);
        store.watermarks.put("replica-1", new org.qoscluster.contract.ReplicaWatermark("store", 1, 100, 0, 0));
        store.watermarks.put("replica-2", new org.qoscluster.contract.ReplicaWatermark("store", 1, 90, 0, 0));
        copies.afterStandings = () -> {
            copies.lows.put("replica-2", 110L);
            store.watermarks.put("replica-2", new org.qoscluster.contract.ReplicaWatermark("store", 1, 110, 0, 0));
        };
        Coordinator c = coordinator();
        assertEquals(1, c.step(masterDown()).orElseThrow().epoch(), "no promotion from a read the copy has moved past");
        GroupState s = c.step(masterDown()).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("replica-2", s.master());
        assertEquals(110, s.firstSequence(), "the promoted copy starts the epoch above every write it has");
    }

    @Test
    void promotesTheMostCaughtUpAvailableReplicaOnceTheMasterIsUnavailable() {
        epoch1Replicas(500, 700);
        store.fences.put("node-1", 1L);
        Coordinator c = coordinator();
        assertEquals(1, c.step(ALL_UP).orElseThrow().epoch(), "no failover while the master answers");
        Map<String, CopyHealth> suspect = new HashMap<>(ALL_UP);
        suspect.put("master", CopyHealth.SUSPECT);
        assertEquals(1, c.step(suspect).orElseThrow().epoch(), "nor while it is only suspect");

        GroupState s = c.step(masterDown()).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("replica-2", s.master(), "replica-2 has more of the master's changes");
        assertEquals(700, s.firstSequence(), "its changes go on from its watermark");
        assertEquals(List.of(new ReplicationAgent.Epoch(2, "replica-2", 700)), copies.promoted);
        assertFalse(s.open(), "node-1's write path has not fenced to epoch 2 yet");
        assertEquals(new GroupState.Promotion(2, "replica-2", "master", 700), s.successorOf("master", 1).orElseThrow());

        store.fences.put("node-1", 2L);
        GroupState open = c.step(masterDown()).orElseThrow();
        assertTrue(open.open(), "open once every write path fenced");
        assertEquals("replica-2", open.master());
    }

    @Test
    void shouldRecordEachStepOfAFailoverInTheTimelineWhenItHappens() {
        epoch1Replicas(500, 700);
        store.fences.put("node-1", 1L);
        Coordinator c = coordinator();
        c.step(masterDown());
        now[0] += 300;
        store.fences.put("node-1", 2L);
        c.step(masterDown());
        assertEquals(Map.of("2 master-unavailable", 1_000_000L, "2 decided", 1_000_000L, "2 promoted", 1_000_000L,
                "2 fenced", 1_000_300L, "2 open", 1_000_300L), store.timeline);
        assertEquals(Coordinator.EVENTS, store.timeline.keySet().stream().map(k -> k.substring(2)).toList(),
                "in the order they happen");
    }

    @Test
    void shouldNotPromoteALessCaughtUpAvailableCopyOverASuspectOneHoldingAcknowledgedWrites() {
        epoch1Replicas(700, 500);
        // replica-1 acknowledged writes up to 700 (its watermark of epoch 1); another group's copy,
        // and a watermark of an earlier epoch, say nothing about this group's writes.
        store.watermarks.put("replica-1", new org.qoscluster.contract.ReplicaWatermark("store", 1, 700, 0, 0));
        store.watermarks.put("replica-2", new org.qoscluster.contract.ReplicaWatermark("store", 1, 500, 0, 0));
        Coordinator c = coordinator();
        Map<String, CopyHealth> r1Suspect = masterDown();
        r1Suspect.put("replica-1", CopyHealth.SUSPECT);
        assertEquals(1, c.step(r1Suspect).orElseThrow().epoch(), "replica-2 lacks writes replica-1 acknowledged: wait");
        now[0] += 3_000;
        assertEquals(1, c.step(r1Suspect).orElseThrow().epoch(), "still within the decision's time-out");
        GroupState s = c.step(masterDown()).orElseThrow();
        assertEquals("replica-1", s.master(), "replica-1 answered again and has every acknowledged write");
        assertEquals(700, s.firstSequence());
    }

    @Test
    void shouldPromoteTheBestAvailableWhenTheSuspectHolderStaysAwayPastTheDecisionsTimeOut() {
        epoch1Replicas(700, 500);
        store.watermarks.put("replica-1", new org.qoscluster.contract.ReplicaWatermark("store", 1, 700, 0, 0));
        Coordinator c = coordinator();
        Map<String, CopyHealth> r1Suspect = masterDown();
        r1Suspect.put("replica-1", CopyHealth.SUSPECT);
        assertEquals(1, c.step(r1Suspect).orElseThrow().epoch());
        now[0] += 4_000;
        assertEquals("replica-2", c.step(r1Suspect).orElseThrow().master(), "the wait is bounded");
    }

    @Test
    void shouldNotWaitForAWatermarkOfAnEarlierEpoch() {
        epoch1Replicas(700, 500);
        store.state = store.state.promoting("replica-2", 500, 0).opened(0);
        copies.epochs.put("replica-1", new Dialect.CopyEpoch(2, "replica-2"));
        copies.epochs.put("master", new Dialect.CopyEpoch(2, "replica-2"));
        copies.lows.put("replica-1", 900L);
        copies.lows.put("master", 800L);
        store.watermarks.put("replica-1", new org.qoscluster.contract.ReplicaWatermark("store", 1, 5_000, 0, 0));
        Coordinator c = coordinator();
        Map<String, CopyHealth> statuses = new HashMap<>(ALL_UP);
        statuses.put("replica-2", CopyHealth.UNAVAILABLE);
        statuses.put("replica-1", CopyHealth.SUSPECT);
        GroupState s = c.step(statuses).orElseThrow();
        assertEquals(3, s.epoch(), "epoch 1's watermark of replica-1 holds nothing of epoch 2 back");
        assertEquals("master", s.master());
    }

    @Test
    void opensAfterTheBoundWhenAWritePathNeverFences() {
        epoch1Replicas(500, 700);
        store.fences.put("node-1", 1L);
        Coordinator c = coordinator();
        c.step(masterDown());
        now[0] += 1_000;
        assertFalse(c.step(masterDown()).orElseThrow().open(), "still within the bound");
        now[0] += 1_500;
        assertTrue(c.step(masterDown()).orElseThrow().open(), "a hung node does not hold the group forever");
    }

    @Test
    void neverPromotesACopyThatIsUnavailableOrNotAReplicaOfThisEpoch() {
        epoch1Replicas(500, 700);
        copies.epochs.put("replica-2", new Dialect.CopyEpoch(0, "master")); // copied before epoch 1: stale
        Map<String, CopyHealth> s = masterDown();
        s.put("replica-1", CopyHealth.SUSPECT);
        GroupState stays = coordinator().step(s).orElseThrow();
        assertEquals(1, stays.epoch(), "no candidate: writes wait rather than go to a stale copy");
        assertTrue(copies.promoted.isEmpty());
    }

    @Test
    void aNewCoordinatorFinishesAPromotionItsPredecessorDecided() {
        epoch1Replicas(500, 700);
        store.state = store.state.promoting("replica-1", 500, now[0]);
        GroupState s = coordinator().step(masterDown()).orElseThrow();
        assertTrue(s.open());
        assertEquals("replica-1", s.master(), "the decision stands, even though replica-2 is further");
        assertEquals(List.of(new ReplicationAgent.Epoch(2, "replica-1", 500)), copies.promoted);
    }

    @Test
    void aFailedPromotionIsTriedAgainAndNothingOpens() {
        epoch1Replicas(500, 700);
        copies.failPromotion = true;
        Coordinator c = coordinator();
        assertFalse(c.step(masterDown()).orElseThrow().open());
        assertFalse(c.step(masterDown()).orElseThrow().open());
        copies.failPromotion = false;
        assertTrue(c.step(masterDown()).orElseThrow().open());
    }

    @Test
    void aStalledCoordinatorCannotOverwriteANewerDecision() {
        epoch1Replicas(500, 700);
        GroupState seen = store.state;
        Coordinator stale = coordinator();
        // Meanwhile another coordinator moved the group on.
        store.state = seen.promoting("replica-1", 500, now[0]).opened(now[0]);
        GroupState after = stale.step(masterDown()).orElseThrow();
        assertEquals(2, after.epoch());
        assertEquals("replica-1", after.master(), "the newer decision stands");
    }

    @Test
    void refusesASwitchoverToAnUnknownCopyTheMasterOrACopyThatIsNotCaughtUp() {
        GroupState s = GroupState.initial("master", COPIES, 0);
        Map<String, CopyHealth> st = new HashMap<>(ALL_UP);
        st.put("replica-2", CopyHealth.CATCHING_UP);
        assertTrue(OperatorRequests.refuseSwitchover(s, "replica-9", st).orElseThrow().contains("no copy 'replica-9'"));
        assertTrue(OperatorRequests.refuseSwitchover(s, "master", st).orElseThrow().contains("master already"));
        assertTrue(OperatorRequests.refuseSwitchover(s, "replica-2", st).orElseThrow().contains("behind"));
        assertTrue(OperatorRequests.refuseSwitchover(s.promoting("replica-1", 5, 1), "replica-2", ALL_UP).orElseThrow()
                .contains("under way"));
        assertTrue(OperatorRequests.refuseSwitchover(s, "replica-1", st).isEmpty());
    }

    @Test
    void aSwitchoverPromotesItsTargetOnlyOnceEveryChangeOfTheOldMasterHasShipped() {
        epoch1Replicas(500, 700);
        store.fences.put("node-1", 1L);
        copies.next.put("master", 900L);
        Coordinator c = coordinator();
        store.ask(Coordinator.Kind.SWITCHOVER, "replica-1");
        GroupState draining = c.step(ALL_UP).orElseThrow();
        assertEquals(GroupState.Phase.DRAINING, draining.phase());
        assertEquals("replica-1", draining.master());
        assertTrue(copies.promoted.isEmpty(), "nothing promoted while the write paths still lead to the old master");

        store.fences.put("node-1", 2L);
        assertEquals(GroupState.Phase.DRAINING, c.step(ALL_UP).orElseThrow().phase(), "replica-1 lacks changes 500..899");
        copies.lows.put("replica-1", 900L);
        GroupState open = c.step(ALL_UP).orElseThrow();
        assertTrue(open.open());
        assertEquals("replica-1", open.master());
        assertEquals(List.of(new ReplicationAgent.Epoch(2, "replica-1", 900)), copies.promoted, "its sequences follow the old master's");
        assertEquals(900, open.successorOf("master", 1).orElseThrow().fromSequence(), "no tail: nothing was left behind");
    }

    @Test
    void aSwitchoverWhoseOldMasterDiesWhileDrainingBecomesAFailover() {
        epoch1Replicas(500, 700);
        copies.next.put("master", 900L);
        store.ask(Coordinator.Kind.SWITCHOVER, "replica-1");
        Coordinator c = coordinator();
        c.step(ALL_UP);
        GroupState s = c.step(masterDown()).orElseThrow();
        assertTrue(s.open());
        assertEquals("replica-1", s.master(), "the operator's choice stands");
        assertEquals(500, s.firstSequence(), "from what it has");
    }

    @Test
    void aRefusedSwitchoverChangesNothing() {
        epoch1Replicas(500, 700);
        copies.epochs.put("replica-2", new Dialect.CopyEpoch(0, "master"));
        store.ask(Coordinator.Kind.SWITCHOVER, "replica-2");
        GroupState s = coordinator().step(ALL_UP).orElseThrow();
        assertEquals(GroupState.initial("master", COPIES, 0), s);
    }

    @Test
    void anAddedCopyJoinsWithAFreshNumberAndForgetsWhereItWas() {
        epoch1Replicas(500, 700);
        Coordinator c = coordinator();
        copies.lows.put("replica-3", 400L); // it was a replica once: that watermark means nothing now
        store.ask(Coordinator.Kind.ADD, OperatorRequests.addArgument("replica-3", "127.0.0.1", 1530));
        GroupState s = c.step(ALL_UP).orElseThrow();
        assertTrue(store.answer().startsWith("200 "), store.answer());
        assertEquals(new GroupState.Copy("replica-3", "127.0.0.1", 1530, 4), s.copy("replica-3").orElseThrow());
        assertFalse(copies.lows.containsKey("replica-3"), "its old watermark is forgotten: it gets a fresh copy");
        assertEquals(s, store.state);
    }

    /** Asks the coordinator {@code kind argument}, lets it take a step with every copy up, and returns its answer. */
    private String answerTo(Coordinator c, Coordinator.Kind kind, String argument) {
        store.ask(kind, argument);
        c.step(ALL_UP);
        return store.answer();
    }

    @Test
    void refusesToAddANameOrAddressThatIsTakenOrACopyThatDoesNotAnswer() {
        epoch1Replicas(500, 700);
        Coordinator c = coordinator();
        String answer = answerTo(c, Coordinator.Kind.ADD, OperatorRequests.addArgument("replica-1", "127.0.0.1", 1530));
        assertTrue(answer.startsWith("409 'replica-1' is a copy already"), answer);
        answer = answerTo(c, Coordinator.Kind.ADD, OperatorRequests.addArgument("replica-3", "127.0.0.1", 1529));
        assertTrue(answer.startsWith("409 127.0.0.1:1529 is copy replica-2 already"), answer);
        answer = answerTo(c, Coordinator.Kind.ADD, OperatorRequests.addArgument("replica-3", "127.0.0.1", 70000));
        assertTrue(answer.startsWith("400 ") && answer.contains("port 70000"), answer);
        copies.down.add("replica-3");
        answer = answerTo(c, Coordinator.Kind.ADD, OperatorRequests.addArgument("replica-3", "127.0.0.1", 1530));
        assertTrue(answer.startsWith("409 no database answers at 127.0.0.1:1530"), answer);
        assertEquals(COPIES, store.state.copies(), "nothing added");
    }

    @Test
    void removesAReplicaButNeverTheMasterTheLastCopyOrAnUnknownOne() {
        epoch1Replicas(500, 700);
        Coordinator c = coordinator();
        String answer = answerTo(c, Coordinator.Kind.REMOVE, "replica-9");
        assertTrue(answer.startsWith("400 no copy 'replica-9'"), answer);
        answer = answerTo(c, Coordinator.Kind.REMOVE, "master");
        assertTrue(answer.startsWith("409 master is the master: switch over"), answer);
        store.ask(Coordinator.Kind.REMOVE, "replica-2");
        GroupState s = c.step(ALL_UP).orElseThrow();
        assertTrue(store.answer().startsWith("200 "), store.answer());
        assertEquals(List.of("master", "replica-1"), s.copyNames());
        assertFalse(copies.lows.containsKey("replica-2"), "a removed copy forgets its watermark: re-added, it is copied afresh");
        copies.lows.put("replica-2", 900L);
        GroupState after = c.step(masterDown()).orElseThrow();
        assertEquals("replica-1", after.master(), "a removed copy is never promoted, however far it got");
        GroupState alone = GroupState.initial("master", COPIES.subList(0, 1), 0);
        assertTrue(OperatorRequests.refuseRemove(alone, "master").orElseThrow().contains("last copy"));
    }

    @Test
    void aStoppedGroupNeitherFailsOverNorSwitchesOverUntilItIsStartedAgain() {
        epoch1Replicas(500, 700);
        Coordinator c = coordinator();
        store.ask(Coordinator.Kind.STOP, "");
        assertTrue(c.step(ALL_UP).orElseThrow().stopped());
        String answer = answerTo(c, Coordinator.Kind.STOP, "");
        assertTrue(answer.startsWith("409 the group is stopped already"), answer);
        for (int i = 0; i < 5; i++) {
            now[0] += 500;
            assertEquals("master", c.step(masterDown()).orElseThrow().master(), "no failover while stopped");
        }
        assertTrue(copies.promoted.isEmpty());
        answer = answerTo(c, Coordinator.Kind.SWITCHOVER, "replica-1");
        assertTrue(answer.startsWith("409 the group is stopped"), answer);
        store.ask(Coordinator.Kind.START, "");
        assertFalse(c.step(masterDown()).orElseThrow().stopped());
        GroupState s = c.step(masterDown()).orElseThrow();
        assertEquals("replica-2", s.master(), "started, it fails over at once");
    }
}
