package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import javax.management.BadAttributeValueExpException;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import org.junit.jupiter.api.Test;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.testing.ListeningSockets;
import org.qoscluster.testing.QosCluster;

/**
 * What a running cluster exposes: every part listens only on the address it is configured with;
 * its data grid admits only processes that know the cluster's secret name, and its members
 * deserialize only the classes the project stores; its databases answer only the cluster's user
 * with its generated password; its state directory is its owner's alone.
 */
@QosCluster(nodes = 2, replicas = 1)
class ClusterExposureIT {

    @Test
    void shouldListenOnlyOnTheConfiguredAddress(Cluster cluster) throws Exception {
        ClusterConfig config = cluster.config();
        InetAddress host = InetAddress.getByName(config.host());
        List<ListeningSockets.Listener> all = new ArrayList<>();
        List<PartStatus> parts = cluster.status();
        assertTrue(parts.stream().anyMatch(p -> p.name().equals(Cluster.REPLICATION_AGENT)), parts.toString());
        for (PartStatus part : parts) {
            assertTrue(part.alive(), part.name() + " runs");
            all.addAll(ListeningSockets.of(part.pid()));
        }
        List<String> elsewhere = all.stream().filter(l -> !l.address().getAddress().equals(host)).map(Object::toString).toList();
        assertEquals(List.of(), elsewhere, "sockets listening elsewhere than " + config.host() + "; all: " + all);

        // The check above must have seen every configured port, or it proves nothing.
        Set<Integer> expected = new TreeSet<>();
        for (MemberSpec m : config.members()) {
            expected.add(m.httpPort());
        }
        // The data grid's members: the nodes (the router is one only when it runs on Payara Micro).
        config.nodes().forEach(n -> expected.add(n.hazelcastPort()));
        config.nodes().forEach(n -> expected.add(n.dbProxyPort()));
        config.databases().stream().map(DatabaseSpec::port).forEach(expected::add);
        Set<Integer> seen = new TreeSet<>();
        all.forEach(l -> seen.add(l.address().getPort()));
        assertTrue(seen.containsAll(expected), "listening on " + seen + ", configured " + expected);
    }

    @Test
    void shouldRefuseAClientThatDoesNotKnowTheSecretClusterName(Cluster cluster) {
        ClusterConfig config = cluster.config();
        String sessions = config.properties().get("qos.session.map");
        for (String guess : List.of(config.clusterName(), "dev")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> client(cluster, guess).shutdown(),
                    "a client calling itself '" + guess + "' connects");
            assertTrue(e.getMessage().contains("Unable to connect"), e.getMessage());
        }
        HazelcastInstance knowing = client(cluster, cluster.hazelcastClusterName());
        try {
            assertDoesNotThrow(() -> knowing.getMap(sessions).size(), "the same client, with the secret, reads the session map");
        } finally {
            knowing.shutdown();
        }
    }

    @Test
    void shouldKeepAMemberThatDoesNotKnowTheSecretClusterNameOutside(Cluster cluster) {
        ClusterConfig config = cluster.config();
        Config c = new Config();
        c.setClusterName(config.clusterName());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.join.seconds", "10");
        var network = c.getNetworkConfig();
        network.setPort(org.qoscluster.testing.TestRuntime.freePorts(1).get(0)).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(config.host());
        network.getJoin().getMulticastConfig().setEnabled(false);
        network.getJoin().getAutoDetectionConfig().setEnabled(false);
        network.getJoin().getTcpIpConfig().setEnabled(true)
                .setMembers(List.of(PayaraMemberConfig.tcpipMembers(config).split(",")));
        HazelcastInstance outsider = Hazelcast.newHazelcastInstance(c);
        try {
            assertEquals(1, outsider.getCluster().getMembers().size(), "the outsider forms a cluster of its own");
            assertEquals(0, outsider.getMap(config.properties().get("qos.session.map")).size());
        } finally {
            outsider.shutdown();
        }
    }

    @Test
    void shouldRefuseToDeserializeAGadgetClassOnAMember(Cluster cluster) throws Exception {
        HazelcastInstance client = client(cluster, cluster.hazelcastClusterName());
        try {
            // A query on the value makes the owning member deserialize it.
            IMap<String, Object> allowed = client.getMap("qos-exposure-allowed");
            java.net.URI uri = java.net.URI.create("http://example.com/");
            allowed.set("k", uri);
            assertEquals(1, allowed.values(Predicates.equal("this", uri)).size(), "a Java value type is read on the member");
            allowed.destroy();

            IMap<String, Object> refused = client.getMap("qos-exposure-refused");
            refused.set("k", new BadAttributeValueExpException("x"));
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> refused.values(Predicates.equal("this", uri)));
            assertTrue(String.valueOf(e).contains("REJECTED") || String.valueOf(e.getCause()).contains("REJECTED"), e.toString());
            refused.destroy();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void shouldRefuseADatabaseConnectionWithoutThePassword(Cluster cluster) throws Exception {
        for (DatabaseSpec db : cluster.config().databases()) {
            String url = cluster.jdbcUrl(db.name());
            for (String[] credentials : List.of(new String[] {null, null}, new String[] {ClusterConfig.DB_USER, null},
                    new String[] {ClusterConfig.DB_USER, "qos"}, new String[] {"APP", "APP"})) {
                java.sql.SQLException e = assertThrows(java.sql.SQLException.class, () -> {
                    java.util.Properties p = new java.util.Properties();
                    if (credentials[0] != null) {
                        p.setProperty("user", credentials[0]);
                    }
                    if (credentials[1] != null) {
                        p.setProperty("password", credentials[1]);
                    }
                    java.sql.DriverManager.getConnection(url, p).close();
                }, db.name() + " accepts user " + credentials[0] + " with password " + credentials[1]);
                assertEquals("08004", e.getSQLState(), db.name() + ": " + e);
            }
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, ClusterConfig.DB_USER, cluster.dbPassword());
                 java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet r = s.executeQuery("SELECT COUNT(*) FROM SYS.SYSTABLES")) {
                assertTrue(r.next(), db.name() + " answers the cluster's user with its password");
            }
        }
    }

    @Test
    void shouldKeepTheStateDirectoryFromOtherUsers(Cluster cluster) throws Exception {
        java.nio.file.Path state = cluster.stateDir();
        assertOwnerOnly(state);
        assertOwnerOnly(cluster.secretsDir());
        for (String secret : ClusterConfig.SECRETS) {
            assertOwnerOnly(cluster.secretsDir().resolve(secret));
        }
        for (DatabaseSpec db : cluster.config().databases()) {
            assertOwnerOnly(state.resolve("derby").resolve(db.name()));
            assertOwnerOnly(state.resolve("derby").resolve(db.name()).resolve("derby.properties"));
        }
        for (MemberSpec m : cluster.config().members()) {
            assertOwnerOnly(state.resolve("members").resolve(m.name()).resolve("domain.xml"));
        }
    }

    private static void assertOwnerOnly(java.nio.file.Path p) throws java.io.IOException {
        Set<java.nio.file.attribute.PosixFilePermission> perms = java.nio.file.Files.getPosixFilePermissions(p);
        assertTrue(perms.stream().allMatch(x -> x.name().startsWith("OWNER_")),
                p + " is " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
    }

    private static HazelcastInstance client(Cluster cluster, String clusterName) {
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.getNetworkConfig().addAddress(PayaraMemberConfig.tcpipMembers(cluster.config()).split(","));
        c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(5_000);
        return HazelcastClient.newHazelcastClient(c);
    }
}
