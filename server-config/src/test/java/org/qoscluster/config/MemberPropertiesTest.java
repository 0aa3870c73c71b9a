package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigValue;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.Converter;
import org.junit.jupiter.api.Test;

class MemberPropertiesTest {

    @Test
    void shouldStripTheWhitespaceAroundASecretAsTheRouterDoes() {
        MemberProperties m = MemberProperties.read(new MapConfig(Map.of(
                ClusterConfig.SECRET_ADMIN_TOKEN, "  the-token-written-by-hand\n",
                PayaraMemberConfig.MEMBER_NAME_KEY, "node-1")));
        assertEquals("the-token-written-by-hand", m.secrets().get(ClusterConfig.SECRET_ADMIN_TOKEN));
        assertEquals("node-1", m.memberName());
    }

    @Test
    void shouldKeepAnEmptySettingInsteadOfTheDefault() {
        // A cluster without replicas: its members must not probe (and send the database password
        // to) whatever listens on the default replica ports.
        MemberProperties m = MemberProperties.read(new MapConfig(Map.of(
                ClusterConfig.DB_REPLICA_PORTS, "",
                PayaraMemberConfig.MEMBER_NAME_KEY, "node-1")));
        assertEquals(java.util.List.of(), m.cluster().replicas());
        assertEquals(2, MemberProperties.read(new MapConfig(Map.of(PayaraMemberConfig.MEMBER_NAME_KEY, "node-1")))
                .cluster().replicas().size(), "a missing key takes the default");
    }

    /**
     * MicroProfile Config over a map, as Payara serves the domain.xml properties and the secrets
     * directory: an empty value reads as missing, as the specification has it.
     */
    private record MapConfig(Map<String, String> values) implements Config {

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getValue(String name, Class<T> type) {
            return getOptionalValue(name, type).orElseThrow(() -> new NoSuchElementException(name));
        }

        @Override
        public ConfigValue getConfigValue(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> Optional<T> getOptionalValue(String name, Class<T> type) {
            return Optional.ofNullable((T) values.get(name)).filter(v -> !"".equals(v));
        }

        @Override
        public Iterable<String> getPropertyNames() {
            return values.keySet();
        }

        @Override
        public Iterable<ConfigSource> getConfigSources() {
            return java.util.List.of();
        }

        @Override
        public <T> Optional<Converter<T>> getConverter(Class<T> type) {
            return Optional.empty();
        }

        @Override
        public <T> T unwrap(Class<T> type) {
            throw new UnsupportedOperationException();
        }
    }
}
