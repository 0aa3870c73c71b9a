package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionContext;

class ReplicaReadRoutingTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private final Map<String, ReplicaWatermark> published = new HashMap<>();
    private final ReplicaReadRouting routing = new ReplicaReadRouting(Optional.of("replica-1"),
            Clock.fixed(NOW, ZoneOffset.UTC), name -> Optional.ofNullable(published.get(name)));

    private void watermark(long sequence, long ageMillis, long lagMillis) {
        published.put("replica-1", new ReplicaWatermark(sequence, NOW.toEpochMilli() - ageMillis, lagMillis));
    }

    private static SessionContext user(StateChangeFlag flag) {
        return new SessionContext("uid-1", "default", "node-1", flag, null);
    }

    @Test
    void shouldReadAFreshReplicaWhenTheUserHasNoWriteWaiting() {
        watermark(100, 200, 30);
        assertTrue(routing.replicaMayServe(), "no session at all");
        SessionContext.Scope scope = SessionContext.bind(user(null));
        try {
            assertTrue(routing.replicaMayServe());
        } finally {
            scope.close();
        }
    }

    @Test
    void shouldReadTheMasterUntilTheReplicaHasTheUsersWrite() {
        watermark(100, 200, 30);
        SessionContext.Scope scope = SessionContext.bind(user(new StateChangeFlag("node-1", 150, NOW.toEpochMilli())));
        try {
            assertFalse(routing.replicaMayServe(), "the replica has applied below 100, the write is 150");
            watermark(151, 100, 30);
            assertTrue(routing.replicaMayServe(), "its watermark passed the write");
        } finally {
            scope.close();
        }
    }

    @Test
    void shouldReadTheMasterRightAfterAWriteInTheSameRequest() {
        watermark(100, 200, 30);
        SessionContext context = user(null);
        SessionContext.Scope scope = SessionContext.bind(context);
        try {
            routing.wrote(120);
            assertTrue(context.recordedWrite().isPresent(), "the flag goes to the session");
            assertFalse(routing.replicaMayServe());
        } finally {
            scope.close();
        }
    }

    @Test
    void shouldSkipAReplicaThatIsSilentFarBehindUnknownOrFailing() {
        assertFalse(routing.replicaMayServe(), "no watermark published");
        watermark(100, 6_000, 30);
        assertFalse(routing.replicaMayServe(), "watermark 6 s old: the agent or the replica is gone");
        watermark(100, 200, 6_000);
        assertFalse(routing.replicaMayServe(), "6 s behind");
        watermark(100, 200, 30);
        routing.replicaFailed(new IllegalStateException("connection refused"));
        assertFalse(routing.replicaMayServe(), "a read failed just now");
        assertFalse(new ReplicaReadRouting(Optional.empty(), Clock.systemUTC(), n -> Optional.empty()).replicaMayServe(),
                "a node without a replica");
    }
}
