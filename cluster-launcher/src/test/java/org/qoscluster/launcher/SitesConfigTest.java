package org.qoscluster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.contract.GroupState;
import org.qoscluster.redundancy.SiteGroup;
import org.qoscluster.sitedns.SiteDnsConfig;

class SitesConfigTest {

    private static Map<String, String> twoSites() {
        Map<String, String> p = new HashMap<>();
        p.put("qos.sites", "east,west");
        p.put("qos.site.east.host", "127.0.1.1");
        p.put("qos.site.west.host", "127.0.2.1");
        p.put("qos.site-dns.zone", "shop.example.test.");
        p.put("qos.site-dns.policy", "ordered");
        p.put("qos.db.replica.ports", "");
        return p;
    }

    private static List<String> problems(Map<String, String> p) {
        return assertThrows(InvalidConfigException.class, () -> SitesConfig.from(p)).problems();
    }

    private static void refused(Map<String, String> p, String key, String says) {
        List<String> problems = problems(p);
        assertTrue(problems.stream().anyMatch(x -> x.startsWith(key) && x.contains(says)), problems::toString);
    }

    @Test
    void eachSiteIsAClusterOfItsOwnAtItsAddress() {
        SitesConfig c = SitesConfig.from(twoSites());
        assertEquals(List.of("east", "west"), c.sites().stream().map(SitesConfig.Site::name).toList());
        SitesConfig.Site east = c.requireSite("east");
        SitesConfig.Site west = c.requireSite("west");
        assertEquals("127.0.1.1", east.cluster().address("router"));
        assertEquals("127.0.2.1", west.cluster().address("node-1"));
        assertEquals("qoscluster-east", east.cluster().clusterName());
        assertNotEquals(east.cluster().clusterName(), west.cluster().clusterName());
        assertTrue(east.cluster().replicas().isEmpty());
        assertEquals("127.0.1.1:5353", east.dnsEndpoint());
        assertEquals(List.of("127.0.2.1"), west.addresses());
        assertEquals("http://127.0.2.1:8080/qrs/site", west.statusUrl().toString());
    }

    @Test
    void aSiteKeySetsTheClusterKeyForThatSiteOnly() {
        Map<String, String> p = twoSites();
        p.put("qos.site.west.node.http.ports", "9081");
        p.put("qos.site.west.node.hazelcast.ports", "9901");
        p.put("qos.site.west.node.db-proxy.ports", "9701");
        SitesConfig c = SitesConfig.from(p);
        assertEquals(1, c.requireSite("west").cluster().nodes().size());
        assertEquals(9081, c.requireSite("west").cluster().nodes().get(0).httpPort());
        assertEquals(2, c.requireSite("east").cluster().nodes().size());
    }

    @Test
    void eachDnsServerKnowsEverySiteAndPingsTheOthers() {
        Map<String, String> p = twoSites();
        p.put("qos.site.west.dns.port", "5454");
        p.put("qos.site.west.dns.peer", "127.0.0.9:6000");
        p.put("qos.site.east.status-url", "http://127.0.0.9:7000/qrs/site");
        SitesConfig c = SitesConfig.from(p);
        Map<String, String> east = c.dnsProperties(c.requireSite("east"));
        assertEquals("east,west", east.get("qos.site-dns.sites"));
        assertEquals("127.0.1.1", east.get("qos.site-dns.listen.address"));
        assertEquals("5353", east.get("qos.site-dns.listen.port"));
        assertEquals("127.0.0.9:6000", east.get("qos.site-dns.peers"));
        assertEquals("http://127.0.0.9:7000/qrs/site", east.get("qos.site-dns.site.east.status-url"));
        assertEquals("shop.example.test.", east.get("qos.site-dns.zone"));
        Map<String, String> west = c.dnsProperties(c.requireSite("west"));
        assertEquals("127.0.1.1:5353", west.get("qos.site-dns.peers"));
        assertEquals("5454", west.get("qos.site-dns.listen.port"));
        SiteDnsConfig read = SiteDnsConfig.read(west);
        assertEquals(2, read.sites().size());
        assertEquals(1, read.health().peers().size());
    }

    @Test
    void theDemoHasTwoSitesWhoseRoutersAndDnsServersHaveAddressesOfTheirOwn() {
        SitesConfig c = SitesConfig.from(Sites.properties(null, Map.of()));
        SitesConfig.Site east = c.requireSite("east");
        SitesConfig.Site west = c.requireSite("west");
        assertEquals("127.0.1.1", east.cluster().address("router"));
        assertEquals("127.0.2.1:5353", west.dnsEndpoint());
        assertEquals(List.of("127.0.2.1"), west.addresses());
        assertEquals("127.0.0.1", west.cluster().address("node-1"));
        assertEquals(1, east.cluster().replicas().size());
    }

