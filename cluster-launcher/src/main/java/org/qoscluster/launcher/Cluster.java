package org.qoscluster.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.Role;
import org.qoscluster.launcher.internal.Commands;
import org.qoscluster.launcher.internal.PartProcess;
import org.qoscluster.launcher.internal.Readiness;
import org.qoscluster.launcher.internal.ReplicationAgentMain;
import org.qoscluster.launcher.internal.Secrets;
import org.qoscluster.qrs.RouterSettings;
import org.qoscluster.replication.ReplicationSettings;
import org.qoscluster.session.SessionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running cluster on one host: one Derby network server per database copy, one Payara
 * Micro process per node running the store, and one running the QoS-goal router. Everything it starts is recorded
 * in pid files under its state directory, so {@link #stop(Path)} stops exactly that, also from
 * another process and after one part crashed.
 *
 * <p>Layout of the state directory: {@code run/*.pid}, {@code logs/*.log},
 * {@code derby/NAME/} (database files), {@code members/NAME/} (domain.xml, Payara root),
 * {@code secrets/} (random UID key and admin token, owner-only).
 */
public final class Cluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    /** The replication agent's part name. */
    public static final String REPLICATION_AGENT = "replication-agent";
    /** The part that starts the replication agent and replaces it when it dies or hangs. */
    public static final String REPLICATION_SUPERVISOR = "replication-supervisor";
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    /** Waits and stops run here, one thread each: the common pool has a single thread on two cores. */
    private static final java.util.concurrent.ExecutorService WAITERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qoscluster-wait");
        t.setDaemon(true);
        return t;
    });

    private final ClusterConfig config;
    private final RuntimeLayout layout;
    private final Path stateDir;
    private final Clock clock;

    private Cluster(ClusterConfig config, RuntimeLayout layout, Path stateDir, Clock clock) {
        this.config = config;
        this.layout = layout;
        this.stateDir = stateDir;
        this.clock = clock;
    }

    /**
     * Starts every part and waits until each answers: Derby servers accept a JDBC connection
     * (the database is created on first start), nodes answer {@code /api/health} with 200, the
     * router answers {@code /qrs/site} with 200 (at least one node in rotation).
     * On any failure, what was started is stopped again and the exception carries the tail of
     * the failing part's log.
     *
     * @param timeout how long to wait for all parts together
     */
    public static Cluster start(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout) {
        return start(config, layout, stateDir, timeout, true, Clock.systemUTC());
    }

    /**
     * Starts only the Derby network servers, for a node started some other way (for example
     * by Arquillian), and waits until each accepts a connection.
     */
    public static Cluster startDatabases(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout) {
        return start(config, layout, stateDir, timeout, false, Clock.systemUTC());
    }

    static Cluster start(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout, boolean withNodes,
                         Clock clock) {
        Path dir = stateDir.toAbsolutePath().normalize();
        List<PartStatus> running = PartProcess.list(dir).stream().filter(PartStatus::alive).toList();
        if (!running.isEmpty()) {
            throw new LauncherException("a cluster is already running from " + dir + " ("
                    + running.stream().map(PartStatus::name).toList() + "); stop it first with 'down'");
        }
        Secrets.ownerOnly(dir);
        Cluster cluster = new Cluster(config, layout, dir, clock);
        Map<String, String> secrets = cluster.ensureSecrets();
        if (withNodes) {
            // The router and the nodes' Session Synchronizer would refuse these settings only once
            // deployed; refuse them before anything starts.
            RouterSettings.of(config, secrets);
            SessionSettings.of(config, secrets, config.nodes().get(0).name());
            ReplicationSettings.of(config);
        }
        checkPortsFree(config, withNodes);
        Instant deadline = clock.instant().plus(timeout);
        Readiness readiness = new Readiness(clock, ClusterConfig.dbPassword(secrets));
        try {
            List<CompletableFuture<Void>> databases = new ArrayList<>();
            for (DatabaseSpec db : config.databases()) {
                databases.add(cluster.startDatabase(layout, db, config.jdbcUrl(db), readiness, deadline));
            }
            for (GroupSpec g : config.furtherGroups()) {
                for (DatabaseSpec db : g.copies()) {
                    databases.add(cluster.startDatabase(layout, db, config.jdbcUrl(g, db), readiness, deadline));
                }
            }
            joinAll(databases);
            if (!withNodes) {
                return cluster;
            }
            byte[] template = PayaraMemberConfig.bundledTemplate(layout.payaraMicroJar());
            // Router and nodes start together: the router keeps a node out of rotation until its
            // health check passes, so it is ready once at least one node is.
            List<CompletableFuture<Void>> members = new ArrayList<>();
            for (MemberSpec member : config.members()) {
                cluster.writeDomainXml(member, template);
                members.add(cluster.startMember(member, readiness, deadline));
            }
            joinAll(members);
            if (!config.replicas().isEmpty()) {
                // After the nodes: their JPA layer has created the tables whose changes it captures.
                // Ready once every replica has its initial copy, so capture is on before anyone
                // writes through the router.
                cluster.startReplicationAgent();
                for (DatabaseSpec replica : config.replicas()) {
                    readiness.awaitReplicaCopied(REPLICATION_AGENT, config.jdbcUrl(replica),
                            () -> PartProcess.handle(dir, REPLICATION_SUPERVISOR).isPresent(), deadline);
                }
            }
            return cluster;
        } catch (RuntimeException e) {
            String tails = cluster.logTails(40);
            cluster.dumpMemberThreads();
            stop(dir);
            throw new LauncherException("cluster start failed: " + e.getMessage() + "\n" + tails, e);
        }
    }

    /** Stops every part recorded under {@code stateDir}, nodes first; returns one line per part. */
    public static List<String> stop(Path stateDir) {
        Path dir = stateDir.toAbsolutePath().normalize();
        List<String> lines = new ArrayList<>();
        // The agent's supervisor first and alone: it would replace an agent stopped before it.
        if (PartProcess.list(dir).stream().anyMatch(p -> p.name().equals(REPLICATION_SUPERVISOR))) {
            lines.add(REPLICATION_SUPERVISOR + ": " + PartProcess.stop(dir, REPLICATION_SUPERVISOR, STOP_GRACE));
        }
        List<PartStatus> parts = new ArrayList<>(PartProcess.list(dir));
        // Nodes before databases, so that no node logs a storm of connection errors on the way down.
        parts.sort((a, b) -> Boolean.compare(a.kind().equals("derby"), b.kind().equals("derby")));
        List<CompletableFuture<String>> stops = parts.stream()
                .map(p -> CompletableFuture.supplyAsync(() -> p.name() + ": " + PartProcess.stop(dir, p.name(), STOP_GRACE), WAITERS))
                .toList();
        stops.stream().map(CompletableFuture::join).forEach(lines::add);
        return lines;
    }

    /** What runs from {@code stateDir}, as its pid files say. */
    public static List<PartStatus> status(Path stateDir) {
        return PartProcess.list(stateDir.toAbsolutePath().normalize());
    }

    public ClusterConfig config() {
        return config;
    }

    public Path stateDir() {
        return stateDir;
    }

    /**
     * The JDBC URL of a further group's database on the server of {@code copy} (a copy of that
     * group, or one moved there: each server can hold several groups' databases).
     */
    public String jdbcUrl(String group, String copy) {
        GroupSpec g = config.furtherGroups().stream().filter(x -> x.name().equals(group)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no group " + group));
        String url = jdbcUrl(copy);
        return url.substring(0, url.lastIndexOf('/') + 1) + g.database();
    }

    /** The JDBC URL of a database copy (of a further group: its group's database), as the nodes reach it. */
    public String jdbcUrl(String copy) {
        for (GroupSpec g : config.furtherGroups()) {
            for (DatabaseSpec db : g.copies()) {
                if (db.name().equals(copy)) {
                    return config.jdbcUrl(g, db);
                }
            }
        }
        return config.jdbcUrl(config.databases().stream().filter(d -> d.name().equals(copy)).findFirst()
                .or(() -> PartProcess.list(stateDir).stream().filter(p -> p.name().equals("derby-" + copy)).findFirst()
                        .map(p -> new DatabaseSpec(copy, false, p.port())))
                .orElseThrow(() -> new IllegalArgumentException("no database copy " + copy)));
    }

    /** Base URI of a node, for example {@code http://127.0.0.1:8081/}. */
    public URI nodeUri(String node) {
        MemberSpec m = config.member(node).orElseThrow(() -> new IllegalArgumentException("no member " + node));
        return URI.create("http://" + config.host() + ":" + m.httpPort() + "/");
    }

    /** The address users open: the router. */
    public URI storeUri() {
        return nodeUri(config.router().name());
    }

    /**
     * Makes the members' secrets that are missing (random, readable by the owner only) and returns
     * them all; the members read them from {@link #secretsDir()}.
     */
    public Map<String, String> ensureSecrets() {
        return Secrets.ensure(secretsDir(), ClusterConfig.SECRETS);
    }

    /** The Hazelcast cluster name a client of this cluster needs ({@link PayaraMemberConfig#hazelcastClusterName}). */
    public String hazelcastClusterName() {
        return PayaraMemberConfig.hazelcastClusterName(config, ensureSecrets());
    }

    /** The bearer token of the router's admin endpoints. */
    public String adminToken() {
        return Secrets.read(secretsDir(), ClusterConfig.SECRET_ADMIN_TOKEN);
    }

    /** The password of {@link ClusterConfig#DB_USER} on this cluster's Derby servers. */
    public String dbPassword() {
        return dbPassword(stateDir);
    }

    private static String dbPassword(Path stateDir) {
        return ClusterConfig.dbPassword(Secrets.ensure(stateDir.resolve("secrets"), ClusterConfig.SECRETS));
    }

    /** Starts a member that was stopped or killed again, and waits until it answers. */
    public void restart(String member, Duration timeout) {
        if (PartProcess.handle(stateDir, member).isPresent()) {
            throw new LauncherException(member + " is still running");
        }
        Optional<DatabaseSpec> db = config.databases().stream().filter(d -> ("derby-" + d.name()).equals(member)).findFirst()
                .or(() -> config.furtherGroups().stream().flatMap(g -> g.copies().stream())
                        .filter(d -> ("derby-" + d.name()).equals(member)).findFirst());
        if (db.isEmpty()) {
            // A copy added at run time (startCopy): its port is on record.
            db = PartProcess.list(stateDir).stream().filter(p -> p.name().equals(member) && p.kind().equals("derby"))
                    .findFirst().map(p -> new DatabaseSpec(member.substring("derby-".length()), false, p.port()));
        }
        if (db.isPresent()) {
            startDatabase(layout, db.get(), jdbcUrl(db.get().name()), new Readiness(clock, dbPassword(stateDir)), clock.instant().plus(timeout)).join();
            return;
        }
        if (member.equals(REPLICATION_AGENT) || member.equals(REPLICATION_SUPERVISOR)) {
            if (PartProcess.handle(stateDir, REPLICATION_SUPERVISOR).isPresent()) {
                throw new LauncherException(member + ": the supervisor runs and restarts the agent itself");
            }
            startReplicationAgent();
            return;
        }
        MemberSpec m = config.member(member).orElseThrow(() -> new IllegalArgumentException("no member " + member));
        startMember(m, new Readiness(clock, dbPassword(stateDir)), clock.instant().plus(timeout)).join();
    }

    /**
     * Starts one more Derby network server, part {@code derby-NAME} on {@code port}, for a copy an
     * operator adds to the redundancy group at run time (R9), and waits until its (new, empty)
     * database answers. {@code down} stops it with the rest.
     */
    public void startCopy(String name, int port, Duration timeout) {
        startCopy(config, layout, stateDir, name, port, timeout, clock);
    }

    /** {@link #startCopy(String, int, Duration)} for a cluster started by another process from {@code stateDir}. */
    public static void startCopy(ClusterConfig config, RuntimeLayout layout, Path stateDir, String name, int port,
                                 Duration timeout, Clock clock) {
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("'" + name + "' is not a copy name (letters, digits, '.', '_', '-'; at most 64)");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        if (PartProcess.handle(stateDir, "derby-" + name).isPresent()) {
            throw new LauncherException("derby-" + name + " is running already");
        }
        if (!Readiness.portFree(config.host(), port)) {
            throw new LauncherException("port " + port + " is already in use on " + config.host());
        }
        new Cluster(config, layout, stateDir.toAbsolutePath().normalize(), clock)
                .startDatabase(layout, new DatabaseSpec(name, false, port), config.jdbcUrl(new DatabaseSpec(name, false, port)),
                        new Readiness(clock, dbPassword(stateDir)), clock.instant().plus(timeout))
                .join();
    }

    /** Kills a part with SIGKILL, as a crash would. */
    public void kill(String part) {
        LOG.info("part={} killing with SIGKILL", part);
        PartProcess.kill(stateDir, part);
    }

    /** Stops a part with SIGSTOP: it hangs, its kernel still accepts connections (a stalled process). */
    public void pause(String part) {
        LOG.info("part={} pausing with SIGSTOP", part);
        PartProcess.signal(stateDir, part, "STOP");
    }

    /** Lets a part stopped by {@link #pause} go on (SIGCONT). */
    public void resume(String part) {
        LOG.info("part={} resuming with SIGCONT", part);
        PartProcess.signal(stateDir, part, "CONT");
    }

    public List<PartStatus> status() {
        return status(stateDir);
    }

    /** The last {@code lines} lines of every part's log, headed by the part's name. */
    public String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (PartStatus p : status()) {
            out.append("----- ").append(p.name()).append(p.alive() ? " (running)" : " (not running)")
                    .append(", last ").append(lines).append(" lines of ").append(p.log()).append('\n')
                    .append(PartProcess.tail(p.log(), lines)).append('\n');
        }
        return out.toString();
    }

    @Override
    public void close() {
        stop(stateDir).forEach(line -> LOG.info("{}", line));
    }

    private CompletableFuture<Void> startDatabase(RuntimeLayout layout, DatabaseSpec db, String jdbcUrl, Readiness readiness,
                                                  Instant deadline) {
        String part = "derby-" + db.name();
        Path home = stateDir.resolve("derby").resolve(db.name());
        Secrets.ownerOnly(home);
        Secrets.writePrivate(home.resolve("derby.properties"), derbyProperties(dbPassword(stateDir)));
        PartProcess.start(stateDir, part, "derby", db.port(), Commands.derby(config, layout, db, home, stateDir));
        LOG.info("part={} starting Derby network server on {}:{}", part, config.host(), db.port());
        return CompletableFuture.runAsync(() -> readiness.awaitDatabase(part, jdbcUrl, db.name(),
                () -> PartProcess.handle(stateDir, part).isPresent(), deadline), WAITERS);
    }

    /**
     * The Derby server's own settings ({@code derby.properties} in its home, read when its engine
     * starts): Derby's built-in authentication, with the cluster's one user and its generated
     * password, so that a connection without the password is refused.
     */
    static String derbyProperties(String dbPassword) {
        return "# Written by the QoS Cluster launcher at every start; the password is the secret "
                + ClusterConfig.SECRET_DB_PASSWORD + ".\n"
                + "derby.connection.requireAuthentication=true\n"
                + "derby.authentication.provider=BUILTIN\n"
                + "derby.user." + ClusterConfig.DB_USER + "=" + dbPassword + "\n";
    }

    /**
     * Starts the replication agent (part {@code replication-agent}) for this cluster's copies and
     * {@code qos.replication.*} settings, under its supervisor (part {@code replication-supervisor},
     * which replaces it when it dies or hangs); {@link #start} does it once the nodes are up.
     * Returns once the first agent runs.
     */
    public void startReplicationAgent() {
        ReplicationSettings.of(config);
        Path file = stateDir.resolve("cluster.properties");
        java.util.Properties p = new java.util.Properties();
        p.putAll(config.properties());
        try (var out = java.nio.file.Files.newBufferedWriter(file)) {
            p.store(out, "the cluster's effective configuration, for the replication agent");
        } catch (java.io.IOException e) {
            throw new LauncherException("cannot write " + file + ": " + e.getMessage());
        }
        PartProcess.start(stateDir, REPLICATION_SUPERVISOR, "supervisor", 0, Commands.replicationSupervisor(layout, stateDir));
        Instant deadline = clock.instant().plusSeconds(30);
        while (PartProcess.handle(stateDir, REPLICATION_AGENT).isEmpty()) {
            if (PartProcess.handle(stateDir, REPLICATION_SUPERVISOR).isEmpty() || clock.instant().isAfter(deadline)) {
                throw new LauncherException("the replication supervisor started no agent within 30 s:\n"
                        + PartProcess.tail(PartProcess.logFile(stateDir, REPLICATION_SUPERVISOR), 20));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while starting the replication agent");
            }
        }
        LOG.info("part=replication-agent started under part=replication-supervisor");
    }

    /** Stops the replication agent and its supervisor (nothing restarts it then). */
    public void stopReplicationAgent() {
        LOG.info("part=replication-supervisor {}", PartProcess.stop(stateDir, REPLICATION_SUPERVISOR, STOP_GRACE));
        LOG.info("part=replication-agent {}", PartProcess.stop(stateDir, REPLICATION_AGENT, STOP_GRACE));
    }

    /**
     * Writes a thread dump of every member still running to {@code logs/NAME-threads.txt}, so a
     * start that failed because a member stopped answering leaves evidence behind (a node that
     * Payara calls ready and that never answers its first health check was seen a few times).
     */
    private void dumpMemberThreads() {
        for (MemberSpec m : config.members()) {
            PartProcess.handle(stateDir, m.name()).ifPresent(p -> {
                Path out = stateDir.resolve("logs").resolve(m.name() + "-threads.txt");
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                try {
                    new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "Thread.print")
                            .redirectErrorStream(true).redirectOutput(out.toFile()).start()
                            .waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
                    LOG.info("part={} threads dumped to {}", m.name(), out);
                } catch (java.io.IOException ex) {
                    LOG.warn("part={} no thread dump: {}", m.name(), ex.toString());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /** Where the members read their secrets ({@code --secretsdir}). */
    public Path secretsDir() {
        return stateDir.resolve("secrets");
    }

    private Path memberDir(MemberSpec member) {
        return stateDir.resolve("members").resolve(member.name());
    }

    private void writeDomainXml(MemberSpec member, byte[] template) {
        mkdirs(memberDir(member).resolve("tmp"));
        // It holds the cluster name's secret: owner only.
        Secrets.writePrivate(memberDir(member).resolve("domain.xml"),
                PayaraMemberConfig.domainXml(config, member, template, ensureSecrets()));
        if (member.role() == Role.NODE && !config.replicas().isEmpty()) {
            write(Commands.postBootCommands(memberDir(member)), Commands.postBootCommandsText(layout));
        }
    }

    private CompletableFuture<Void> startMember(MemberSpec member, Readiness readiness, Instant deadline) {
        Path dir = memberDir(member);
        PartProcess.start(stateDir, member.name(), member.role() == Role.NODE ? "node" : "router", member.httpPort(),
                Commands.member(config, layout, member, dir, dir.resolve("domain.xml"), secretsDir(), stateDir));
        LOG.info("part={} starting Payara Micro {} on {}:{}", member.name(), member.role(), config.host(), member.httpPort());
        URI ready = nodeUri(member.name()).resolve(member.role() == Role.NODE ? "api/health" : "qrs/site");
        return CompletableFuture.runAsync(() -> readiness.awaitHttp(member.name(), ready,
                () -> PartProcess.handle(stateDir, member.name()).isPresent(), deadline), WAITERS);
    }

    private static void checkPortsFree(ClusterConfig config, boolean withNodes) {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (DatabaseSpec db : config.databases()) {
            ports.put(db.port(), (db.master() ? ClusterConfig.DB_MASTER_PORT : ClusterConfig.DB_REPLICA_PORTS)
                    + ", Derby " + db.name());
        }
        for (GroupSpec g : config.furtherGroups()) {
            for (DatabaseSpec db : g.copies()) {
                ports.put(db.port(), ClusterConfig.GROUP_PREFIX + g.name() + ".ports, Derby " + db.name());
            }
        }
        for (MemberSpec n : withNodes ? config.nodes() : List.<MemberSpec>of()) {
            ports.put(n.httpPort(), ClusterConfig.NODE_HTTP_PORTS + ", " + n.name() + " HTTP");
            ports.put(n.hazelcastPort(), ClusterConfig.NODE_HAZELCAST_PORTS + ", " + n.name() + " Hazelcast");
            ports.put(n.dbProxyPort(), ClusterConfig.NODE_DB_PROXY_PORTS + ", " + n.name() + " write-path proxy");
        }
        if (withNodes) {
            ports.put(config.router().httpPort(), ClusterConfig.ROUTER_HTTP_PORT + ", router HTTP");
            ports.put(config.router().hazelcastPort(), ClusterConfig.ROUTER_HAZELCAST_PORT + ", router Hazelcast");
        }
        List<String> busy = new ArrayList<>();
        ports.forEach((port, what) -> {
            if (!Readiness.portFree(config.host(), port)) {
                busy.add("port " + port + " (" + what + ") is already in use on " + config.host());
            }
        });
        if (!busy.isEmpty()) {
            throw new LauncherException(String.join("\n", busy) + "\nchoose other ports in the configuration or stop what uses them");
        }
    }

    private static void joinAll(List<CompletableFuture<Void>> futures) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
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
