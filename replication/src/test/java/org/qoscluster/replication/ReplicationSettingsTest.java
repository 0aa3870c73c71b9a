package org.qoscluster.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;

/**
 * The Session Synchronizer's table replicates with the application's tables without the user
 * listing it; the warm-up's limit is validated.
 */
class ReplicationSettingsTest {

    @Test
    void shouldReadTheWarmUpLimitAndRefuseOneOutOfRange() {
        assertEquals(java.time.Duration.ZERO, ReplicationSettings.of(ClusterConfig.defaults()).warmUp(), "off by default");
        assertEquals(java.time.Duration.ofSeconds(45), ReplicationSettings.of(ClusterConfig.from(
                Map.of("qos.replication.warm-up-seconds", "45"))).warmUp());
        for (String bad : List.of("-1", "601", "soon")) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> ReplicationSettings.of(ClusterConfig.from(
                    Map.of("qos.replication.warm-up-seconds", bad))));
            assertTrue(e.getMessage().contains("qos.replication.warm-up-seconds"), e.getMessage());
        }
    }

    @Test
    void shouldAddTheSessionTableWhenSessionsAreKeptInTheDatabase() {
        assertEquals(List.of("PRODUCT", "CUSTOMER", "CUSTOMER_ORDER", "ORDER_LINE", "QOS_SESSION"),
                ReplicationSettings.of(ClusterConfig.defaults()).tables());
        assertEquals(List.of("ACCOUNT", "qos_session"), ReplicationSettings.of(ClusterConfig.from(
                Map.of("qos.replication.tables", "ACCOUNT,qos_session"))).tables(), "listed once");
        assertEquals(List.of("ACCOUNT"), ReplicationSettings.of(ClusterConfig.from(
                Map.of("qos.replication.tables", "ACCOUNT", "qos.session.table.enabled", "false"))).tables());
        assertEquals(List.of("ACCOUNT"), ReplicationSettings.of(ClusterConfig.from(
                Map.of("qos.replication.tables", "ACCOUNT", "qos.session.enabled", "false"))).tables());
    }
}