    @Test
    void isSitesOnlyWithQosSites() {
        assertTrue(SitesConfig.isSites(twoSites()));
        assertFalse(SitesConfig.isSites(Map.of("qos.host", "127.0.0.1")));
    }

    @Test
    void refusesNoSites() {
        Map<String, String> p = twoSites();
        p.put("qos.sites", " ");
        refused(p, "qos.sites", "missing");
    }

    @Test
    void refusesABadOrRepeatedSiteName() {
        Map<String, String> p = twoSites();
        p.put("qos.sites", "east,West_1,east");
        refused(p, "qos.sites", "'West_1' is not a site name");
        refused(p, "qos.sites", "'east' is named twice");
    }

    @Test
    void refusesAKeyOfAnUnknownSite() {
        Map<String, String> p = twoSites();
        p.put("qos.site.north.host", "127.0.3.1");
        refused(p, "qos.site.north.host", "'north' is not a site");
    }

    @Test
    void refusesTheZoneMissing() {
        Map<String, String> p = twoSites();
        p.remove("qos.site-dns.zone");
        refused(p, "qos.site-dns.zone", "missing");
    }

    @Test
    void refusesDerivedAndUnknownSiteDnsKeys() {
        Map<String, String> p = twoSites();
        p.put("qos.site-dns.peers", "127.0.0.1:53");
        p.put("qos.site-dns.listen.port", "53");
        p.put("qos.site-dns.colour", "blue");
        refused(p, "qos.site-dns.peers", "derived from the sites");
        refused(p, "qos.site-dns.listen.port", "derived from the sites");
        refused(p, "qos.site-dns.colour", "unknown key");
    }

    @Test
    void refusesABadClusterKeyOfASiteNamingTheSiteKey() {
        Map<String, String> p = twoSites();
        p.put("qos.site.east.router.http.port", "http");
        p.put("qos.site.west.colour", "blue");
        refused(p, "qos.site.east.router.http.port", "'http'");
        refused(p, "qos.site.west.colour", "unknown key");
    }

    @Test
    void refusesABadSharedClusterKeyNamingTheSite() {
        Map<String, String> p = twoSites();
        p.put("qos.db.master.port", "x");
        refused(p, "site east: qos.db.master.port", "'x'");
    }

    @Test
    void refusesKeysASiteCannotSet() {
        Map<String, String> p = twoSites();
        p.put("qos.site.east.site-dns.zone", "a.test.");
        p.put("qos.site.east.secret.uid-key", "x");
        refused(p, "qos.site.east.site-dns.zone", "not a key a site can set");
        refused(p, "qos.site.east.secret.uid-key", "not a key a site can set");
    }

    @Test
    void refusesTwoSitesOnOneAddressAndPort() {
        Map<String, String> p = twoSites();
        p.put("qos.site.west.host", "127.0.1.1");
        refused(p, "site west", "listens on 127.0.1.1:8080, as site east");
    }

    @Test
    void refusesOneHazelcastClusterForTwoSites() {
        Map<String, String> p = twoSites();
        p.put("qos.site.east.cluster.name", "shop");
        p.put("qos.site.west.cluster.name", "shop");
        refused(p, "qos.site.west.cluster.name", "sites never share a Hazelcast cluster");
    }

    @Test
    void refusesABadDnsAddressOrPort() {
        Map<String, String> p = twoSites();
        p.put("qos.site.east.dns.address", "0.0.0.0");
        p.put("qos.site.west.dns.port", "70000");
        refused(p, "qos.site.east.dns.address", "not one address");
        refused(p, "qos.site.west.dns.port", "not a port number");
        p.put("qos.site.east.dns.address", "dns.example");
        refused(p, "qos.site.east.dns.address", "not an IP address literal");
    }

    @Test
    void refusesWhatTheDnsServerWouldRefuseNamingTheSite() {
        Map<String, String> p = twoSites();
        p.put("qos.site.west.dns.peer", "somewhere");
        p.put("qos.site-dns.policy", "fastest");
        List<String> problems = problems(p);
        assertTrue(problems.stream().anyMatch(x -> x.startsWith("site east's DNS server: qos.site-dns.peers")), problems::toString);
        assertTrue(problems.stream().anyMatch(x -> x.contains("qos.site-dns.policy: 'fastest'")), problems::toString);
    }

