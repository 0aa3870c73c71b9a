package org.qoscluster.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;

/** The Session Synchronizer's table replicates with the application's tables without the user listing it. */
class ReplicationSettingsTest {

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
