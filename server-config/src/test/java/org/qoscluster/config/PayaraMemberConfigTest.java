package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class PayaraMemberConfigTest {

    private static byte[] template;
    private static final Map<String, String> SECRETS = Map.of(ClusterConfig.SECRET_CLUSTER_NAME, "s3cret-cluster-name-0123456789",
            ClusterConfig.SECRET_DB_PASSWORD, "s3cret-db-password");
    private final ClusterConfig config = ClusterConfig.defaults();

    @BeforeAll
    static void readTheTemplateShippedInPayaraMicro() {
        template = PayaraMemberConfig.bundledTemplate(Path.of(System.getProperty("payara.microJar")));
    }

    @Test
    void shouldDefineAPoolAndResourceForEveryDatabaseCopy() throws Exception {
        XPath x = xpath();
        Document d = domainXml(config.nodes().get(0));
        for (DatabaseSpec db : config.databases()) {
            String pool = "/domain/resources/jdbc-connection-pool[@name='" + db.poolName() + "']";
            // The master's pool leads through the node's write-path proxy, which follows failovers.
            int port = db.master() ? config.nodes().get(0).dbProxyPort() : db.port();
            assertEquals(Integer.toString(port), x.evaluate(pool + "/property[@name='PortNumber']/@value", d));
            assertEquals("store", x.evaluate(pool + "/property[@name='DatabaseName']/@value", d));
            assertEquals("qos", x.evaluate(pool + "/property[@name='User']/@value", d));
            assertEquals("s3cret-db-password", x.evaluate(pool + "/property[@name='Password']/@value", d),
                    "the generated password, from the secrets");
            assertEquals(db.poolName(), x.evaluate("/domain/resources/jdbc-resource[@jndi-name='" + db.jndiName() + "']/@pool-name", d));
            assertEquals(1.0, x.evaluate("count(/domain/servers/server/resource-ref[@ref='" + db.jndiName() + "'])", d, XPathConstants.NUMBER));
            assertEquals("true", x.evaluate(pool + "/@is-connection-validation-required", d));
            // Writes validate every connection they take; reads of a replica at most once a second.
            assertEquals(db.master() ? "" : "1", x.evaluate(pool + "/@validate-atmost-once-period-in-seconds", d), db.name());
        }
    }

    @Test
    void shouldLeadANodesWritesThroughItsProxyOnlyWhenThereIsAGroupToFailOver() throws Exception {
        XPath x = xpath();
        String masterPort = "/domain/resources/jdbc-connection-pool[@name='qos-master-pool']/property[@name='PortNumber']/@value";
        assertEquals("1538", x.evaluate(masterPort, domainXml(config.nodes().get(1))), "node-2's own proxy");
        assertEquals("1527", x.evaluate(masterPort, domainXml(config.router())), "the router writes nothing through a proxy");
        ClusterConfig lone = ClusterConfig.from(java.util.Map.of(ClusterConfig.DB_REPLICA_PORTS, ""));
        assertEquals("1527", x.evaluate(masterPort, parse(PayaraMemberConfig.domainXml(lone, lone.nodes().get(0), template, SECRETS))),
                "a lone copy has no proxy");
    }

    @Test
    void shouldGiveANodeOfASiteThatFollowsAWritePathAndReadsOnItsOwnCopyDirectly() throws Exception {
        XPath x = xpath();
        // Site b of a group across sites, its one copy a replica of site a's master.
        ClusterConfig b = ClusterConfig.from(java.util.Map.of(ClusterConfig.DB_REPLICA_PORTS, "", ClusterConfig.DB_MASTER_PORT, "1547",
                ClusterConfig.SHARED_GROUP_SITE, "b", ClusterConfig.SHARED_GROUP_SITES, "a,b",
                ClusterConfig.SHARED_GROUP_COPIES, "a/master/127.0.0.1/1527,b/master/127.0.0.1/1547"));
        Document d = parse(PayaraMemberConfig.domainXml(b, b.nodes().get(0), template, SECRETS));
        String pool = "/domain/resources/jdbc-connection-pool[@name='%s']/property[@name='PortNumber']/@value";
        assertEquals("1537", x.evaluate(pool.formatted("qos-master-pool"), d), "writes through the node's write path");
        String read = x.evaluate("/domain/resources/jdbc-resource[@jndi-name='" + PayaraMemberConfig.NODE_REPLICA_JNDI + "']/@pool-name", d);
        assertEquals("1547", x.evaluate(pool.formatted(read), d), "reads on its own copy, directly");
        assertEquals("b-master", microProfileProperties(d).get(PayaraMemberConfig.MEMBER_REPLICA_KEY), "named as in the group");
    }

    @Test
    void shouldGiveEachNodeItsOwnReplicaInTurnAndTheRouterNone() throws Exception {
        XPath x = xpath();
        List<DatabaseSpec> replicas = config.replicas();
        assertEquals(2, replicas.size(), "the default cluster has two replicas");
        for (int i = 0; i < config.nodes().size(); i++) {
            Document d = domainXml(config.nodes().get(i));
            DatabaseSpec own = replicas.get(i % replicas.size());
            assertEquals(own.poolName(), x.evaluate("/domain/resources/jdbc-resource[@jndi-name='"
                    + PayaraMemberConfig.NODE_REPLICA_JNDI + "']/@pool-name", d));
            assertEquals(1.0, x.evaluate("count(/domain/servers/server/resource-ref[@ref='" + PayaraMemberConfig.NODE_REPLICA_JNDI
                    + "'])", d, XPathConstants.NUMBER));
            assertEquals(own.name(), microProfileProperties(d).get(PayaraMemberConfig.MEMBER_REPLICA_KEY));
        }
        Document router = domainXml(config.router());
        assertEquals(config.master().poolName(), x.evaluate("/domain/resources/jdbc-resource[@jndi-name='"
                + PayaraMemberConfig.NODE_REPLICA_JNDI + "']/@pool-name", router));
        assertEquals(null, microProfileProperties(router).get(PayaraMemberConfig.MEMBER_REPLICA_KEY));
    }

    @Test
    void shouldClusterEveryMemberOverLoopbackTcpIp() throws Exception {
        Document d = domainXml(config.nodes().get(1));
        XPath x = xpath();
        String hz = "/domain/hazelcast-runtime-configuration/@";
        assertEquals("tcpip", x.evaluate(hz + "discovery-mode", d));
        // The router runs on Jetty by default, a Hazelcast client: the members are the nodes.
        assertEquals("127.0.0.1:6901,127.0.0.1:6902", x.evaluate(hz + "tcpip-members", d));
        assertEquals("6902", x.evaluate(hz + "start-port", d));
        assertEquals("false", x.evaluate(hz + "host-aware-partitioning", d));
        assertEquals("8082", x.evaluate("//network-listener[@name='http-listener']/@port", d));
    }

    @Test
    void shouldLetANodeAcceptTheHeadersTheRouterAcceptedPlusItsOwn() throws Exception {
        String buffer = "/domain/configs/config[@name='server-config']/network-config/protocols"
                + "/protocol[@name='http-listener']/http/@header-buffer-length-bytes";
        assertEquals(Integer.toString(config.maxHeaderBytes()), xpath().evaluate(buffer, domainXml(config.router())));
        assertEquals(Integer.toString(config.maxHeaderBytes() + ClusterConfig.FORWARDED_HEADER_ROOM),
                xpath().evaluate(buffer, domainXml(config.nodes().get(0))));
        String http2 = buffer.replace("header-buffer-length-bytes", "http2-max-header-list-size-in-bytes");
        assertEquals(Integer.toString(config.maxHeaderBytes()), xpath().evaluate(http2, domainXml(config.router())),
                "an HTTP/2 client may send as much as an HTTP/1.1 one");
    }

    @Test
    void shouldServeEachRequestOnTheNodeThreadThatSawItArriveUnlessWorkerThreadIsAskedFor() throws Exception {
        String strategy = "/domain/configs/config[@name='server-config']/network-config/transports/transport[@name='tcp']/@io-strategy";
        // Grizzly loads the class the attribute names; a wrong name would leave Payara's default.
        assertEquals("org.glassfish.grizzly.strategies.LeaderFollowerNIOStrategy", xpath().evaluate(strategy, domainXml(config.nodes().get(0))));
        ClusterConfig onPayara = ClusterConfig.from(Map.of(ClusterConfig.ROUTER_SERVER, "payara"));
        assertEquals("", xpath().evaluate(strategy, parse(PayaraMemberConfig.domainXml(onPayara, onPayara.router(), template, SECRETS))),
                "a router on Payara keeps Payara's default");
        ClusterConfig worker = ClusterConfig.from(Map.of(ClusterConfig.HTTP_IO_STRATEGY, "worker-thread"));
        assertEquals("org.glassfish.grizzly.strategies.WorkerThreadIOStrategy",
                xpath().evaluate(strategy, parse(PayaraMemberConfig.domainXml(worker, worker.nodes().get(0), template, SECRETS))));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.HTTP_IO_STRATEGY, "same-thread")));
        assertTrue(e.getMessage().contains("qos.http.io-strategy: 'same-thread' is not leader-follower or worker-thread"), e.getMessage());
    }

    @Test
    void shouldBindEveryListenerToTheConfiguredAddress() throws Exception {
        Document d = domainXml(config.nodes().get(1));
        XPath x = xpath();
        assertEquals(2.0, x.evaluate("count(//network-listener)", d, XPathConstants.NUMBER), "Payara Micro's http and https listeners");
        assertEquals(0.0, x.evaluate("count(//network-listener[not(@address='127.0.0.1')])", d, XPathConstants.NUMBER));
        assertEquals(0.0, x.evaluate("count(//jmx-connector[not(@address='127.0.0.1')])", d, XPathConstants.NUMBER));
        assertEquals("127.0.0.1", x.evaluate("/domain/hazelcast-runtime-configuration/@interface", d));
        assertTrue(PayaraMemberConfig.jvmOptions(config).contains("-Dhazelcast.socket.bind.any=false"),
                "Hazelcast binds every interface without it, whatever its interface says");
    }

    @Test
    void shouldDropAnUnreachableMemberAndMergeAHealedSplitWithinSeconds() {
        List<String> jvm = PayaraMemberConfig.jvmOptions(config);
        assertTrue(jvm.contains("-Dhazelcast.max.no.heartbeat.seconds=10"), jvm::toString);
        assertTrue(jvm.contains("-Dhazelcast.heartbeat.interval.seconds=1"), jvm::toString);
        assertTrue(jvm.contains("-Dhazelcast.merge.first.run.delay.seconds=10"), jvm::toString);
        assertTrue(jvm.contains("-Dhazelcast.merge.next.run.delay.seconds=5"), jvm::toString);
    }

    @Test
    void shouldNameTheHazelcastClusterAfterTheSecretAndKeepItOffTheCommandLine() throws Exception {
        Document d = domainXml(config.nodes().get(0));
        String name = xpath().evaluate("/domain/hazelcast-runtime-configuration/@cluster-group-name", d);
        assertEquals("qoscluster-s3cret-cluster-name-0123456789", name);
        assertEquals(name, PayaraMemberConfig.hazelcastClusterName(config, SECRETS));
        String line = String.join(" ", PayaraMemberConfig.microOptions(config, config.nodes().get(0), Path.of("d.xml")));
        assertTrue(!line.contains("s3cret") && !line.contains("--clustername"), line);
        InvalidConfigException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigException.class,
                () -> PayaraMemberConfig.hazelcastClusterName(config, Map.of()));
        assertTrue(e.getMessage().contains("qos.secret.cluster-name: missing"), e.getMessage());
    }

    @Test
    void shouldRefuseGadgetsEverywhereAndUnlistedClassesInSessionAttributes() {
        String jvm = PayaraMemberConfig.jvmOptions(config).stream().filter(o -> o.startsWith("-Djdk.serialFilter="))
                .findFirst().orElseThrow().substring("-Djdk.serialFilter=".length());
        java.io.ObjectInputFilter member = java.io.ObjectInputFilter.Config.createFilter(jvm);
        java.io.ObjectInputFilter attributes = SerialFilters.sessionAttributes(config);
        for (java.io.ObjectInputFilter f : List.of(member, attributes)) {
            assertEquals(java.io.ObjectInputFilter.Status.REJECTED, status(f, javax.management.BadAttributeValueExpException.class));
            assertEquals(java.io.ObjectInputFilter.Status.REJECTED, status(f, java.rmi.server.UID.class));
        }
        assertEquals(java.io.ObjectInputFilter.Status.ALLOWED, status(attributes, java.util.HashMap.class));
        assertEquals(java.io.ObjectInputFilter.Status.ALLOWED, status(attributes, ClusterConfig.class), "qos.serialization.allow");
        assertEquals(java.io.ObjectInputFilter.Status.REJECTED, status(attributes, org.w3c.dom.Node.class), "not listed");
        assertEquals(java.io.ObjectInputFilter.Status.REJECTED, status(attributes, javax.naming.Reference.class));
        assertEquals(java.io.ObjectInputFilter.Status.UNDECIDED, status(member, javax.naming.Reference.class),
                "Payara's naming service copies JNDI references through Java serialization");
    }

    private static java.io.ObjectInputFilter.Status status(java.io.ObjectInputFilter f, Class<?> c) {
        return f.checkInput(new java.io.ObjectInputFilter.FilterInfo() {
            @Override
            public Class<?> serialClass() {
                return c;
            }

            @Override
            public long arrayLength() {
                return -1;
            }

            @Override
            public long depth() {
                return 1;
            }

            @Override
            public long references() {
                return 1;
            }

            @Override
            public long streamBytes() {
                return 100;
            }
        });
    }

    @Test
    void shouldSwitchOffPayarasOwnWebSessionPersistence() throws Exception {
        Document d = domainXml(config.nodes().get(0));
        String web = "/domain/configs/config[@name='server-config']/availability-service/web-container-availability/@";
        assertEquals("false", xpath().evaluate(web + "availability-enabled", d),
                "sessions belong to the Session Synchronizer, not to Payara's store");
        assertEquals("memory", xpath().evaluate(web + "persistence-type", d));
    }

    @Test
    void shouldCarryQosGoalsAsMicroProfileConfigProperties() throws Exception {
        Map<String, String> mp = microProfileProperties(domainXml(config.router()));
        assertEquals("200", mp.get("qos.class.browse.p95-ms"));
        assertEquals("90", mp.get("qos.class.checkout.priority"));
        assertEquals("router", mp.get("qos.member.name"));
        assertEquals("router", mp.get("qos.member.role"));
        assertEquals("node-1", microProfileProperties(domainXml(config.nodes().get(0))).get("qos.member.name"));
    }

    @Test
    void shouldMakeTheRouterAMemberOnlyWhenItRunsOnPayara() {
        ClusterConfig onPayara = ClusterConfig.from(Map.of(ClusterConfig.ROUTER_SERVER, "payara"));
        assertTrue(onPayara.routerOnPayara());
        assertEquals("127.0.0.1:6900,127.0.0.1:6901,127.0.0.1:6902", PayaraMemberConfig.tcpipMembers(onPayara));
        assertFalse(config.routerOnPayara());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of(ClusterConfig.ROUTER_SERVER, "tomcat")));
        assertTrue(e.getMessage().contains("qos.router.server: 'tomcat' is not jetty or payara"), e.getMessage());
    }

    @Test
    void shouldGiveTheSameClusterSettingsOnTheCommandLine() {
        List<String> args = PayaraMemberConfig.microOptions(config, config.nodes().get(0), Path.of("d.xml"));
        String line = String.join(" ", args);
        assertTrue(line.contains("--clustermode tcpip:127.0.0.1:6901,127.0.0.1:6902"), line);
        assertTrue(line.contains("--nohostaware"), line);
        assertTrue(line.contains("--port 8081"), line);
        assertTrue(line.contains("--startport 6901"), line);
        assertTrue(line.contains("--interfaces 127.0.0.1"), line);
    }

    @Test
    void shouldBindEachMemberToItsHostsAddressAndReachEachCopyAtItsHost() throws Exception {
        ClusterConfig c = ClusterConfig.from(Map.of(ClusterConfig.HOSTS, "alpha=10.213.7.2,beta=10.213.7.3,gamma=10.213.7.4",
                "qos.db.replica.ports", "1528", "qos.place.node-1", "beta", "qos.place.replica-1", "beta",
                "qos.place.node-2", "gamma", ClusterConfig.ROUTER_SERVER, "payara"));
        XPath x = xpath();
        Document d = parse(PayaraMemberConfig.domainXml(c, c.nodes().get(1), template, SECRETS));
        assertEquals(0.0, x.evaluate("count(//network-listener[not(@address='10.213.7.4')])", d, XPathConstants.NUMBER));
        assertEquals(0.0, x.evaluate("count(//jmx-connector[not(@address='10.213.7.4')])", d, XPathConstants.NUMBER));
        assertEquals("10.213.7.4", x.evaluate("/domain/hazelcast-runtime-configuration/@interface", d));
        assertEquals("10.213.7.2:6900,10.213.7.3:6901,10.213.7.4:6902",
                x.evaluate("/domain/hazelcast-runtime-configuration/@tcpip-members", d));
        String pool = "/domain/resources/jdbc-connection-pool[@name='%s']/property[@name='ServerName']/@value";
        assertEquals("10.213.7.4", x.evaluate(pool.formatted("qos-master-pool"), d), "the write path: the node's own proxy");
        assertEquals("10.213.7.3", x.evaluate(pool.formatted("qos-replica-1-pool"), d), "the replica at its host");
        Document router = parse(PayaraMemberConfig.domainXml(c, c.router(), template, SECRETS));
        assertEquals("10.213.7.2", x.evaluate(pool.formatted("qos-master-pool"), router), "the router reaches the master itself");
        assertEquals(0.0, x.evaluate("count(//network-listener[not(@address='10.213.7.2')])", router, XPathConstants.NUMBER));
    }

    private Document domainXml(MemberSpec member) throws Exception {
        return parse(PayaraMemberConfig.domainXml(config, member, template, SECRETS));
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static XPath xpath() {
        return XPathFactory.newInstance().newXPath();
    }

    private static Map<String, String> microProfileProperties(Document d) throws Exception {
        NodeList props = (NodeList) xpath().evaluate("/domain/configs/config[@name='server-config']/property", d, XPathConstants.NODESET);
        Map<String, String> mp = new HashMap<>();
        for (int i = 0; i < props.getLength(); i++) {
            var e = (org.w3c.dom.Element) props.item(i);
            if (e.getAttribute("name").startsWith("payara.microprofile.")) {
                mp.put(e.getAttribute("name").substring("payara.microprofile.".length()), e.getAttribute("value"));
            }
        }
        return mp;
    }
}
