package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;

class ReplicaCommitWaitTest {

    private final Map<String, String> published = new ConcurrentHashMap<>();
    private final ReplicaCommitWait wait = new ReplicaCommitWait(() -> Map.copyOf(published), 300, Clock.systemUTC());

    private static Optional<StateChangeFlag> write(long sequence) {
        return Optional.of(new StateChangeFlag("node-1", sequence, 0));
    }

    @Test
    void answersAtOnceWhenTheRequestWroteNothingOrOneReplicaHasTheWrite() {
        wait.await(Optional.empty());
        published.put("replica-1", new ReplicaWatermark(100, 0, 0).encode());
        published.put("replica-2", new ReplicaWatermark(200, 0, 0).encode());
        wait.await(write(150)); // replica-2 has it, replica-1 not yet: one is enough
    }

    @Test
    void waitsForAReplicaToCatchUp() throws Exception {
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
        wait.await(write(150));
        assertTrue(System.nanoTime() - t0 >= 80_000_000L, "it waited for the watermark to pass the write");
        later.join();
    }

    @Test
    void refusesToAcknowledgeAWriteNoReplicaHasInTime() {
        published.put("replica-1", new ReplicaWatermark(150, 0, 0).encode()); // covers below 150 only
        published.put("replica-2", "garbage");
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> wait.await(write(150)));
        assertTrue(e.notReplicated());
        assertTrue(e.getMessage().contains("no replica has it after 300 ms"), e.getMessage());
    }
}
