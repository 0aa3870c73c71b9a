package org.qoscluster.qrs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

class RouterSettingsTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(43),
            RouterSettings.ADMIN_TOKEN, "t".repeat(43));

    @Test
    void shouldAcceptTheDefaultsWithSecrets() {
        RouterSettings s = RouterSettings.of(ClusterConfig.defaults(), SECRETS);
        assertFalse(s.trusted("127.0.0.1"), "a client on the router's own machine is not trusted by default");
        assertFalse(s.trusted("10.0.0.1"));
        assertTrue(s.userClassFromHeader());
        assertEquals(10_000, s.bodyIdleTimeoutMs());
        assertEquals(1_048_576, s.maxBodyBytes());
    }

    @Test
    void shouldTrustOnlyTheConfiguredNetworks() {
        RouterSettings s = RouterSettings.of(ClusterConfig.from(Map.of("qos.router.trusted-networks", "127.0.0.2/32")), SECRETS);
        assertTrue(s.trusted("127.0.0.2"));
        assertFalse(s.trusted("127.0.0.1"));
    }

    @Test
    void shouldNameMissingSecretsWithoutShowingThem() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> RouterSettings.of(ClusterConfig.defaults(), Map.of(RouterSettings.ADMIN_TOKEN, "short-secret")));
        assertTrue(e.getMessage().contains("qos.secret.uid-key: missing"), e.getMessage());
        assertTrue(e.getMessage().contains("qos.secret.admin-token: only 12 bytes long"), e.getMessage());
        assertFalse(e.getMessage().contains("short-secret"), "a secret is never echoed");
    }

    @Test
    void shouldNameEveryBadRouterSetting() {
        ClusterConfig c = ClusterConfig.from(Map.of("qos.router.trusted-networks", "10.0.0.0/33,banana",
                "qos.router.health.interval-ms", "0", "qos.router.user-class-source", "guess",
                "qos.router.cookie-secure", "yes"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RouterSettings.of(c, SECRETS));
        String m = e.getMessage();
        assertTrue(m.contains("qos.router.trusted-networks: '10.0.0.0/33'"), m);
        assertTrue(m.contains("qos.router.trusted-networks: 'banana'"), m);
        assertTrue(m.contains("qos.router.health.interval-ms: '0'"), m);
        assertTrue(m.contains("qos.router.user-class-source: 'guess'"), m);
        assertTrue(m.contains("qos.router.cookie-secure: 'yes'"), m);
    }
}
