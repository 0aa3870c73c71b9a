package org.qoscluster.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReplicationAgentSettingsTest {

    private static final ReplicationAgent.ConnectionFactory NOWHERE = () -> {
        throw new java.sql.SQLException("no database in this test");
    };

    private static ReplicationAgent.Settings defaults() {
        return ReplicationAgent.Settings.derby(NOWHERE, Map.of("replica-1", NOWHERE), List.of("ACCOUNT"));
    }

    @Test
    void shouldStartFromTheDefaults() {
        ReplicationAgent.Settings s = defaults();
        assertEquals(5_000, s.batchRows());
        assertEquals(ReplicationAgent.Epoch.first("master"), s.epoch());
        assertEquals(List.of("ACCOUNT"), s.tables());
    }

    @Test
    void shouldNameTheBadFieldAndEchoItsValue() {
        assertMessage(() -> defaults().withBatchRows(0), "batchRows", "0");
        assertMessage(() -> defaults().withEpoch(new ReplicationAgent.Epoch(org.qoscluster.replication.internal.RowIds.MAX_EPOCH + 1, "m", 1),
                (c, e) -> java.util.OptionalLong.empty()), "epoch", "number=" + (org.qoscluster.replication.internal.RowIds.MAX_EPOCH + 1));
        assertMessage(() -> defaults().withListener(null), "listener", "null");
        assertMessage(() -> defaults().withEpoch(new ReplicationAgent.Epoch(0, "m", 1), (c, e) -> java.util.OptionalLong.empty()),
                "epoch", "number=0");
        assertMessage(() -> ReplicationAgent.Settings.derby(null, Map.of(), List.of()), "master", "null");
        assertMessage(() -> ReplicationAgent.Settings.derby(NOWHERE, Map.of(" ", NOWHERE), List.of()), "replicas", " ");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable build, String field, String value) {
        String message = assertThrows(IllegalArgumentException.class, build).getMessage();
        assertTrue(message.contains(field) && message.contains(value), message);
    }
}
