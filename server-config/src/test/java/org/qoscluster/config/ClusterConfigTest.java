package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {

    @Test
    void shouldDescribeTheDemoClusterByDefault() {
        ClusterConfig c = ClusterConfig.defaults();
        assertEquals("127.0.0.1", c.host());
        assertEquals(List.of("master", "replica-1", "replica-2"), c.databases().stream().map(DatabaseSpec::name).toList());
        assertEquals(List.of(8081, 8082), c.nodes().stream().map(MemberSpec::httpPort).toList());
        assertEquals("jdbc:derby://127.0.0.1:1527/store", c.jdbcUrl(c.master()));
        assertEquals("jdbc/qos/replica-2", c.replicas().get(1).jndiName());
        assertEquals("default", c.defaultServiceClass().name());
    }

    @Test
    void shouldClassifyRequestsByMethodAndPath() {
        ClusterConfig c = ClusterConfig.defaults();
        assertEquals("browse", c.classify("GET", "/api/products/12").name());
        assertEquals("checkout", c.classify("POST", "/api/orders").name());
        assertEquals("checkout", c.classify("DELETE", "/api/cart/items/3").name());
        assertEquals("default", c.classify("PUT", "/api/products/12").name());
    }

    @Test
    void shouldNameTheKeyAndEchoTheValueOfEveryBadSetting() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(Map.of(
                ClusterConfig.DB_MASTER_PORT, "abc",
                ClusterConfig.HOST, "localhost",
                "qos.class.browse.p95-ms", "-5",
                "qos.class.browse.match", "fetch products",
                "qos.node.htpp.ports", "1")));
        String m = e.getMessage();
        assertTrue(m.contains("qos.db.master.port: 'abc' is not a port number"), m);
        assertTrue(m.contains("qos.host: 'localhost' is not a literal IPv4 or IPv6 address"), m);
        assertTrue(m.contains("qos.class.browse.p95-ms: '-5' is out of range"), m);
        assertTrue(m.contains("qos.class.browse.match: 'fetch products' is not a rule"), m);
        assertTrue(m.contains("qos.node.htpp.ports: unknown key"), m);
        assertEquals(5, e.problems().size(), m);
    }

    @Test
    void shouldRefuseHttpLimitsOutOfRange() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(Map.of(
                ClusterConfig.HTTP_MAX_HEADER_BYTES, "512",
                ClusterConfig.HTTP_MAX_BODY_BYTES, "1MB")));
        String m = e.getMessage();
        assertTrue(m.contains("qos.http.max-header-bytes: '512' is out of range 1024-65536"), m);
        assertTrue(m.contains("qos.http.max-body-bytes: '1MB' is not a whole number"), m);
        assertEquals(1_048_576, ClusterConfig.defaults().maxBodyBytes());
        assertEquals(8192 + ClusterConfig.FORWARDED_HEADER_ROOM, ClusterConfig.defaults().forwardedHeaderBytes());
    }

    @Test
    void shouldAdmitOnlyClassPatternsForDeserialization() {
        assertEquals(List.of("com.example.shop.**", "com.example.Cart"),
                ClusterConfig.from(Map.of(ClusterConfig.SERIALIZATION_ALLOW, " com.example.shop.** ;com.example.Cart;")).serializationAllowed());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.SERIALIZATION_ALLOW, "com.example.*;!java.**;*")));
        String m = e.getMessage();
        assertTrue(m.contains("qos.serialization.allow: '!java.**' (in 'com.example.*;!java.**;*') is not a class name"), m);
        assertTrue(m.contains("qos.serialization.allow: '*' (in"), m);
        assertEquals(2, e.problems().size(), m);
    }

    @Test
    void shouldRefuseTwoPartsOnOnePort() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.DB_REPLICA_PORTS, "1528,8081")));
        assertTrue(e.getMessage().contains("port 8081 is also given in qos.db.replica.ports"), e.getMessage());
    }

    @Test
    void shouldRequireOneHazelcastPortPerNode() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.NODE_HTTP_PORTS, "8081,8082,8083")));
        assertTrue(e.getMessage().contains("lists 2 ports but qos.node.http.ports lists 3 nodes"), e.getMessage());
    }

    @Test
    void shouldRefuseADefaultClassThatDoesNotExist() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.DEFAULT_CLASS, "gold")));
        assertTrue(e.getMessage().contains("qos.class.default: 'gold' names no configured class"), e.getMessage());
    }

    @Test
    void shouldLayAFileOverTheDefaultsAndOverridesOverTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("cluster.properties");
        Files.writeString(file, "qos.node.http.ports=9001,9002,9003\nqos.node.hazelcast.ports=9101,9102,9103\nqos.node.db-proxy.ports=9201,9202,9203\nqos.db.replica.ports=\n");
        ClusterConfig c = ClusterConfig.load(file, Map.of(ClusterConfig.DB_MASTER_PORT, "9527"));
        assertEquals(3, c.nodes().size());
        assertEquals(0, c.replicas().size());
        assertEquals(9527, c.master().port());
    }

    @Test
    void shouldReadFurtherGroupsEachWithItsOwnCopiesDatabaseAndTables() {
        ClusterConfig c = ClusterConfig.from(Map.of(ClusterConfig.GROUPS, "archive, audit-log",
                "qos.group.archive.ports", "1540,1541", "qos.group.archive.tables", "NOTE, TAG",
                "qos.group.audit-log.ports", "1542", "qos.group.audit-log.tables", "ENTRY", "qos.group.audit-log.database", "AUDIT"));
        assertEquals(2, c.furtherGroups().size());
        GroupSpec archive = c.furtherGroups().get(0);
        assertEquals(List.of(new DatabaseSpec("archive-1", true, 1540), new DatabaseSpec("archive-2", false, 1541)), archive.copies());
        assertEquals("archive", archive.database());
        assertEquals(List.of("NOTE", "TAG"), archive.tables());
        assertEquals("jdbc:derby://127.0.0.1:1541/archive", c.jdbcUrl(archive, archive.copies().get(1)));
        assertEquals("AUDIT", c.furtherGroups().get(1).database());
        assertTrue(ClusterConfig.defaults().furtherGroups().isEmpty(), "none by default");
    }

    @Test
    void shouldRefuseAFurtherGroupWithABadNameKeyPortOrNoTables() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(Map.of(
                ClusterConfig.GROUPS, "store,archive,Bad",
                "qos.group.archive.ports", "1527,1541", "qos.group.archive.colour", "red",
                "qos.group.other.ports", "1600")));
        String m = e.getMessage();
        assertTrue(m.contains("qos.groups: 'store' is not a group name"), m);
        assertTrue(m.contains("qos.groups: 'Bad' is not a group name"), m);
        assertTrue(m.contains("qos.group.archive.colour: unknown key"), m);
        assertTrue(m.contains("qos.group.other.ports: unknown key"), m);
        assertTrue(m.contains("qos.group.archive.tables: missing"), m);
        assertTrue(m.contains("port 1527 is also given in qos.db.master.port"), m);
    }
}
