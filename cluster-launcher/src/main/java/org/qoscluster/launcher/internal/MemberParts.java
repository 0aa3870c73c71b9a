package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.Role;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.RuntimeLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's Payara Micro members (nodes and router), one part each: each one's directory
 * under {@code members/NAME/} with its {@code domain.xml} (owner only: it holds the cluster
 * name's secret) and, on a node, its post-boot commands (the deployments); its start and
 * the wait until it answers over HTTP; and thread dumps of those still running when a start failed.
 */
public final class MemberParts {

    private static final Logger LOG = LoggerFactory.getLogger(MemberParts.class);

    /** A node's health page, served by the cluster's group service, relative to the node's base URI. */
    public static final String HEALTH_PAGE = "qos-group/health";

    private final ClusterConfig config;
    private final RuntimeLayout layout;
    private final Path stateDir;

    /** @param stateDir the cluster's state directory, absolute */
    public MemberParts(ClusterConfig config, RuntimeLayout layout, Path stateDir) {
        this.config = config;
        this.layout = layout;
        this.stateDir = stateDir;
    }

    /** Base URI of a member, for example {@code http://127.0.0.1:8081/}. */
    public static URI uri(ClusterConfig config, String member) {
        MemberSpec m = config.member(member).orElseThrow(() -> new IllegalArgumentException("no member " + member));
        return URI.create("http://" + config.hostOf(m.name()).uriHost() + ":" + m.httpPort() + "/");
    }

    /** Where the members read their secrets ({@code --secretsdir}). */
    public static Path secretsDir(Path stateDir) {
        return stateDir.resolve("secrets");
    }

    private Path memberDir(MemberSpec member) {
        return stateDir.resolve("members").resolve(member.name());
    }

    /** Writes the member's {@code domain.xml} from Payara Micro's bundled {@code template}. */
    public void writeDomainXml(MemberSpec member, byte[] template) {
        mkdirs(memberDir(member).resolve("tmp"));
        // It holds the cluster name's secret: owner only.
        Secrets.writePrivate(memberDir(member).resolve("domain.xml"),
                PayaraMemberConfig.domainXml(config, member, template, Secrets.ensure(secretsDir(stateDir), ClusterConfig.SECRETS)));
    }

    /**
     * Starts the member; a node deploys the applications on record ({@link AppRecord}). The
     * future completes once it answers its health check, by {@code deadline}: a node its health
     * page ({@code /qos-group/health}: its database reached, every application deployed), the
     * router its site page.
     */
    public CompletableFuture<Void> start(MemberSpec member, Readiness readiness, Instant deadline) {
        Path dir = memberDir(member);
        // A state directory from before the record runs the sample store, as it did then.
        List<AppSpec> apps = member.role() == Role.NODE ? AppRecord.read(stateDir).orElse(List.of(AppSpec.store(layout))) : List.of();
        if (member.role() == Role.NODE) {
            write(Commands.postBootCommands(dir), Commands.postBootCommandsText(layout, apps));
        }
        PartProcess.start(stateDir, member.name(), member.role() == Role.NODE ? "node" : "router", member.httpPort(),
                Commands.member(config, layout, member, dir, dir.resolve("domain.xml"), secretsDir(stateDir), stateDir, apps));
        LOG.info("part={} starting Payara Micro {} on {}:{}", member.name(), member.role(), config.address(member.name()), member.httpPort());
        URI ready = uri(config, member.name()).resolve(member.role() == Role.NODE ? HEALTH_PAGE : "qrs/site");
        return CompletableFuture.runAsync(() -> readiness.awaitHttp(member.name(), ready,
                () -> PartProcess.handle(stateDir, member.name()).isPresent(), deadline), PartControl.WAITERS);
    }

    /**
     * Writes a thread dump of every member still running to {@code logs/NAME-threads.txt}, so a
     * start that failed because a member stopped answering leaves evidence behind (a node that
     * Payara calls ready and that never answers its first health check was seen a few times).
     */
    public void dumpThreads() {
        for (MemberSpec m : config.members()) {
            PartProcess.handle(stateDir, m.name()).ifPresent(p -> {
                Path out = stateDir.resolve("logs").resolve(m.name() + "-threads.txt");
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                try {
                    new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "Thread.print")
                            .redirectErrorStream(true).redirectOutput(out.toFile()).start()
                            .waitFor(30, TimeUnit.SECONDS);
                    LOG.info("part={} threads dumped to {}", m.name(), out);
                } catch (IOException ex) {
                    LOG.warn("part={} no thread dump: {}", m.name(), ex.toString());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
