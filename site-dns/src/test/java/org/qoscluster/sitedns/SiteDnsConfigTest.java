package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
                "qos.site-dns.site.b.addresses", "127.0.2.1,::1",
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
