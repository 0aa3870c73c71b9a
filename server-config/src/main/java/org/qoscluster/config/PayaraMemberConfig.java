package org.qoscluster.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.qoscluster.config.internal.DomainXmlPatcher;

/**
 * Produces what one Payara Micro member runs with, from the one {@link ClusterConfig}: its
 * {@code domain.xml} (JDBC pools and resources for every database copy, Hazelcast settings for
 * loopback, and every {@code qos.*} key as a MicroProfile Config property) and its Payara Micro
 * command-line options.
 *
 * <p>The {@code domain.xml} is the one bundled in the Payara Micro jar, patched; nothing of
 * Payara's own defaults is copied into this repository.
 */
public final class PayaraMemberConfig {

    /** Where Payara Micro keeps its default {@code domain.xml}. */
    public static final String TEMPLATE_ENTRY = "MICRO-INF/domain/domain.xml";
    /** The MicroProfile Config key holding the member's own name. */
    public static final String MEMBER_NAME_KEY = "qos.member.name";
    /**
     * The MicroProfile Config key holding the replica a node reads from, absent when
     * the cluster has none; the node's JDBC resource {@link #NODE_REPLICA_JNDI} reaches it.
     */
    public static final String MEMBER_REPLICA_KEY = "qos.member.replica";
    /** The JDBC resource of a node's own replica (the master's when there is no replica). */
    public static final String NODE_REPLICA_JNDI = "jdbc/qos/replica";
    /**
     * The MicroProfile Config key holding the absolute path of the member's own {@code domain.xml}:
     * the router watches that file for changed QoS goals (Payara reads it only at boot).
     */
    public static final String MEMBER_DOMAIN_XML_KEY = "qos.member.domain-xml";
    /** The MicroProfile Config key holding the member's role, {@code router} or {@code node}. */
    public static final String MEMBER_ROLE_KEY = "qos.member.role";
    /** The JDBC driver classes Payara Micro needs on its class path ({@code --addlibs}). */
    public static final List<String> DERBY_CLIENT_ARTIFACTS = List.of("derbyclient", "derbyshared");

    private PayaraMemberConfig() {
    }

    /** Reads the default {@code domain.xml} out of a Payara Micro jar. */
    public static byte[] bundledTemplate(Path payaraMicroJar) {
        try (ZipFile zip = new ZipFile(payaraMicroJar.toFile())) {
            ZipEntry entry = zip.getEntry(TEMPLATE_ENTRY);
            if (entry == null) {
                throw new IllegalArgumentException(payaraMicroJar + " has no " + TEMPLATE_ENTRY + "; is it a Payara Micro jar?");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TEMPLATE_ENTRY + " from " + payaraMicroJar, e);
        }
    }

    /**
     * The complete {@code domain.xml} of {@code member}, patched from {@code template}. It holds
     * the Hazelcast cluster name and the database password, which are secret: write it readable
     * by the owner only.
     *
     * @param secrets the {@code qos.secret.*} values ({@link ClusterConfig#SECRET_CLUSTER_NAME} and
     *                {@link ClusterConfig#SECRET_DB_PASSWORD} are used)
     */
    public static String domainXml(ClusterConfig config, MemberSpec member, byte[] template, Map<String, String> secrets) {
        return DomainXmlPatcher.patch(config, member, template, hazelcastClusterName(config, secrets),
                ClusterConfig.dbPassword(secrets), null);
    }

    /**
     * {@link #domainXml(ClusterConfig, MemberSpec, byte[], Map)} for a file that will be at
     * {@code location}, which it names ({@value #MEMBER_DOMAIN_XML_KEY}) so that the member can
     * read it again while it runs.
     */
    public static String domainXml(ClusterConfig config, MemberSpec member, byte[] template, Map<String, String> secrets,
                                   Path location) {
        return DomainXmlPatcher.patch(config, member, template, hazelcastClusterName(config, secrets),
                ClusterConfig.dbPassword(secrets), location.toAbsolutePath().normalize().toString());
    }

