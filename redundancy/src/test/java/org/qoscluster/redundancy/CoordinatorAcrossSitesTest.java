package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.GroupState.Copy;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/** A site's coordinator of a group across two sites, a and b, over an in-memory state and hand-written copies. */
class CoordinatorAcrossSitesTest {

    private static final List<Copy> COPIES = List.of(new Copy("a-master", "127.0.0.1", 1527, 1),
            new Copy("a-replica-1", "127.0.0.1", 1528, 2), new Copy("b-master", "127.0.0.1", 1547, 3));
    private static final Map<String, String> SITE_OF = Map.of("a-master", "a", "a-replica-1", "a", "b-master", "b");
    private static final Duration LEASE = Duration.ofSeconds(2);

    /** The in-memory state of {@link CoordinatorTest}, and whether the write paths are held. */
    private final CoordinatorTest.MemoryStore memory = new CoordinatorTest.MemoryStore();
    private final List<Boolean> held = new ArrayList<>();
    private final Coordinator.Store store = new Coordinator.Store() {
        @Override
        public Optional<GroupState> state() {
            return memory.state();
        }

        @Override
        public boolean create(GroupState initial) {
            return memory.create(initial);
        }

        @Override
        public boolean replace(GroupState expected, GroupState next) {
            return memory.replace(expected, next);
        }

        @Override
        public Map<String, Long> fences() {
            return memory.fences();
        }

        @Override
        public Map<String, org.qoscluster.contract.ReplicaWatermark> watermarks() {
            return memory.watermarks();
        }

        @Override
        public Optional<Coordinator.Request> takeRequest() {
            return memory.takeRequest();
        }

        @Override
        public void answer(Coordinator.Request request, int status, String message) {
            memory.answer(request, status, message);
        }

        @Override
        public void timeline(long epoch, String event, long epochMillis) {
            memory.timeline(epoch, event, epochMillis);
        }

        @Override
        public void holdWritePaths(boolean hold) {
            held.add(hold);
        }
    };
    private final CoordinatorTest.Copies copies = new CoordinatorTest.Copies();
    private final ManualClock clock = new ManualClock(1_000_000);
    private final long[] now = clock.now;

    private Coordinator at(String site) {
        return new Coordinator(GroupState.DEFAULT_GROUP, COPIES, "a-master", store, copies, clock, Duration.ofSeconds(2),
                Duration.ofSeconds(4)).acrossSites(new SiteGroup(site, List.of("a", "b"), COPIES, SITE_OF, LEASE));
    }

    private static Map<String, CopyHealth> upBut(String... down) {
        return CopyStatuses.upBut(COPIES, down);
    }

    private void epoch1() {
        COPIES.forEach(c -> copies.epochs.put(c.name(), new Dialect.CopyEpoch(1, "a-master")));
        copies.lows.put("a-replica-1", 40L);
        copies.lows.put("b-master", 42L);
    }

    @Test
    void startsOnlyOnceEveryCopyWasProbedThenFromTheNewestEpochTheCopiesRecord() {
        epoch1();
        copies.epochs.put("b-master", new Dialect.CopyEpoch(2, "b-master"));
        Map<String, CopyHealth> first = upBut();
        first.put("b-master", CopyHealth.UNKNOWN);
        Coordinator a = at("a");
        assertEquals(Optional.empty(), a.step(first), "b-master not probed yet: it may record a newer epoch");
        GroupState s = a.step(upBut()).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("b-master", s.master());
    }

    @Test
    void aSiteFollowsTheNewerEpochAnotherSitesCopyRecords() {
        epoch1();
        memory.state = GroupState.initial("a-master", COPIES, 0);
        copies.epochs.put("b-master", new Dialect.CopyEpoch(2, "b-master"));
        GroupState s = at("a").step(upBut()).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("b-master", s.master());
        assertTrue(s.open());
        assertEquals(List.of(false), held, "a follower's write paths relay (to the master at site b)");
        assertEquals(List.of(), copies.promoted);
    }

    @Test
    void aFollowingSiteRefusesOperatorsRequestsNamingTheMastersSite() {
        epoch1();
        memory.state = GroupState.initial("a-master", COPIES, 0);
        memory.ask(Coordinator.Kind.STOP, "");
        at("b").step(upBut());
        assertEquals("409 the master a-master is at site a; ask there", memory.answer());
        assertEquals(GroupState.initial("a-master", COPIES, 0), memory.state);
    }

    @Test
    void aFollowingSitePromotesItsOwnCopyAfterTwiceTheLeaseWithoutTheMastersSite() {
        epoch1();
        memory.state = GroupState.initial("a-master", COPIES, 0);
        Coordinator b = at("b");
        b.step(upBut());
        now[0] += 2 * LEASE.toMillis() - 1;
        assertEquals(1, b.step(upBut("a-master", "a-replica-1")).orElseThrow().epoch(), "not yet");
        now[0] += 1;
        GroupState s = b.step(upBut("a-master", "a-replica-1")).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("b-master", s.master());
        assertTrue(s.open(), "no write path of site b is behind");
        assertEquals(List.of(new ReplicationAgent.Epoch(2, "b-master", 42)), copies.promoted);
    }

    @Test
    void theMastersSiteFailsOverOnlyToACopyOfItsOwn() {
        epoch1();
        copies.lows.put("b-master", 99L); // further on than a-replica-1, but at site b
        memory.state = GroupState.initial("a-master", COPIES, 0);
        GroupState s = at("a").step(upBut("a-master")).orElseThrow();
        assertEquals(2, s.epoch());
        assertEquals("a-replica-1", s.master());
        assertEquals(List.of(new ReplicationAgent.Epoch(2, "a-replica-1", 40)), copies.promoted);
    }

    @Test
    void aFencedSiteWhoseOtherSiteAnswersButWhoseEpochCannotBeReadStaysFenced() {
        epoch1();
        memory.state = GroupState.initial("a-master", COPIES, 0);
        Coordinator a = at("a");
        a.step(upBut());
        now[0] += LEASE.toMillis();
        a.step(upBut("b-master"));
        copies.unreadable.add("b-master");
        a.step(upBut());
        assertEquals(List.of(false, true, true), held, "b answers its probe, but whether it records a newer epoch is not known");
    }

    @Test
    void theMastersSiteHoldsItsWritePathsOnceItReachedNoOtherSiteForTheLease() {
        epoch1();
        memory.state = GroupState.initial("a-master", COPIES, 0);
        Coordinator a = at("a");
        a.step(upBut());
        now[0] += LEASE.toMillis();
        a.step(upBut("b-master"));
        a.step(upBut());
        assertEquals(List.of(false, true, false), held);
        assertEquals(GroupState.initial("a-master", COPIES, 0), memory.state, "nothing else changes");
    }
}