    @Test
    void refusesAnUnknownSiteOnTheCommandLine() {
        SitesConfig c = SitesConfig.from(twoSites());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.requireSite("north"));
        assertTrue(e.getMessage().contains("sites: east, west"), e.getMessage());
    }

    @Test
    void theSitesShareOneDatabaseGroupByDefaultItsMasterAtTheFirstSite() {
        SitesConfig c = SitesConfig.from(twoSites());
        assertTrue(c.sharedDatabase());
        SitesConfig.Site east = c.requireSite("east");
        SitesConfig.Site west = c.requireSite("west");
        assertEquals(java.util.Optional.of("west"), west.cluster().groupSite());
        assertEquals("east,west", west.cluster().properties().get(ClusterConfig.SHARED_GROUP_SITES));
        assertEquals("east/master/127.0.1.1/1527,west/master/127.0.2.1/1527",
                west.cluster().properties().get(ClusterConfig.SHARED_GROUP_COPIES));
        assertEquals("2000", west.cluster().properties().get(ClusterConfig.SHARED_GROUP_LEASE));
        SiteGroup group = SiteGroup.from(west.cluster()).orElseThrow();
        assertEquals(List.of("east-master", "west-master"), group.copies().stream().map(GroupState.Copy::name).toList());
        assertEquals("east-master", group.firstMaster());
        assertEquals("east", group.siteOf("east-master"));
        assertTrue(east.cluster().holdsFirstMaster());
        assertFalse(west.cluster().holdsFirstMaster());
        assertTrue(east.cluster().keepsGroup(), "a lone copy that is part of a group across sites has a write path");
        assertEquals(List.of(), east.cluster().readCopies());
        assertEquals(List.of("master"), west.cluster().readCopies().stream().map(org.qoscluster.config.DatabaseSpec::name).toList());
        assertEquals("west-master", west.cluster().groupCopyName(west.cluster().master()));
    }

    @Test
    void anotherSiteReachesACopyAtItsWanAddress() {
        Map<String, String> p = twoSites();
        p.put("qos.site.east.wan.master", "127.0.0.9:21527");
        p.put("qos.sites.master-lease-ms", "1500");
        SitesConfig c = SitesConfig.from(p);
        assertEquals("east/master/127.0.0.9/21527,west/master/127.0.2.1/1527",
                c.requireSite("west").cluster().properties().get(ClusterConfig.SHARED_GROUP_COPIES));
        assertEquals("east/master/127.0.1.1/1527,west/master/127.0.2.1/1527",
                c.requireSite("east").cluster().properties().get(ClusterConfig.SHARED_GROUP_COPIES), "its own site reaches it directly");
        assertEquals(java.time.Duration.ofMillis(1500), SiteGroup.from(c.requireSite("east").cluster()).orElseThrow().lease());
    }

    @Test
    void separateGroupsKeepEachSitesOwn() {
        Map<String, String> p = twoSites();
        p.put("qos.sites.database", "separate");
        SitesConfig c = SitesConfig.from(p);
        assertFalse(c.sharedDatabase());
        assertEquals(java.util.Optional.empty(), c.requireSite("west").cluster().groupSite());
        assertEquals(java.util.Optional.empty(), SiteGroup.from(c.requireSite("west").cluster()));
        p.put("qos.site.east.wan.master", "127.0.0.9:21527");
        refused(p, "qos.site.east.wan.master", "separate");
    }

    @Test
    void refusesBadKeysOfTheSharedGroup() {
        Map<String, String> p = twoSites();
        p.put("qos.sites.database", "both");
        refused(p, "qos.sites.database", "'both' is not shared or separate");
        p = twoSites();
        p.put("qos.sites.master-lease-ms", "5");
        refused(p, "qos.sites.master-lease-ms", "from 100 to 600000");
        p = twoSites();
        p.put("qos.sites.lease", "5");
        refused(p, "qos.sites.lease", "unknown key");
        p = twoSites();
        p.put("qos.shared-group.site", "east");
        refused(p, "qos.shared-group.site", "derived from the sites");
        p = twoSites();
        p.put("qos.site.east.shared-group.copies", "east/master/127.0.0.1/1");
        refused(p, "qos.site.east.shared-group.copies", "not a key a site can set");
        p = twoSites();
        p.put("qos.site.east.wan.replica-3", "127.0.0.9:21527");
        refused(p, "qos.site.east.wan.replica-3", "'replica-3' is not a database copy of site east");
        p = twoSites();
        p.put("qos.site.east.wan.master", "somewhere:99999");
        refused(p, "qos.site.east.wan.master", "is not ADDRESS:PORT");
        p = twoSites();
        p.put("qos.site.west.db.name", "other");
        refused(p, "qos.site.west.db.name", "the sites share one database group");
    }
}
