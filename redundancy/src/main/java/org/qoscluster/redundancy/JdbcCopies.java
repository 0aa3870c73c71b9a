package org.qoscluster.redundancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.GroupState.Copy;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/**
 * {@link Coordinator.Copies} over JDBC: a new connection per question (the coordinator asks
 * rarely, and a kept connection to a copy that died would be one more thing to heal); a
 * failover's candidates are read at once.
 *
 * @param database the application database's name on every copy's Derby network server
 * @param tables   the replicated tables
 */
public record JdbcCopies(String database, String user, String password, List<String> tables, Dialect dialect)
        implements Coordinator.Copies {

    private static final Logger LOG = Logger.getLogger(JdbcCopies.class.getName());
    /** How long a failover waits for a candidate's epoch and watermark. */
    static final long STANDING_TIMEOUT_MS = 2_000;
    /** Reads of several copies at once; daemon threads, kept a minute when idle. */
    private static final ExecutorService READS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "qos-copy-read");
                t.setDaemon(true);
                return t;
            });

    /** Derby: "table does not exist". */
    private static final String NO_TABLE = "42X05";
    /** Derby: "schema does not exist" (a database no table was ever made in). */
    private static final String NO_SCHEMA = "42Y07";

    public JdbcCopies {
        tables = List.copyOf(tables);
    }

    /** A copy's JDBC URL. */
    public String url(Copy copy) {
        return "jdbc:derby://" + org.qoscluster.config.HostSpec.uriHost(copy.host()) + ":" + copy.port() + "/" + database;
    }

    /** A heartbeat probe of {@code copy}. */
    public Probe probe(Copy copy) {
        return new JdbcProbe(url(copy), user, password);
    }

    /** A new connection to {@code copy}. */
    public Connection open(Copy copy) throws SQLException {
        return DriverManager.getConnection(url(copy), user, password);
    }

    @Override
    public Optional<Dialect.CopyEpoch> epoch(Copy copy) throws SQLException {
        try (Connection c = open(copy)) {
            return dialect.epoch(c);
        }
    }

    @Override
    public OptionalLong watermark(Copy copy) throws SQLException {
        try (Connection c = open(copy)) {
            return dialect.watermark(c);
        }
    }

    /**
     * Each copy's epoch and watermark on one connection, every copy at once (a failover waits
     * for these reads: a copy's costs a connection and two queries, and one after the other they
     * added up). A copy that does not answer within {@value #STANDING_TIMEOUT_MS} ms is left out.
     */
    @Override
    public Map<String, Coordinator.Standing> standings(List<Copy> copies) {
        Map<String, CompletableFuture<Coordinator.Standing>> reads = new LinkedHashMap<>();
        for (Copy copy : copies) {
            reads.put(copy.name(), CompletableFuture.supplyAsync(() -> {
                try (Connection c = open(copy)) {
                    return new Coordinator.Standing(dialect.epoch(c), dialect.watermark(c));
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }, READS));
        }
        Map<String, Coordinator.Standing> out = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STANDING_TIMEOUT_MS);
        reads.forEach((name, read) -> {
            try {
                out.put(name, read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(Level.FINE, "copy={0} standing not read: {1}", new Object[] {name, e.getCause() == null ? e : e.getCause()});
            }
        });
        return out;
    }

    @Override
    public void promote(Copy copy, ReplicationAgent.Epoch epoch) throws SQLException {
        try (Connection c = open(copy)) {
            ReplicationAgent.promote(c, dialect, tables, epoch);
        }
    }

    @Override
    public long nextSequence(Copy master) throws SQLException {
        try (Connection c = open(master)) {
            return dialect.horizon(c, dialect.describe(c, tables)).nextSequence();
        }
    }

    /**
     * Connects (creating the database if the server has none yet, so that an operator's own
     * Derby server can join) and, in one transaction, takes the copy out of any epoch it was a
     * replica of (its epoch row to 0: an apply of the agent still shipping to it fails its fence,
     * and waits for nothing once this commits) and deletes its watermark: without one, the
     * agent makes it a fresh copy of the master. A former master's epoch row stays: its tail is
     * set aside first.
     */
    @Override
    public void forgetWatermark(Copy copy) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(copy) + ";create=true", user, password)) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement epoch = c.prepareStatement(
                    "UPDATE QOS_EPOCH SET QOS_EPOCH = 0, QOS_AT = CURRENT_TIMESTAMP WHERE QOS_MASTER <> ?");
                 Statement mark = c.createStatement()) {
                epoch.setString(1, copy.name());
                epoch.executeUpdate();
                mark.executeUpdate("DELETE FROM QOS_WATERMARK");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (!missing(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean missing(SQLException e) {
        return NO_TABLE.equals(e.getSQLState()) || NO_SCHEMA.equals(e.getSQLState());
    }
}