    /**
     * The Hazelcast cluster name every member and client of this cluster uses: the cluster's name
     * ({@value ClusterConfig#CLUSTER_NAME}, for the logs) and its secret
     * ({@value ClusterConfig#SECRET_CLUSTER_NAME}). Hazelcast's open-source edition has no member
     * or client authentication; a process that does not know this name cannot join or connect.
     */
    public static String hazelcastClusterName(ClusterConfig config, Map<String, String> secrets) {
        String secret = secrets.get(ClusterConfig.SECRET_CLUSTER_NAME);
        if (secret == null || secret.strip().length() < 16) {
            throw new InvalidConfigException(List.of(ClusterConfig.SECRET_CLUSTER_NAME
                    + ": missing or shorter than 16 characters; the launcher writes it to the state directory's secrets folder"));
        }
        return config.clusterName() + "-" + secret.strip();
    }

    /**
     * The Hazelcast TCP/IP member list, each member at its host's address, for example
     * {@code 127.0.0.1:6900,127.0.0.1:6901}: the nodes, and the router when it runs on Payara
     * Micro (on Jetty it is a client, not a member).
     */
    public static String tcpipMembers(ClusterConfig config) {
        return config.members().stream()
                .filter(m -> m.role() == Role.NODE || config.routerOnPayara())
                .map(m -> config.hostOf(m.name()).uriHost() + ":" + m.hazelcastPort())
                .collect(Collectors.joining(","));
    }

    /** Seconds between two Hazelcast heartbeats of a member (Hazelcast's default: 5). */
    public static final int HAZELCAST_HEARTBEAT_SECONDS = 1;
    /**
     * Seconds without a heartbeat after which a member drops another (Hazelcast's default: 60).
     * Until then every operation on a partition the unreachable member owns waits, the
     * coordinator's beat included: a host cut off from the network held a failover back a minute.
     */
    public static final int HAZELCAST_NO_HEARTBEAT_SECONDS = 10;
    /**
     * Seconds after its start, then between two looks, that the oldest member of each side looks
     * for the other side of a healed split to merge with (Hazelcast's defaults: 300 and 120).
     */
    public static final int HAZELCAST_MERGE_FIRST_SECONDS = 10;
    public static final int HAZELCAST_MERGE_NEXT_SECONDS = 5;

    /**
     * The JVM options of a member's Java process. Hazelcast binds every interface unless told not
     * to, whatever {@code --interfaces} says; with {@code hazelcast.socket.bind.any=false} it binds
     * only the interface Payara gives it, the member's configured address. The JVM-wide
     * deserialization filter is {@link SerialFilters#jvmWide}. Hazelcast's failure detection and
     * split-brain merge run at the pace of {@link #HAZELCAST_NO_HEARTBEAT_SECONDS} and
     * {@link #HAZELCAST_MERGE_NEXT_SECONDS} (system properties: Payara sets neither).
     */
    public static List<String> jvmOptions(ClusterConfig config) {
        return List.of("-Dhazelcast.socket.bind.any=false", "-Djdk.serialFilter=" + SerialFilters.jvmWide(),
                "-Dhazelcast.heartbeat.interval.seconds=" + HAZELCAST_HEARTBEAT_SECONDS,
                "-Dhazelcast.max.no.heartbeat.seconds=" + HAZELCAST_NO_HEARTBEAT_SECONDS,
                "-Dhazelcast.merge.first.run.delay.seconds=" + HAZELCAST_MERGE_FIRST_SECONDS,
                "-Dhazelcast.merge.next.run.delay.seconds=" + HAZELCAST_MERGE_NEXT_SECONDS);
    }

    /**
     * The Payara Micro options that match the {@code domain.xml}: Payara Micro applies its own
     * command-line defaults over the file (host-aware partitioning, for one), so the cluster
     * settings are given both ways, from the same source.
     */
    public static List<String> microOptions(ClusterConfig config, MemberSpec member, Path domainXml) {
        List<String> args = new ArrayList<>();
        args.add("--domainconfig");
        args.add(domainXml.toString());
        args.add("--name");
        args.add(member.name());
        args.add("--port");
        args.add(Integer.toString(member.httpPort()));
        // No --clustername: the name is secret, and a command line is readable by every local
        // user; Payara Micro keeps the domain.xml's when the option is absent.
        args.add("--clustermode");
        args.add("tcpip:" + tcpipMembers(config));
        args.add("--startport");
        args.add(Integer.toString(member.hazelcastPort()));
        args.add("--interfaces");
        args.add(config.address(member.name()));
        // Several members can share one IP address (on one host they all do): with host-aware
        // partitioning Hazelcast would keep no backup among them, and a kill -9 would lose sessions.
        args.add("--nohostaware");
        args.add("--disablephonehome");
        return args;
    }
}
