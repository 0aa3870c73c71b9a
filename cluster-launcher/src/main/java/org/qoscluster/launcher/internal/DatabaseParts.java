package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.launcher.RuntimeLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's Derby network servers, one part {@code derby-NAME} per database copy: each one's
 * home under {@code derby/NAME/} (owner only) with its {@code derby.properties} (built-in
 * authentication with the cluster's user and generated password), its start, and the wait until
 * its database answers.
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
