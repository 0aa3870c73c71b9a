package org.qoscluster.launcher;

import java.net.URI;
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
import java.util.function.Predicate;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.DeploySettings;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.launcher.internal.Deployments;
import org.qoscluster.launcher.internal.DatabaseParts;
import org.qoscluster.launcher.internal.EffectiveConfig;
import org.qoscluster.launcher.internal.MemberParts;
import org.qoscluster.launcher.internal.PartControl;
import org.qoscluster.launcher.internal.PartProcess;
import org.qoscluster.launcher.internal.PortCheck;
import org.qoscluster.launcher.internal.Readiness;
import org.qoscluster.launcher.internal.RouterWarmUp;
import org.qoscluster.launcher.internal.ReplicationParts;
import org.qoscluster.launcher.internal.Secrets;
import org.qoscluster.qrs.RouterSettings;
import org.qoscluster.replication.ReplicationSettings;
import org.qoscluster.session.SessionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running cluster, or the parts of it placed on one host ({@link #startHost}): one Derby
 * network server per database copy, one Payara Micro process per node running the applications
 * ({@link AppSpec}; the sample store unless others are given), and one running the QoS-goal
 * router. Everything it starts is recorded
 * in pid files under its state directory, so {@link #stop(Path)} stops exactly that, also from
 * another process and after one part crashed.
 *
 * <p>Layout of the state directory: {@code run/*.pid}, {@code logs/*.log},
 * {@code derby/NAME/} (database files), {@code members/NAME/} (domain.xml, Payara root),
 * {@code secrets/} (random UID key and admin token, owner-only), {@code apps.list} and
 * {@code apps/} (the applications every node deploys, {@code AppRecord}).
 *
 * <p>This class orders the parts' start and stop and keeps the public API; the parts themselves
 * are started by {@link DatabaseParts} (Derby servers), {@link MemberParts} (Payara members and
 * their {@code domain.xml}) and {@link ReplicationParts} (the agent and its supervisor), checked
 * by {@link PortCheck}, and controlled by {@link PartControl} (stop, signals, log tails).
 */
public final class Cluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    /** The replication agent's part name. */
    public static final String REPLICATION_AGENT = ReplicationParts.AGENT;
    /** The part that starts the replication agent and replaces it when it dies or hangs. */
    public static final String REPLICATION_SUPERVISOR = ReplicationParts.SUPERVISOR;

    private final ClusterConfig config;
    private final RuntimeLayout layout;
    private final Path stateDir;
    private final Clock clock;
    private final DatabaseParts databases;
    private final MemberParts members;
    private final ReplicationParts replication;
    /** The host whose parts this start runs, null for every part. */
    private final String host;
    /** Whether this start runs the members (a database-only start does not). */
    private final boolean withMembers;

    private Cluster(ClusterConfig config, RuntimeLayout layout, Path stateDir, Clock clock, String host, boolean withMembers) {
        this.config = config;
        this.layout = layout;
        this.stateDir = stateDir;
        this.clock = clock;
        this.host = host;
        this.withMembers = withMembers;
        this.databases = new DatabaseParts(config, layout, stateDir);
        this.members = new MemberParts(config, layout, stateDir);
        this.replication = new ReplicationParts(config, layout, stateDir, clock);
    }

    /**
     * Starts every part and waits until each answers: Derby servers accept a JDBC connection
     * (the database is created on first start), nodes answer their health page
     * ({@code /qos-group/health}: database reached, every application deployed) with 200, the
     * router answers {@code /qrs/site} with 200 (it has the cluster's maps, a node is in rotation,
     * every group has a writable master). The nodes run the applications on record in the state
     * directory, or the sample store when there is no record. On any failure, what was started is
     * stopped again and the exception carries the tail of the failing part's log. {@code timeout}:
     * for all parts together.
     */
    public static Cluster start(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout) {
        return start(config, layout, stateDir, timeout, List.of());
    }

    /**
     * {@link #start(ClusterConfig, RuntimeLayout, Path, Duration)} with {@code apps} as the nodes'
     * applications, in order, replacing the record (none: the record's, or the sample store).
     */
    public static Cluster start(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout, List<AppSpec> apps) {
        Deployments.recordForStart(stateDir.toAbsolutePath().normalize(), layout, apps);
        return start(config, layout, stateDir, timeout, true, null, Clock.systemUTC());
    }

    /**
     * Starts on this machine the parts placed on {@code host} ({@code qos.place.*}) and waits until
     * each answers; parts of other hosts that they need are awaited over the network: the members
     * wait until every database copy answers, the replication agent until every node does. Every
     * host runs this with the same configuration and secrets ({@link #secretsDir()}), in any order
     * or at once; its nodes run {@code apps} as {@link #start(ClusterConfig, RuntimeLayout, Path, Duration, List)} does.
     *
     * @param host a host of {@code qos.hosts}
     */
    public static Cluster startHost(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout, String host,
                                    List<AppSpec> apps) {
        if (config.hostNamed(host).isEmpty()) {
            throw new IllegalArgumentException("--host: '" + host + "' is not a host of " + ClusterConfig.HOSTS + " (hosts: "
                    + String.join(", ", config.hosts().stream().map(h -> h.name()).toList()) + ")");
        }
        Deployments.recordForStart(stateDir.toAbsolutePath().normalize(), layout, apps);
        return start(config, layout, stateDir, timeout, true, host, Clock.systemUTC());
    }

    /**
     * Starts only the Derby network servers, for a node started some other way (for example
     * by Arquillian), and waits until each accepts a connection.
     */
    public static Cluster startDatabases(ClusterConfig config, RuntimeLayout layout, Path stateDir, Duration timeout) {
        return start(config, layout, stateDir, timeout, false, null, Clock.systemUTC());
    }

    /** @param host the host whose parts start here, null for every part */
    static Cluster start(ClusterConfig configured, RuntimeLayout layout, Path stateDir, Duration timeout, boolean withNodes,
                         String host, Clock clock) {
        Path dir = stateDir.toAbsolutePath().normalize();
        // The router's domain.xml is where an admin sets the QoS goals: they survive 'up'.
        ClusterConfig config = withNodes ? MemberParts.withAdminGoals(configured, dir) : configured;
        List<PartStatus> running = PartProcess.list(dir).stream().filter(PartStatus::alive).toList();
        if (!running.isEmpty()) {
            throw new LauncherException("a cluster is already running from " + dir + " ("
                    + running.stream().map(PartStatus::name).toList() + "); stop it first with 'down'");
        }
        Secrets.ownerOnly(dir);
        EffectiveConfig.write(dir, config);
        Cluster cluster = new Cluster(config, layout, dir, clock, host, withNodes);
        Predicate<String> here = cluster::runsHere;
        if (withNodes) {
            Deployments.recordForStart(dir, layout, List.of());
        }
        Map<String, String> secrets = cluster.ensureSecrets();
        if (withNodes) {
            // The router and the nodes' Session Synchronizer would refuse these settings only once
            // deployed; refuse them before anything starts.
            RouterSettings.of(config, secrets);
            SessionSettings.of(config, secrets, config.nodes().get(0).name());
            ReplicationSettings.of(config);
            DeploySettings.of(config);
            RouterWarmUp.duration(config);
        }
        PortCheck.requireFree(config, withNodes, here);
        Instant deadline = clock.instant().plus(timeout);
        Readiness readiness = new Readiness(clock, ClusterConfig.dbPassword(secrets));
        // Set when the start fails: the agent is then not started any more.
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Void> agent = null;
        try {
            List<CompletableFuture<Void>> servers = new ArrayList<>();
            Map<DatabaseSpec, String> copies = new LinkedHashMap<>();
            config.databases().forEach(db -> copies.put(db, config.jdbcUrl(db)));
            config.furtherGroups().forEach(g -> g.copies().forEach(db -> copies.put(db, config.jdbcUrl(g, db))));
            copies.forEach((db, url) -> {
                if (here.test(db.name())) {
                    servers.add(cluster.databases.start(db, url, readiness, deadline));
                }
            });
            PartControl.joinAll(servers);
            ReplicationSettings replication = ReplicationSettings.of(config);
            List<DatabaseSpec> local = copies.keySet().stream().filter(db -> here.test(db.name())).toList();
            if (!replication.warmUp().isZero() && !local.isEmpty()) {
                // Before the members start, so that the servers have the cores to themselves;
                // never past half the time left to the start.
                Duration left = Duration.between(clock.instant(), deadline).dividedBy(2);
                cluster.databases.warmUp(local, replication.interval(),
                        left.compareTo(replication.warmUp()) < 0 ? left : replication.warmUp());
            }
            if (!withNodes) {
                return cluster;
            }
            if (config.members().stream().anyMatch(m -> here.test(m.name()))) {
                // The members need every copy: those of other hosts are started by their own
                // launcher, so wait until they answer over the network.
                List<CompletableFuture<Void>> remote = new ArrayList<>();
                copies.forEach((db, url) -> {
                    if (!here.test(db.name())) {
                        remote.add(CompletableFuture.runAsync(() -> readiness.awaitRemoteDatabase("derby-" + db.name()
                                + " on host " + config.hostOf(db.name()).name(), url, deadline), PartControl.WAITERS));
                    }
                });
                PartControl.joinAll(remote);
            }
            byte[] template = PayaraMemberConfig.bundledTemplate(layout.payaraMicroJar());
            // Router and nodes start together: the router keeps a node out of rotation until its
            // health check passes, so it is ready once at least one node is.
            List<CompletableFuture<Void>> started = new ArrayList<>();
            for (MemberSpec member : config.members()) {
                if (here.test(member.name())) {
                    cluster.members.writeDomainXml(member, template);
                    started.add(cluster.members.start(member, readiness, deadline));
                }
            }
            if (config.keepsGroup() && here.test(REPLICATION_AGENT)) {
                // The nodes of other hosts too: their JPA layer may be the one that creates the tables.
                for (MemberSpec node : config.nodes()) {
                    if (!here.test(node.name())) {
                        started.add(CompletableFuture.runAsync(() -> readiness.awaitHttp(node.name() + " on host "
                                + config.hostOf(node.name()).name(), cluster.nodeUri(node.name()).resolve("api/health"),
                                () -> true, deadline), PartControl.WAITERS));
                    }
                }
                agent = cluster.startAgentOnTables(readiness, CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)),
                        abandoned, deadline);
            }
            PartControl.joinAll(started);
            if (agent != null) {
                // Ready once every replica has its initial copy, so capture is on before anyone
                // writes through the router. A site of a group across sites that does not hold
                // epoch 1's master waits for its own copies, which the master's site copies.
                PartControl.joinAll(List.of(agent));
                for (DatabaseSpec replica : config.readCopies()) {
                    readiness.awaitReplicaCopied(REPLICATION_AGENT, config.jdbcUrl(replica),
                            () -> PartProcess.handle(dir, REPLICATION_SUPERVISOR).isPresent(), deadline);
                }
                Instant readiedBy = clock.instant().plus(READIED_LIMIT);
                cluster.awaitReplicasReadied(readiness, here, readiedBy.isBefore(deadline) ? readiedBy : deadline);
            }
            return cluster;
        } catch (RuntimeException e) {
            abandoned.set(true);
            if (agent != null) {
                // Whatever it started must be on record before everything is stopped.
                agent.exceptionally(x -> null).join();
            }
            String tails = cluster.logTails(40);
            cluster.members.dumpThreads();
            stop(dir);
            throw new LauncherException("cluster start failed: " + e.getMessage() + "\n" + tails, e);
        }
    }

    /** How long a start waits at most for the replicas' first readying for a promotion. */
    static final Duration READIED_LIMIT = Duration.ofSeconds(60);

    /**
     * Waits until the agent has readied this cluster's replicas of the application's group for a promotion
     * once, as a node's group status tells it: that first readying (the master's unique keys
     * and identity columns, DDL under the replica's epoch row) holds each replica's applies back
     * for its whole length, 5.6-6.9 s a replica on the servers of a cold start, and the
     * application's first writes would wait that long to reach the replicas. At most
     * {@code limit} ({@link #READIED_LIMIT} from now, within the start's deadline); past it the start goes on, logged (a replica that cannot be readied
     * ships all the same; a promotion does what is missing).
     */
    private void awaitReplicasReadied(Readiness readiness, Predicate<String> here, Instant limit) {
        if (!config.holdsFirstMaster() || config.readCopies().isEmpty()) {
            return;
        }
        List<URI> status = config.nodes().stream().filter(n -> here.test(n.name()))
                .map(n -> nodeUri(n.name()).resolve("qos-group/status")).toList();
        if (status.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        List<String> replicas = config.readCopies().stream().map(config::groupCopyName).toList();
        String missing = readiness.awaitReplicasReadied(status, adminToken(), replicas, limit);
        if (missing == null) {
            LOG.info("part={} every replica readied for a promotion after {} ms more", REPLICATION_AGENT, (System.nanoTime() - t0) / 1_000_000);
        } else {
            LOG.warn("part={} the replicas were not all readied for a promotion within {} s ({}); the start goes on, and their"
                    + " applies may wait behind it for a few seconds", REPLICATION_AGENT, READIED_LIMIT.toSeconds(), missing);
        }
    }

    /**
     * Starts the replication agent as soon as the replicated tables exist on the master (the
     * nodes' JPA layer creates them while it deploys the applications), while the nodes still
     * deploy; at the latest once {@code nodes} are up (a table that never comes is then named by
     * the agent itself). A site that does not hold its group's first master has its copies
     * copied by the master's site: it starts the agent once {@code nodes} are up.
     */
    private CompletableFuture<Void> startAgentOnTables(Readiness readiness, CompletableFuture<Void> nodes,
                                                       java.util.concurrent.atomic.AtomicBoolean abandoned, Instant deadline) {
        ReplicationSettings replication = ReplicationSettings.of(config);
        return CompletableFuture.runAsync(() -> {
            if (config.holdsFirstMaster() && readiness.awaitTables(config.jdbcUrl(config.master()),
                    replication.tables(), nodes::isDone, deadline)) {
                LOG.info("part={} starting: the replicated tables exist on the master", REPLICATION_AGENT);
            } else {
                nodes.exceptionally(x -> null).join();
            }
            if (!abandoned.get() && !nodes.isCompletedExceptionally()) {
                if (!replication.warmUp().isZero()) {
                    DatabaseParts.askAgentToWarmUp(stateDir, replication.warmUp());
                }
                startReplicationAgent();
            }
        }, PartControl.WAITERS);
    }

    /**
     * Deploys {@code app} on every node of the cluster running from {@code stateDir}, one node at a
     * time, each out of the router's rotation meanwhile, and records it (a node that starts later
     * deploys it too); one line per node. {@link IllegalArgumentException}: its name or context
     * root is taken; {@link LauncherException}: a node refused it (naming the application, the
     * node and the server's message), and it is deployed nowhere.
     */
    public static List<String> deploy(Path stateDir, AppSpec app, Duration timeout) {
        return Deployments.deploy(stateDir.toAbsolutePath().normalize(), app, timeout);
    }

    /** Undeploys application {@code name} from every node of the cluster running from {@code stateDir}, one at a time, and from the record. */
    public static List<String> undeploy(Path stateDir, String name, Duration timeout) {
        return Deployments.undeploy(stateDir.toAbsolutePath().normalize(), name, timeout);
    }

    /** The applications of the cluster running from {@code stateDir}, and where each is deployed (node by node). */
    public static List<AppStatus> apps(Path stateDir) {
        return Deployments.apps(stateDir.toAbsolutePath().normalize());
    }

    /** Stops every part recorded under {@code stateDir} at once (the replication agent after its supervisor); returns one line per part. */
    public static List<String> stop(Path stateDir) {
        Path dir = stateDir.toAbsolutePath().normalize();
        return PartControl.stopAll(dir);
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
        return MemberParts.uri(config, node);
    }

    /** Whether {@code part} is one this start runs on this machine (every part, unless it started one host's). */
    private boolean runsHere(String part) {
        return host == null || config.hostOf(part).name().equals(host);
    }

    /**
     * Warms the router and the nodes up for {@code qos.router.warm-up-seconds} (0: not at all),
     * when this start runs the router: each application's root asked for through the router, as
     * returning users and some first visits ({@link RouterWarmUp}). {@code bin/qoscluster up}
     * runs it before it prints the URL; it only buys speed, so a warm-up that gets no answers
     * ends early with a warning and the cluster stays up.
     */
    public void warmUpRouter() {
        Duration duration = RouterWarmUp.duration(config);
        if (duration.isZero() || !withMembers || !runsHere(config.router().name())) {
            return;
        }
        URI router = storeUri();
        List<URI> roots = apps(stateDir).stream().map(a -> router.resolve(a.contextRoot().endsWith("/")
                ? a.contextRoot() : a.contextRoot() + "/")).toList();
        RouterWarmUp.run(roots.isEmpty() ? List.of(router) : roots, RouterSettings.of(config, ensureSecrets()).cookieName(), duration);
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
        return DatabaseParts.dbPassword(stateDir);
    }

    /**
     * Stops one part of the cluster started from {@code stateDir} (as {@code down} would, but only
     * it) and returns what happened. Either replication part stops both: the supervisor would
     * otherwise start the agent again.
     */
    public static List<String> stopPart(Path stateDir, String part) {
        Path dir = stateDir.toAbsolutePath().normalize();
        return PartControl.stopPart(dir, EffectiveConfig.read(dir), part);
    }

    /**
     * Starts one stopped or killed part of the cluster started from {@code stateDir} again, with
     * the configuration that cluster was started with (read first: without one, that is the
     * refusal), the built parts in {@code runtime}, and waits until it answers.
     */
    public static void startPart(Path runtime, Path stateDir, String part, Duration timeout) {
        Path dir = stateDir.toAbsolutePath().normalize();
        ClusterConfig config = EffectiveConfig.read(dir);
        String name = part.equals(REPLICATION_AGENT) ? REPLICATION_SUPERVISOR : part;
        new Cluster(config, RuntimeLayout.at(runtime), dir, Clock.systemUTC(), null, true).restart(name, timeout);
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
            databases.start(db.get(), jdbcUrl(db.get().name()), new Readiness(clock, DatabaseParts.dbPassword(stateDir)),
                    clock.instant().plus(timeout)).join();
            return;
        }
        if (member.equals(REPLICATION_AGENT) || member.equals(REPLICATION_SUPERVISOR)) {
            if (PartProcess.handle(stateDir, REPLICATION_SUPERVISOR).isPresent()) {
                throw new LauncherException(member + ": the supervisor runs and restarts the agent itself");
            }
            startReplicationAgent();
            return;
        }
        MemberSpec m = config.member(member).orElseThrow(() -> new IllegalArgumentException("no part '" + member + "' in this cluster"
                + " (nodes and router: " + config.members().stream().map(MemberSpec::name).toList() + ", databases: derby-NAME, "
                + REPLICATION_SUPERVISOR + ")"));
        members.start(m, new Readiness(clock, DatabaseParts.dbPassword(stateDir)), clock.instant().plus(timeout)).join();
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
        new DatabaseParts(config, layout, stateDir.toAbsolutePath().normalize())
                .start(new DatabaseSpec(name, false, port), config.jdbcUrl(new DatabaseSpec(name, false, port)),
                        new Readiness(clock, DatabaseParts.dbPassword(stateDir)), clock.instant().plus(timeout))
                .join();
    }

    /**
     * Kills every part of this cluster with SIGKILL (the agent's supervisor first, so that it
     * starts no new agent) and waits until they are gone: a power cut, and the quick end of a
     * cluster whose data is thrown away (a test's); {@link #close} stops each part in order.
     */
    public List<String> killAll() {
        return PartControl.killAll(stateDir);
    }

    /** Kills a part with SIGKILL, as a crash would. */
    public void kill(String part) {
        PartControl.kill(stateDir, part);
    }

    /** Kills the parts {@code parts} with SIGKILL at once (a host's or a site's death), and waits until they are gone. */
    public void kill(List<String> parts) {
        PartControl.kill(stateDir, parts);
    }

    /** Stops a part with SIGSTOP: it hangs, its kernel still accepts connections (a stalled process). */
    public void pause(String part) {
        PartControl.pause(stateDir, part);
    }

    /** Lets a part stopped by {@link #pause} go on (SIGCONT). */
    public void resume(String part) {
        PartControl.resume(stateDir, part);
    }

    public List<PartStatus> status() {
        return status(stateDir);
    }

    /** The last {@code lines} lines of every part's log, headed by the part's name. */
    public String logTails(int lines) {
        return PartControl.logTails(stateDir, lines);
    }

    @Override
    public void close() {
        stop(stateDir).forEach(line -> LOG.info("{}", line));
    }

    /**
     * Starts the replication agent (part {@code replication-agent}) for this cluster's copies and
     * {@code qos.replication.*} settings, under its supervisor (part {@code replication-supervisor},
     * which replaces it when it dies or hangs); {@link #start} does it once the replicated tables exist on the master.
     * Returns once the first agent runs.
     */
    public void startReplicationAgent() {
        replication.start();
    }

    /** Stops the replication agent and its supervisor (nothing restarts it then). */
    public void stopReplicationAgent() {
        replication.stop();
    }

    /** Where the members read their secrets ({@code --secretsdir}). */
    public Path secretsDir() {
        return MemberParts.secretsDir(stateDir);
    }
}
