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
        assertEquals(Math.max(1_048_576, Runtime.getRuntime().maxMemory() / 4), s.maxBodyMemoryBytes(),
                "a quarter of the router's largest heap when unset");
        assertEquals(0, s.maxRequestsPerClient(), "no cap on a client's requests unless set");
    }

    @Test
    void shouldCapAClientsRequestsOnlyWhenAsked() {
        for (String good : new String[] {"0", "1", "2", "100000"}) {
            RouterSettings s = RouterSettings.of(ClusterConfig.from(Map.of("qos.router.max-requests-per-client", good)), SECRETS);
            assertEquals(Integer.parseInt(good), s.maxRequestsPerClient());
        }
        for (String bad : new String[] {"-1", "100001", "many", "", "1.5", "2147483648"}) {
            ClusterConfig c = ClusterConfig.from(Map.of("qos.router.max-requests-per-client", bad));
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RouterSettings.of(c, SECRETS));
            assertTrue(e.getMessage().contains("qos.router.max-requests-per-client: '" + bad
                    + "' is not a whole number from 0 to 100000"), e.getMessage());
        }
    }

    @Test
    void shouldLetARequestWaitForAPlaceUpToTheQueueWaitOrNotAtAll() {
        assertEquals(1000, RouterSettings.of(ClusterConfig.from(Map.of()), SECRETS).maxQueueWaitMs(), "the default");
        for (String good : new String[] {"0", "1", "60000"}) {
            RouterSettings s = RouterSettings.of(ClusterConfig.from(Map.of("qos.router.max-queue-wait-ms", good)), SECRETS);
            assertEquals(Integer.parseInt(good), s.maxQueueWaitMs());
        }
        for (String bad : new String[] {"-1", "60001", "long", "", "0.5"}) {
            ClusterConfig c = ClusterConfig.from(Map.of("qos.router.max-queue-wait-ms", bad));
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RouterSettings.of(c, SECRETS));
            assertTrue(e.getMessage().contains("qos.router.max-queue-wait-ms: '" + bad + "' is not a whole number from 0 to 60000"),
                    e.getMessage());
        }
    }

    @Test
    void shouldTakeTheMemoryForBodiesFromTheLargestBodyUp() {
        RouterSettings s = RouterSettings.of(ClusterConfig.from(Map.of("qos.router.max-body-memory-bytes", "8589934592")), SECRETS);
        assertEquals(8L << 30, s.maxBodyMemoryBytes(), "past an int's range");
        RouterSettings small = RouterSettings.of(ClusterConfig.from(Map.of("qos.http.max-body-bytes", "65536",
                "qos.router.max-body-memory-bytes", "65536")), SECRETS);
        assertEquals(65_536, small.maxBodyMemoryBytes(), "room for one body of the largest size");
        for (String bad : new String[] {"65535", "lots", "-1", "1099511627777"}) {
            ClusterConfig c = ClusterConfig.from(Map.of("qos.http.max-body-bytes", "65536", "qos.router.max-body-memory-bytes", bad));
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RouterSettings.of(c, SECRETS));
            assertTrue(e.getMessage().contains("qos.router.max-body-memory-bytes: '" + bad
                    + "' is not a whole number from 65536 to 1099511627776"), e.getMessage());
        }
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
