package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.InvalidConfigException;

class SiteDnsConfigTest {

    private static Map<String, String> good() {
        return new HashMap<>(Map.of(
                "qos.site-dns.zone", "shop.example.test",
                "qos.site-dns.sites", "a,b",
                "qos.site-dns.site.a.addresses", "127.0.1.1",
                "qos.site-dns.site.a.status-url", "http://127.0.1.1:8080/qrs/site",
                "qos.site-dns.site.b.addresses", "127.0.2.1,::1",
                "qos.site-dns.site.b.status-url", "https://[::1]:8443/qrs/site",
                "qos.site-dns.listen.address", "127.0.0.1",
                "qos.site-dns.listen.port", "5353"));
    }

    @Test
    void shouldReadTheDefaults() {
        SiteDnsConfig c = SiteDnsConfig.read(good());
        assertEquals("shop.example.test.", c.zone().toString());
        assertEquals(SitePolicy.ORDERED, c.policy());
        assertEquals(List.of("a", "b"), c.sites().stream().map(Site::name).toList());
        assertEquals(5, c.ttlSeconds());
        assertEquals("ns1.shop.example.test.", c.nameserver().toString());
        assertEquals(List.of(c.listenAddress()), c.nameserverAddresses());
        assertEquals(false, c.servfailWhenEmpty());
        SiteDnsConfig.Health h = c.health();
        assertEquals(Map.of("a", URI.create("http://127.0.1.1:8080/qrs/site"), "b", URI.create("https://[::1]:8443/qrs/site")),
                h.statusUrls());
        assertEquals(Duration.ofMillis(500), h.interval());
        assertEquals(Duration.ofSeconds(1), h.timeout());
        assertEquals(Duration.ofSeconds(2), h.downAfter());
        assertEquals(1, h.upAfterSuccesses());
        assertEquals(List.of(), h.peers());
    }

    @Test
    void shouldReadTheProbesAndPeers() {
        Map<String, String> p = good();
        p.put("qos.site-dns.probe.interval-ms", "200");
        p.put("qos.site-dns.probe.timeout-ms", "300");
        p.put("qos.site-dns.down-after-ms", "5000");
        p.put("qos.site-dns.up-after-successes", "2");
        p.put("qos.site-dns.peers", "127.0.2.53:5353, 127.0.3.53:53");
        SiteDnsConfig.Health h = SiteDnsConfig.read(p).health();
        assertEquals(Duration.ofMillis(200), h.interval());
        assertEquals(Duration.ofMillis(300), h.timeout());
        assertEquals(Duration.ofSeconds(5), h.downAfter());
        assertEquals(2, h.upAfterSuccesses());
        assertEquals(List.of(new InetSocketAddress(Subnet.literal("127.0.2.53"), 5353), new InetSocketAddress(Subnet.literal("127.0.3.53"), 53)),
                h.peers());
    }

    @Test
    void shouldNameEveryBadProbeKey() {
        Map<String, String> p = good();
        p.put("qos.site-dns.site.a.status-url", "http://router-a.example:8080/qrs/site");
        p.put("qos.site-dns.site.b.status-url", "ftp://127.0.2.1/qrs/site");
        p.put("qos.site-dns.probe.interval-ms", "3000");
        p.put("qos.site-dns.probe.timeout-ms", "2500");
        p.put("qos.site-dns.up-after-successes", "0");
        p.put("qos.site-dns.peers", "127.0.0.1:5353,127.0.2.53,::1:53,peer-b:53,127.0.3.53:70000,0.0.0.0:53,[::1]:53");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> SiteDnsConfig.read(p));
        assertEquals(List.of(
                "qos.site-dns.site.a.status-url: 'http://router-a.example:8080/qrs/site' names host 'router-a.example'; name the router by its address, not a name to resolve",
                "qos.site-dns.site.b.status-url: 'ftp://127.0.2.1/qrs/site' is not an http or https URL",
                "qos.site-dns.up-after-successes: '0' is not a whole number from 1 to 100",
                "qos.site-dns.probe.interval-ms: 3000 is not below down-after-ms (2000): a site would be down between two probes",
                "qos.site-dns.probe.timeout-ms: 2500 is above down-after-ms (2000): a slow probe would outlast the silence that takes a site down",
                "qos.site-dns.peers: '127.0.0.1:5353' is this server's own listen address and port",
                "qos.site-dns.peers: '127.0.2.53' is not ADDRESS:PORT",
                "qos.site-dns.peers: '::1:53' is not ADDRESS:PORT (write an IPv6 address as [ADDRESS]:PORT)",
                "qos.site-dns.peers: 'peer-b' is not an IPv4 or IPv6 address",
                "qos.site-dns.peers: '127.0.3.53:70000' has port 70000, not from 1 to 65535",
                "qos.site-dns.peers: '0.0.0.0:53' is the wildcard address; name the peer's address",
                "qos.site-dns.peers: '[::1]:53' is not of the listen address's family; peers are pinged from 127.0.0.1"), e.problems());
        p.remove("qos.site-dns.site.a.status-url");
        e = assertThrows(InvalidConfigException.class, () -> SiteDnsConfig.read(p));
        assertEquals("qos.site-dns.site.a.status-url: missing; the site router's status page, for example http://127.0.1.1:8080/qrs/site",
                e.problems().get(0));
    }

    @Test
    void shouldNameEveryBadKeyAtOnce() {
        Map<String, String> p = good();
        p.put("qos.site-dns.policy", "fastest");
        p.put("qos.site-dns.site.a.addresses", "router-a.example");
        p.put("qos.site-dns.site.b.subnets", "10.2.0.0/40");
        p.put("qos.site-dns.listen.address", "0.0.0.0");
        p.put("qos.site-dns.listen.port", "70000");
        p.put("qos.site-dns.empty-answer", "error");
        p.put("qos.site-dns.ttl-seconds", "-1");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> SiteDnsConfig.read(p));
        List<String> keys = e.problems().stream().map(m -> m.substring(0, m.indexOf(':'))).toList();
        assertEquals(List.of("qos.site-dns.policy", "qos.site-dns.site.a.addresses", "qos.site-dns.site.a.addresses",
                "qos.site-dns.site.b.subnets", "qos.site-dns.ttl-seconds", "qos.site-dns.listen.address",
                "qos.site-dns.listen.port", "qos.site-dns.empty-answer"), keys, e.getMessage());
    }

    @Test
    void shouldRequireSitesAndTheirAddresses() {
        Map<String, String> p = good();
        p.remove("qos.site-dns.site.b.addresses");
        p.put("qos.site-dns.sites", "a,b,a,B");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> SiteDnsConfig.read(p));
        assertEquals(List.of("qos.site-dns.site.b.addresses: missing; the site router's IPv4 and/or IPv6 addresses",
                "qos.site-dns.sites: 'a' is named twice",
                "qos.site-dns.sites: 'B' is not a site name (lower-case letters, digits, '-')"), e.problems());
    }
}
