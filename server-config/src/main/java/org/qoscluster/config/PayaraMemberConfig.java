package org.qoscluster.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
     * The MicroProfile Config key holding the replica a node reads from (issue 6), absent when
     * the cluster has none; the node's JDBC resource {@link #NODE_REPLICA_JNDI} reaches it.
     */
    public static final String MEMBER_REPLICA_KEY = "qos.member.replica";
    /** The JDBC resource of a node's own replica (the master's when there is no replica). */
    public static final String NODE_REPLICA_JNDI = "jdbc/qos/replica";
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

    /** The complete {@code domain.xml} of {@code member}, patched from {@code template}. */
    public static String domainXml(ClusterConfig config, MemberSpec member, byte[] template) {
        return DomainXmlPatcher.patch(config, member, template);
    }

    /** The Hazelcast TCP/IP member list, for example {@code 127.0.0.1:6900,127.0.0.1:6901}. */
    public static String tcpipMembers(ClusterConfig config) {
        return config.members().stream()
                .map(m -> config.host() + ":" + m.hazelcastPort())
                .collect(Collectors.joining(","));
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
        args.add("--clustername");
        args.add(config.clusterName());
        args.add("--clustermode");
        args.add("tcpip:" + tcpipMembers(config));
        args.add("--startport");
        args.add(Integer.toString(member.hazelcastPort()));
        args.add("--interfaces");
        args.add(config.host());
        // Every member shares one IP address here: with host-aware partitioning Hazelcast would
        // keep no backup at all, and a kill -9 would lose sessions.
        args.add("--nohostaware");
        args.add("--disablephonehome");
        return args;
    }
}
