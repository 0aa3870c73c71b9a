package org.qoscluster.config.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.Optional;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.Role;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/** Patches Payara Micro's bundled {@code domain.xml} for one member. */
public final class DomainXmlPatcher {

    private static final String DERBY_DATASOURCE = "org.apache.derby.client.BasicClientDataSource";
    private static final String MP_PREFIX = "payara.microprofile.";

    private DomainXmlPatcher() {
    }

    public static String patch(ClusterConfig config, MemberSpec member, byte[] template, String hazelcastClusterName,
                               String dbPassword, String location) {
        Document doc = parse(template);
        Element domain = doc.getDocumentElement();
        Element serverConfig = serverConfig(domain);
        // The member listens on its host's address; every other part is reached at its own host's.
        String address = config.address(member.name());

        Element hz = firstChild(domain, "hazelcast-runtime-configuration");
        hz.setAttribute("discovery-mode", "tcpip");
        hz.setAttribute("tcpip-members", PayaraMemberConfig.tcpipMembers(config));
        hz.setAttribute("start-port", Integer.toString(member.hazelcastPort()));
        hz.setAttribute("interface", address);
        hz.setAttribute("cluster-group-name", hazelcastClusterName);
        hz.setAttribute("host-aware-partitioning", "false");
        hz.setAttribute("auto-increment-port", "false");

        // Sessions live in the Session Synchronizer's database, not in Payara's own web-session
        // store, which is last-writer-wins for a whole session and would hold a second copy.
        Element availability = firstChild(serverConfig, "availability-service");
        Element web = firstChild(availability, "web-container-availability");
        web.setAttribute("availability-enabled", "false");
        web.setAttribute("persistence-type", "memory");

        Element resources = firstChild(domain, "resources");
        Element server = firstChild(firstChild(domain, "servers"), "server");
        for (DatabaseSpec db : config.databases()) {
            // A node's writes go through its write-path proxy, which leads to whichever
            // copy is the group's master in the current epoch; the proxy runs in the node, on
            // the node's address. A lone copy has nothing to fail over to, and no proxy.
            boolean writePath = db.master() && member.role() == Role.NODE && config.keepsGroup();
            Element pool = addPool(config, doc, resources, server, db.poolName(), db.jndiName(), writePath ? address : config.address(db.name()),
                    writePath ? member.dbProxyPort() : db.port(), dbPassword);
            if (!db.master()) {
                readOnly(pool);
            }
        }

        // A node reads from one replica (nodes take the replicas in turn), through one more JDBC
        // resource on that replica's pool; with no replica, the master's.
        Optional<DatabaseSpec> ownReplica = config.replicaOf(member);
        String readPool = ownReplica.orElse(config.master()).poolName();
        if (ownReplica.isPresent() && ownReplica.get().master()) {
            // A site's configured master that is a replica of another site's master (a group
            // across sites): read on it directly, not through the write path.
            readPool = "qos-" + ownReplica.get().name() + "-direct-pool";
            readOnly(addPool(config, doc, resources, server, readPool, "jdbc/qos/" + ownReplica.get().name() + "-direct",
                    config.address(ownReplica.get().name()), ownReplica.get().port(), dbPassword));
        }
        Element alias = doc.createElement("jdbc-resource");
        alias.setAttribute("pool-name", readPool);
        alias.setAttribute("jndi-name", PayaraMemberConfig.NODE_REPLICA_JNDI);
        resources.appendChild(alias);
        Element aliasRef = doc.createElement("resource-ref");
        aliasRef.setAttribute("ref", PayaraMemberConfig.NODE_REPLICA_JNDI);
        server.appendChild(aliasRef);
        ownReplica.ifPresent(r -> addProperty(serverConfig, MP_PREFIX + PayaraMemberConfig.MEMBER_REPLICA_KEY, config.groupCopyName(r)));

        // Request headers: the router accepts the configured size from clients (HTTP/1.1 and
        // HTTP/2 alike); a node accepts room more for the headers the router adds, so whatever the
        // router accepted reaches a node.
        Element network = firstChild(serverConfig, "network-config");
        Element protocol = firstChild(network, "protocols");
        for (Node n = protocol.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element p && "protocol".equals(p.getTagName()) && "http-listener".equals(p.getAttribute("name"))) {
                String bytes = Integer.toString(member.role() == Role.ROUTER ? config.maxHeaderBytes() : config.forwardedHeaderBytes());
                Element http = firstChild(p, "http");
                http.setAttribute("header-buffer-length-bytes", bytes);
                // HTTP/2 (h2c upgrade) has a limit of its own, 4 KB by default: a client that
                // upgrades would be refused the headers an HTTP/1.1 client may send.
                http.setAttribute("http2-max-header-list-size-in-bytes", bytes);
            }
        }
        // How a node's listener hands a request to a thread (qos.http.io-strategy): with
        // leader-follower the thread that saw it arrive serves it, one hand-off and its wake-ups
        // less per request than Payara's worker-thread default. A router on Payara keeps the
        // default: its servlet answers from the proxy client's threads, and it was no cheaper.
        if (member.role() == Role.NODE) {
            Element transports = firstChild(network, "transports");
            for (Node n = transports.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element t && "transport".equals(t.getTagName())) {
                    t.setAttribute("io-strategy", config.httpIoStrategyClass());
                }
            }
        }
        // Every listener binds the member's configured address, never the wildcard: the HTTP one
        // (Payara Micro's --port changes only its port) and the disabled HTTPS and JMX ones, should
        // anyone switch them on.
        Element listeners = firstChild(network, "network-listeners");
        for (Node n = listeners.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element listener && listener.getTagName().equals("network-listener")) {
                listener.setAttribute("address", address);
                if (listener.getAttribute("name").equals("http-listener")) {
                    listener.setAttribute("port", Integer.toString(member.httpPort()));
                }
            }
        }
        NodeList jmx = serverConfig.getElementsByTagName("jmx-connector");
        for (int i = 0; i < jmx.getLength(); i++) {
            ((Element) jmx.item(i)).setAttribute("address", address);
        }

        // MicroProfile Config reads <property name="payara.microprofile.KEY"> under <config>.
        for (Map.Entry<String, String> e : config.properties().entrySet()) {
            addProperty(serverConfig, MP_PREFIX + e.getKey(), e.getValue());
        }
        addProperty(serverConfig, MP_PREFIX + PayaraMemberConfig.MEMBER_NAME_KEY, member.name());
        addProperty(serverConfig, MP_PREFIX + PayaraMemberConfig.MEMBER_ROLE_KEY, member.role().name().toLowerCase(java.util.Locale.ROOT));
        if (location != null) {
            addProperty(serverConfig, MP_PREFIX + PayaraMemberConfig.MEMBER_DOMAIN_XML_KEY, location);
        }
        return write(doc);
    }

    private static Element serverConfig(Element domain) {
        NodeList configs = firstChild(domain, "configs").getElementsByTagName("config");
        for (int i = 0; i < configs.getLength(); i++) {
            Element c = (Element) configs.item(i);
            if ("server-config".equals(c.getAttribute("name"))) {
                return c;
            }
        }
        throw new IllegalArgumentException("template domain.xml has no <config name=\"server-config\">");
    }

    private static Element firstChild(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getTagName())) {
                return e;
            }
        }
        throw new IllegalArgumentException("template domain.xml has no <" + name + "> under <" + parent.getTagName() + ">");
    }

    private static void addProperty(Element parent, String name, String value) {
        Element p = parent.getOwnerDocument().createElement("property");
        p.setAttribute("name", name);
        p.setAttribute("value", value);
        parent.appendChild(p);
    }

    private static Document parse(byte[] template) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            return b.parse(new ByteArrayInputStream(template));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException("template domain.xml cannot be parsed: " + e.getMessage(), e);
        }
    }

    /** {@code doc} as indented XML text, with external DTDs and stylesheets off. */
    public static String write(Document doc) {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write domain.xml", e);
        }
    }
    /**
     * A pool only read through (a replica's): its connections are validated at most once a
     * second instead of at every checkout. A page's reads take a connection per query, and the
     * validation query was half of the statements a replica served per page. A read on a
     * connection that broke since is retried by EclipseLink on another one (the pool drops them
     * all, {@code fail-all-connections}), or goes to the master when the pool has none.
     */
    private static void readOnly(Element pool) {
        pool.setAttribute("validate-atmost-once-period-in-seconds", "1");
    }

    /** A Derby pool at {@code host}:{@code port}, its JDBC resource {@code jndi}, and the server's reference to it. */
    private static Element addPool(ClusterConfig config, Document doc, Element resources, Element server, String poolName, String jndi, String host, int port,
                         String dbPassword) {
        Element pool = doc.createElement("jdbc-connection-pool");
        pool.setAttribute("name", poolName);
        pool.setAttribute("datasource-classname", DERBY_DATASOURCE);
        pool.setAttribute("res-type", "javax.sql.DataSource");
        pool.setAttribute("is-connection-validation-required", "true");
        pool.setAttribute("connection-validation-method", "table");
        pool.setAttribute("validation-table-name", "SYSIBM.SYSDUMMY1");
        pool.setAttribute("fail-all-connections", "true");
        pool.setAttribute("steady-pool-size", "0");
        pool.setAttribute("max-pool-size", "32");
        pool.setAttribute("max-wait-time-in-millis", "10000");
        addProperty(pool, "ServerName", host);
        addProperty(pool, "PortNumber", Integer.toString(port));
        addProperty(pool, "DatabaseName", config.databaseName());
        // Every Derby server requires the cluster's database password (a generated secret).
        addProperty(pool, "User", ClusterConfig.DB_USER);
        addProperty(pool, "Password", dbPassword);
        addProperty(pool, "ConnectionAttributes", "create=true");
        resources.appendChild(pool);

        Element resource = doc.createElement("jdbc-resource");
        resource.setAttribute("pool-name", poolName);
        resource.setAttribute("jndi-name", jndi);
        resources.appendChild(resource);

        Element ref = doc.createElement("resource-ref");
        ref.setAttribute("ref", jndi);
        server.appendChild(ref);
        return pool;
    }
}
