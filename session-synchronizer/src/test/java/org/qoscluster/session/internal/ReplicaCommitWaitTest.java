package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;

class ReplicaCommitWaitTest {

    private final Map<String, String> published = new ConcurrentHashMap<>();
    private final AtomicReference<GroupState> group = new AtomicReference<>();
    private final ReplicaCommitWait wait = new ReplicaCommitWait(() -> Map.copyOf(published),
            () -> Optional.ofNullable(group.get()), 300, Clock.systemUTC());

    private static GroupState epochOne() {
        return GroupState.initial("master", List.of(new GroupState.Copy("master", "127.0.0.1", 1527, 1),
                new GroupState.Copy("replica-1", "127.0.0.1", 1528, 2)), 0);
    }

    private static Optional<StateChangeFlag> write(long sequence) {
        return Optional.of(new StateChangeFlag("node-1", sequence, 0));
    }

    @Test
    void answersAtOnceWhenTheRequestWroteNothingOrOneReplicaHasTheWrite() {
        group.set(epochOne());
        wait.await(Optional.empty(), 1);
        published.put("replica-1", new ReplicaWatermark(100, 0, 0).encode());
        published.put("replica-2", new ReplicaWatermark(200, 0, 0).encode());
        wait.await(write(150), 1); // replica-2 has it, replica-1 not yet: one is enough
    }

    /**
     * The group's state could not be read when the request began (its entry lost with two members
     * at once): a watermark passing the write cannot be told to be of the master that took it (a
     * replica of an earlier epoch, ahead of the one promoted, may have left it), so the write is
     * refused at once, never acknowledged.
     */
    @Test
    void refusesAtOnceAWriteMadeWhileTheGroupsStateWasUnreadable() {
        published.put("replica-2", new ReplicaWatermark("store", 1, 5_000, 0, 0).encode());
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), wait.epochNow()));
        assertTrue(e.notReplicated());
        assertTrue(e.getMessage().contains("the group's master was not settled"), e.getMessage());
        wait.await(Optional.empty(), 0); // a request that wrote nothing answers as ever
    }

    /**
     * A request that began while a failover was promoting a new master: a node's write path may
     * still have taken its write to the deposed master (its pooled connection not yet reset), where
     * it has a number of the old numbering that the new epoch's watermarks soon pass. Refused at
     * once, never acknowledged; a request that begins once the group is open is acknowledged as ever.
     */
    @Test
    void refusesAtOnceAWriteOfARequestThatBeganWhileANewMasterWasBeingPromoted() {
        GroupState promoting = epochOne().promoting("replica-1", 100, 0);
        group.set(promoting);
        long epoch = wait.epochNow();
        group.set(promoting.opened(0));
        published.put("replica-2", new ReplicaWatermark("store", 2, 400, 0, 0).encode());
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), epoch));
        assertTrue(e.notReplicated() && e.getMessage().contains("a failover under way"), e.getMessage());
        wait.await(write(150), wait.epochNow());
    }

    @Test
    void waitsForAReplicaToCatchUp() throws Exception {
        group.set(epochOne());
        published.put("replica-1", new ReplicaWatermark(100, 0, 0).encode());
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            published.put("replica-1", new ReplicaWatermark(151, 0, 0).encode());
        });
        later.start();
        long t0 = System.nanoTime();
        wait.await(write(150), 1);
        assertTrue(System.nanoTime() - t0 >= 80_000_000L, "it waited for the watermark to pass the write");
        later.join();
    }

    @Test
    void refusesToAcknowledgeAWriteNoReplicaHasInTime() {
        group.set(epochOne());
        published.put("replica-1", new ReplicaWatermark(150, 0, 0).encode()); // covers below 150 only
        published.put("replica-2", "garbage");
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), 1));
        assertTrue(e.notReplicated());
        assertTrue(e.getMessage().contains("no replica has it after 300 ms"), e.getMessage());
    }

    @Test
    void shouldNotTakeAnotherGroupsReplicaAheadOfTheWriteForOneThatHasIt() {
        group.set(epochOne());
        long epoch = wait.epochNow();
        // The archive group numbers its own changes: its replica at 5,000 says nothing of write 150.
        published.put("archive-2", new ReplicaWatermark("archive", 1, 5_000, 0, 0).encode());
        published.put("replica-1", new ReplicaWatermark("store", 1, 100, 0, 0).encode());
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), epoch));
        assertTrue(e.notReplicated(), e.getMessage());
        published.put("replica-1", new ReplicaWatermark("store", 1, 151, 0, 0).encode());
        wait.await(write(150), epoch);
    }

    @Test
    void shouldNotTakeAWatermarkLeftFromAnotherEpochForOneThatHasTheWrite() {
        GroupState two = epochOne().promoting("replica-1", 10, 0).opened(0);
        group.set(two);
        long epoch = wait.epochNow();
        // replica-2 was a replica of epoch 1 up to 5,000 and has published nothing since.
        published.put("replica-2", new ReplicaWatermark("store", 1, 5_000, 0, 0).encode());
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), epoch));
        assertTrue(e.notReplicated(), e.getMessage());
        published.put("master", new ReplicaWatermark("store", 2, 151, 0, 0).encode());
        wait.await(write(150), epoch);
    }

    @Test
    void refusesAtOnceAWriteTheOldMasterKeptWhenTheGroupFailsOverAndNewWatermarksPassItsNumber() {
        group.set(epochOne());
        long epoch = wait.epochNow();
        // The old master wrote 150 and died; replica-1 (watermark 150) became master from 150 on,
        // and its own writes, numbered from 150, reached a replica: a watermark of the new epoch
        // passes 150, yet write 150 of epoch 1 is lost.
        group.set(epochOne().promoting("replica-1", 150, 0).opened(0));
        published.put("replica-2", new ReplicaWatermark("store", 2, 400, 0, 0).encode());
        long t0 = System.nanoTime();
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150), epoch));
        assertTrue(e.notReplicated() && e.getMessage().contains("the master changed"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 200_000_000L, "decided at once, not after the time-out");
    }

    @Test
    void acknowledgesAWriteTheNewMasterHadWhenItWasPromoted() {
        group.set(epochOne());
        long epoch = wait.epochNow();
        group.set(epochOne().promoting("replica-1", 151, 0)); // replica-1 had everything below 151
        wait.await(write(150), epoch);
    }

    @Test
    void waitsForASwitchoverToDrainAndAcknowledgesWhatItCarried() throws Exception {
        group.set(epochOne());
        long epoch = wait.epochNow();
        group.set(epochOne().draining("replica-1", 0));
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            group.set(group.get().drained(151, 0));
        });
        later.start();
        long t0 = System.nanoTime();
        wait.await(write(150), epoch);
        assertTrue(System.nanoTime() - t0 >= 80_000_000L, "it waited for the drain");
        later.join();
    }
}
