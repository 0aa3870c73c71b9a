package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DomainXmlGoals;
import org.qoscluster.config.GoalDiff;
import org.qoscluster.config.GoalSet;
import org.qoscluster.config.InvalidConfigException;
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

    /** Where a member's {@code domain.xml} is: {@code members/NAME/domain.xml} under the state directory. */
    public static Path domainXml(Path stateDir, String member) {
        return stateDir.resolve("members").resolve(member).resolve("domain.xml");
    }

    /**
     * The configuration {@code up} starts with: {@code config}, except that when the router's
     * {@code domain.xml} exists already, its QoS goals ({@code qos.class.*}, set with
     * {@code qoscluster goal} or by hand) win over the configuration's; when the two differ, a
     * warning says how. Everything else in every {@code domain.xml} is written anew from
     * {@code config}. Invalid goals in the file stop {@code up}, naming the file, the key and the value.
     */
    public static ClusterConfig withAdminGoals(ClusterConfig config, Path stateDir) {
        Path file = domainXml(stateDir, config.router().name());
        if (!Files.isRegularFile(file)) {
            return config;
        }
        GoalSet kept;
        try {
            kept = GoalSet.parse(DomainXmlGoals.goalProperties(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (InvalidConfigException e) {
            List<String> problems = new ArrayList<>();
            e.problems().forEach(p -> problems.add(file + ": " + p));
            problems.add(file + ": fix the goals there ('qoscluster goal set/remove') or delete the file to take the configuration's");
            throw new InvalidConfigException(problems);
        }
        GoalDiff diff = GoalDiff.between(config.goals(), kept);
        if (!diff.isEmpty()) {
            LOG.warn("the QoS goals in {} differ from the configuration's and are kept (they win over --config and -D; change"
                    + " them with 'qoscluster goal', or delete the file to take the configuration's): {}", file,
                    String.join("; ", diff.changes()));
        }
        return config.withGoals(kept);
    }

    /** Writes the member's {@code domain.xml} from Payara Micro's bundled {@code template}. */
    public void writeDomainXml(MemberSpec member, byte[] template) {
        mkdirs(memberDir(member).resolve("tmp"));
        // It holds the cluster name's secret: owner only. It names its own path: the router reads
        // its goals from it again while it runs.
        Path file = domainXml(stateDir, member.name());
        Secrets.writePrivate(file, PayaraMemberConfig.domainXml(config, member, template,
                Secrets.ensure(secretsDir(stateDir), ClusterConfig.SECRETS), file));
    }

    /**
     * Starts the member; a node deploys the applications of its own record, which starts as a copy
     * of the state directory's ({@link AppRecord#forNode}). The
     * future completes once it answers its health check, by {@code deadline}: a node its health
     * page ({@code /qos-group/health}: its database reached, every application deployed), the
     * router its site page.
     */
    public CompletableFuture<Void> start(MemberSpec member, Readiness readiness, Instant deadline) {
        Path dir = memberDir(member);
        // A state directory from before the record runs the sample store, as it did then.
        List<AppSpec> apps = member.role() == Role.NODE
                ? AppRecord.forNode(stateDir, member.name(), AppRecord.read(stateDir).orElse(List.of(AppSpec.store(layout)))) : List.of();
        if (member.role() == Role.NODE) {
            write(Commands.postBootCommands(dir), Commands.postBootCommandsText(layout, apps));
        }
        if (member.role() == Role.ROUTER && !config.routerOnPayara()) {
            PartProcess.start(stateDir, member.name(), "router", member.httpPort(),
                    Commands.routerServer(config, layout, dir, dir.resolve("domain.xml"), secretsDir(stateDir), stateDir));
            LOG.info("part={} starting the router (Jetty) on {}:{}", member.name(), config.address(member.name()), member.httpPort());
        } else {
            PayaraRuntime payara = PayaraRuntime.prepare(layout, config.address(member.name()), dir.resolve("domain.xml"));
            payara.seed(dir.resolve("root"));
            PartProcess.start(stateDir, member.name(), member.role() == Role.NODE ? "node" : "router", member.httpPort(),
                    Commands.member(config, layout, payara, member, dir, dir.resolve("domain.xml"), secretsDir(stateDir), stateDir, apps));
            LOG.info("part={} starting Payara Micro {} on {}:{}", member.name(), member.role(), config.address(member.name()),
                    member.httpPort());
        }
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
