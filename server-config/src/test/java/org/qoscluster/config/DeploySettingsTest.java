package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DeploySettingsTest {

    @Test
    void shouldTakeTheLargestWarInMegabytes() {
        assertEquals(256L * 1024 * 1024, DeploySettings.of(ClusterConfig.from(Map.of())).maxWarBytes());
        assertEquals(1024L * 1024, DeploySettings.of(ClusterConfig.from(Map.of(DeploySettings.MAX_WAR_MB, "1"))).maxWarBytes());
    }

    @Test
    void shouldNameABadValue() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> DeploySettings.of(ClusterConfig.from(Map.of(DeploySettings.MAX_WAR_MB, "0"))));
        assertEquals(List.of("qos.deploy.max-war-mb: '0' is not a whole number from 1 to 4096"), e.problems());
    }
}
