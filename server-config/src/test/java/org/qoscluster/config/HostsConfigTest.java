package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Hosts ({@code qos.hosts}) and the placement of parts on them ({@code qos.place.PART}). */
class HostsConfigTest {

    private static final Map<String, String> THREE_HOSTS = Map.of(
            ClusterConfig.HOSTS, "alpha=10.213.7.2, beta=10.213.7.3,gamma=10.213.7.4",
            "qos.db.replica.ports", "1528",
            "qos.place.master", "alpha",
            "qos.place.node-1", "beta",
            "qos.place.replica-1", "beta",
            "qos.place.node-2", "gamma");

    @Test
    void shouldRunEveryPartOnOneHostNamedLocalByDefault() {
        ClusterConfig c = ClusterConfig.defaults();
        assertEquals(List.of(new HostSpec("local", "127.0.0.1")), c.hosts());
        assertEquals("127.0.0.1", c.address("node-2"));
        assertEquals("127.0.0.1", c.address(ClusterConfig.REPLICATION_AGENT));
        assertTrue(c.singleHost());
    }

    @Test
    void shouldKeepQosHostAsTheAddressOfTheOneHost() {
        ClusterConfig c = ClusterConfig.from(Map.of(ClusterConfig.HOST, "127.0.0.5"));
        assertEquals(List.of(new HostSpec("local", "127.0.0.5")), c.hosts());
        assertEquals("jdbc:derby://127.0.0.5:1527/store", c.jdbcUrl(c.master()));
    }

    @Test
    void shouldPlaceEachPartOnItsHostAndTheOthersOnTheFirst() {
        ClusterConfig c = ClusterConfig.from(THREE_HOSTS);
        assertEquals("alpha", c.hostOf("router").name(), "unplaced: the first host");
        assertEquals("alpha", c.hostOf(ClusterConfig.REPLICATION_AGENT).name());
        assertEquals("10.213.7.3", c.address("node-1"));
        assertEquals("10.213.7.4", c.address("node-2"));
        assertEquals("jdbc:derby://10.213.7.3:1528/store", c.jdbcUrl(c.replicas().get(0)));
        assertEquals("jdbc:derby://10.213.7.2:1527/store", c.jdbcUrl(c.master()));
        assertEquals("alpha", c.hostOf("replica-9").name(), "a copy added at run time: the first host");
        assertFalse(c.singleHost());
    }

    @Test
    void shouldLetPartsOnDifferentHostsShareAPortButNotPartsOnOneHost() {
        Map<String, String> p = new java.util.HashMap<>(THREE_HOSTS);
        p.put("qos.node.http.ports", "8081,8081");
        assertEquals(8081, ClusterConfig.from(p).nodes().get(1).httpPort(), "node-1 on beta, node-2 on gamma");
        p.put("qos.place.node-2", "beta");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(p));
        assertTrue(e.getMessage().contains("qos.node.http.ports: port 8081 is also given in qos.node.http.ports (node-1 and node-2,"
                + " both on host beta)"), e.getMessage());
    }

    @Test
    void shouldAcceptIpv6AddressesAndBracketThemInUrls() {
        ClusterConfig c = ClusterConfig.from(Map.of(ClusterConfig.HOSTS, "one=fd00:213::2,two=::1", "qos.place.router", "two",
                ClusterConfig.ROUTER_SERVER, "payara"));
        assertEquals("fd00:213::2", c.address("node-1"));
        assertEquals("jdbc:derby://[fd00:213::2]:1527/store", c.jdbcUrl(c.master()));
        assertEquals("[fd00:213::2]:6901", PayaraMemberConfig.tcpipMembers(c).split(",")[1]);
        assertEquals("[::1]:6900", PayaraMemberConfig.tcpipMembers(c).split(",")[0]);
    }

    @Test
    void shouldNameTheKeyOfEveryBadHostOrPlacement() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(Map.of(
                ClusterConfig.HOSTS, "a=10.0.0.1,b=db.example.org,a=10.0.0.2,c=10.0.0.1,d=0.0.0.0,E=10.0.0.9,f=10.0.0.256,g",
                ClusterConfig.HOST, "10.0.0.7",
                "qos.place.node-7", "a",
                "qos.place.master", "zeta")));
        String m = e.getMessage();
        assertTrue(m.contains("qos.hosts (host b): 'db.example.org' is not a literal IPv4 or IPv6 address"), m);
        assertTrue(m.contains("qos.hosts: host name 'a' is given twice"), m);
        assertTrue(m.contains("qos.hosts: hosts 'a' and 'c' have the same address 10.0.0.1"), m);
        assertTrue(m.contains("qos.hosts (host d): '0.0.0.0' is the wildcard address"), m);
        assertTrue(m.contains("qos.hosts: 'E=10.0.0.9' is not NAME=ADDRESS"), m);
        assertTrue(m.contains("qos.hosts (host f): '10.0.0.256' is not a literal"), m);
        assertTrue(m.contains("qos.hosts: 'g' is not NAME=ADDRESS"), m);
        assertTrue(m.contains("qos.host: '10.0.0.7' is given together with qos.hosts"), m);
        assertTrue(m.contains("qos.place.node-7: 'node-7' is not a part of this cluster"), m);
        assertTrue(m.contains("qos.place.master: 'zeta' is not a host of qos.hosts (hosts: a)"), m);
        assertEquals(10, e.problems().size(), m);
    }

    @Test
    void shouldBindEachMemberToItsHostAndReachEveryOtherPartAtItsHost() {
        ClusterConfig c = ClusterConfig.from(THREE_HOSTS);
        assertEquals("10.213.7.3:6901,10.213.7.4:6902", PayaraMemberConfig.tcpipMembers(c));
        List<String> options = PayaraMemberConfig.microOptions(c, c.nodes().get(1), java.nio.file.Path.of("domain.xml"));
        assertEquals("10.213.7.4", options.get(options.indexOf("--interfaces") + 1));
    }

    @Test
    void shouldCarryThePlacementIntoTheMembersProperties() {
        ClusterConfig c = ClusterConfig.from(THREE_HOSTS);
        ClusterConfig again = ClusterConfig.from(c.properties());
        assertEquals(c.hosts(), again.hosts());
        assertEquals("beta", again.hostOf("replica-1").name());
    }
}
