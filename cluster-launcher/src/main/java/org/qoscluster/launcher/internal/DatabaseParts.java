package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.launcher.RuntimeLayout;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationWarmUp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's Derby network servers, one part {@code derby-NAME} per database copy: each one's
 * home under {@code derby/NAME/} (owner only) with its {@code derby.properties} (built-in
 * authentication with the cluster's user and generated password), its start, the wait until
 * its database answers, and the warm-up of the servers just started ({@link #warmUp}).
 */
public final class DatabaseParts {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseParts.class);

    private final ClusterConfig config;
    private final RuntimeLayout layout;
    private final Path stateDir;

    /** @param stateDir the cluster's state directory, absolute */
    public DatabaseParts(ClusterConfig config, RuntimeLayout layout, Path stateDir) {
        this.config = config;
        this.layout = layout;
        this.stateDir = stateDir;
    }

    /** The password of {@link ClusterConfig#DB_USER} of the cluster run from {@code stateDir} (made when missing). */
    public static String dbPassword(Path stateDir) {
        return ClusterConfig.dbPassword(Secrets.ensure(stateDir.resolve("secrets"), ClusterConfig.SECRETS));
    }

    /** Starts the server of {@code db}; the future completes once {@code jdbcUrl} answers, by {@code deadline}. */
    public CompletableFuture<Void> start(DatabaseSpec db, String jdbcUrl, Readiness readiness, Instant deadline) {
        String part = "derby-" + db.name();
        Path home = stateDir.resolve("derby").resolve(db.name());
        Secrets.ownerOnly(home);
        Secrets.writePrivate(home.resolve("derby.properties"), derbyProperties(dbPassword(stateDir)));
        // An earlier start's scratch database, left where that start ended during the warm-up.
        deleteTree(home.resolve(ReplicationWarmUp.DATABASE));
        PartProcess.start(stateDir, part, "derby", db.port(), Commands.derby(config, layout, db, home, stateDir));
        LOG.info("part={} starting Derby network server on {}:{}", part, config.address(db.name()), db.port());
        // Labelled with its name in its group: SITE-NAME when the group spans sites.
        String label = config.databases().contains(db) ? config.groupCopyName(db) : db.name();
        return CompletableFuture.runAsync(() -> {
            readiness.awaitDatabase(part, jdbcUrl, label, () -> PartProcess.handle(stateDir, part).isPresent(), deadline);
            // Only on the group's first master: a site whose configured master is a replica of
            // another site's gets the table with its copy.
            if (db.master() && config.holdsFirstMaster()) {
                config.sessionTable().ifPresent(t -> makeSessionTable(part, jdbcUrl));
            }
        }, PartControl.WAITERS);
    }

    /**
     * Warms up the servers of {@code copies} (started here and answering) as {@link ReplicationWarmUp}
     * says, in a scratch database {@value ReplicationWarmUp#DATABASE} on each: the first copy's
     * is the master, the others' its replicas. Then shuts the scratch databases down and deletes
     * them. A warm-up that fails is logged and leaves the servers as they are: the cluster works,
     * only its first seconds are slower.
     */
    public void warmUp(List<DatabaseSpec> copies, Duration interval, Duration atMost) {
        String password = dbPassword(stateDir);
        List<String> names = copies.stream().map(DatabaseSpec::name).toList();
        LOG.info("warm-up of the database servers {} starting: scratch tables replicated from {} to {}, for at most {} s",
                names, names.get(0), names.subList(1, names.size()), atMost.toSeconds());
        try {
            LOG.info("warm-up of the database servers {}: {}", names,
                    runScratch(config, copies, ReplicationWarmUp.DATABASE, password, interval, atMost).describe());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("warm-up of the database servers {} failed ({}); they run without it, slower in their first seconds",
                    names, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (DatabaseSpec db : copies) {
                String failed = endScratch(config, db, ReplicationWarmUp.DATABASE, "shutdown", password);
                if (failed == null) {
                    deleteTree(stateDir.resolve("derby").resolve(db.name()).resolve(ReplicationWarmUp.DATABASE));
                } else {
                    LOG.warn("part=derby-{} the warm-up's scratch database did not shut down ({}); it is deleted at the next start",
                            db.name(), failed);
                }
            }
        }
    }

    /**
     * Runs {@link ReplicationWarmUp} over the scratch database {@code database} of each of
     * {@code copies}' servers (made when missing): the first copy's is the master, the others'
     * its replicas.
     */
    private static ReplicationWarmUp.Report runScratch(ClusterConfig config, List<DatabaseSpec> copies, String database,
                                                       String password, Duration interval, Duration atMost)
            throws SQLException, InterruptedException {
        Map<String, ReplicationAgent.ConnectionFactory> scratch = new LinkedHashMap<>();
        for (DatabaseSpec db : copies) {
            String url = scratchUrl(config, db, database) + ";create=true";
            scratch.put(db.name(), () -> DriverManager.getConnection(url, ClusterConfig.DB_USER, password));
        }
        ReplicationAgent.ConnectionFactory master = scratch.remove(copies.get(0).name());
        return ReplicationWarmUp.run(master, scratch, interval, atMost);
    }

    /**
     * Ends the scratch database {@code database} on the server of {@code db} with Derby's
     * {@code action} ({@code shutdown} or {@code drop}); null when it did (Derby answers 08006),
     * else what Derby said.
     */
    private static String endScratch(ClusterConfig config, DatabaseSpec db, String database, String action, String password) {
        try {
            DriverManager.getConnection(scratchUrl(config, db, database) + ";" + action + "=true", ClusterConfig.DB_USER, password).close();
            return "no error from Derby";
        } catch (SQLException e) {
            return "08006".equals(e.getSQLState()) ? null : e.getMessage();
        }
    }

    private static String scratchUrl(ClusterConfig config, DatabaseSpec db, String database) {
        String url = config.jdbcUrl(db);
        return url.substring(0, url.lastIndexOf('/') + 1) + database;
    }

    /** The file in the state directory that asks the next replication agent to warm itself up first. */
    private static final String AGENT_WARM_UP = "agent-warm-up";

    /**
     * Asks the replication agent the launcher starts next to warm its own JVM up before it ships
     * ({@link #warmUpAgent}), for at most {@code limit}: under {@code up} the agent is a process
     * of its own, which the servers' warm-up leaves cold.
     */
    public static void askAgentToWarmUp(Path stateDir, Duration limit) {
        Secrets.writePrivate(stateDir.resolve(AGENT_WARM_UP), Long.toString(limit.toSeconds()));
    }

    /**
     * How long the agent was asked to warm itself up, if it was; the ask is used up, so an agent
     * that replaces a dead one ships at once. An ask that cannot be read is reported and dropped.
     */
    static java.util.Optional<Duration> takeAgentWarmUp(Path stateDir) {
        Path file = stateDir.resolve(AGENT_WARM_UP);
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        try {
            String text = Files.readString(file).strip();
            return java.util.Optional.of(Duration.ofSeconds(Long.parseLong(text)));
        } catch (IOException | NumberFormatException e) {
            System.out.println("replication agent: cannot read " + file + " (" + e + "); no warm-up");
            return java.util.Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                System.out.println("replication agent: cannot delete " + file + " (" + e + ")");
            }
        }
    }

    /**
     * Warms up the replication agent's own JVM, in the agent's process before it ships: the same
     * scratch replication as {@link #warmUp}, between in-memory scratch databases
     * ({@code memory:qos_warm_up}) of the application group's copies on the agent's host,
     * dropped at the end (the servers' own code is warmed by {@link #warmUp}; here it is the
     * agent's). Reports on standard output, the agent's log; a failure is reported and the agent
     * goes on.
     */
    static void warmUpAgent(ClusterConfig config, String password, Duration interval, Duration limit) {
        String host = config.hostOf(ClusterConfig.REPLICATION_AGENT).name();
        List<DatabaseSpec> copies = config.databases().stream().filter(db -> config.hostOf(db.name()).name().equals(host)).toList();
        if (copies.isEmpty()) {
            return;
        }
        String scratch = "memory:" + ReplicationWarmUp.DATABASE;
        List<String> names = copies.stream().map(DatabaseSpec::name).toList();
        System.out.println("replication agent: warm-up over " + names + " starting, for at most " + limit.toSeconds() + " s");
        try {
            System.out.println("replication agent: warm-up over " + names + ": "
                    + runScratch(config, copies, scratch, password, interval, limit).describe());
        } catch (SQLException | RuntimeException e) {
            System.out.println("replication agent: warm-up over " + names + " failed (" + e + "); it ships without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (DatabaseSpec db : copies) {
                String failed = endScratch(config, db, scratch, "drop", password);
                if (failed != null) {
                    System.out.println("replication agent: the warm-up's scratch database on " + db.name()
                            + " was not dropped (" + failed + "); it goes when its server stops");
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the warm-up's scratch database " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the Session Synchronizer's table on the master when missing, before the replication
     * agent starts and installs capture on it (the nodes would make it too, but an application
     * without the Session Synchronizer never would, and the agent refuses a missing table).
     */
    private void makeSessionTable(String part, String jdbcUrl) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, dbPassword(stateDir))) {
            if (org.qoscluster.session.SessionTableSchema.createIfMissing(c)) {
                LOG.info("part={} session table {} made", part, ClusterConfig.SESSION_TABLE);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(part + ": cannot make the session table " + ClusterConfig.SESSION_TABLE + ": "
                    + e.getMessage(), e);
        }
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
}
