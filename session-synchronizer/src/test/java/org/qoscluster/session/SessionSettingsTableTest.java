package org.qoscluster.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

/** The session table's keys: on by default, write-behind, each bad value named with its key. */
class SessionSettingsTableTest {

    private static final Map<String, String> SECRETS = Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32));

    private static SessionSettings of(Map<String, String> keys) {
        return SessionSettings.of(ClusterConfig.from(keys), SECRETS, "node-1");
    }

    @Test
    void shouldKeepSessionsInTheTableWriteBehindByDefault() {
        SessionSettings s = of(Map.of());
        assertEquals(true, s.tableEnabled());
        assertEquals(SessionSettings.TableMode.WRITE_BEHIND, s.tableMode());
        assertEquals(1, s.writeDelaySeconds());
        assertEquals(Optional.of("QOS_SESSION"), ClusterConfig.from(Map.of()).sessionTable());
        assertFalse(of(Map.of(SessionSettings.TABLE_ENABLED, "false")).tableEnabled());
        assertEquals(Optional.empty(), ClusterConfig.from(Map.of(SessionSettings.TABLE_ENABLED, "false")).sessionTable());
        assertEquals(Optional.empty(), ClusterConfig.from(Map.of("qos.session.enabled", "false")).sessionTable(),
                "no Session Synchronizer, no table");
        assertEquals(SessionSettings.TableMode.WRITE_THROUGH, of(Map.of(SessionSettings.TABLE_MODE, "write-through")).tableMode());
    }

    @Test
    void shouldNameEachBadValue() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> of(Map.of(
                SessionSettings.TABLE_ENABLED, "yes", SessionSettings.TABLE_MODE, "write-around",
                SessionSettings.TABLE_WRITE_DELAY_SECONDS, "0")));
        assertEquals(List.of("qos.session.table.enabled: 'yes' is not true or false",
                "qos.session.table.mode: 'write-around' is not write-through or write-behind",
                "qos.session.table.write-delay-seconds: '0' is not a whole number from 1 to 300"), e.problems());
    }
}
