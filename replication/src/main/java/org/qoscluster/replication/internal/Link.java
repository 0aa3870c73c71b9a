package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;

/**
 * One kept-open connection to a database copy and its prepared statements, reopened after a
 * failure ({@link #reset}). The agent's rounds are short and frequent: opening a connection and
 * preparing each statement anew every round cost more than the work itself.
 * <p>
 * Used by one thread at a time, except {@link #close}, which may come from another while a
 * transaction runs: the connection is then aborted (the database rolls the transaction back once
 * its statement in flight returns), and the rest of that transaction fails instead of going on,
 * committed statement by statement, on the next connection: a transaction keeps the connection
 * it began on ({@link #prepare} refuses another). A plain {@link Connection#close} is refused
 * while a transaction is open, which left the transaction, and its locks, on a connection nobody
 * used any more. A closed link opens a new connection at its next use (an agent started again).
 */
public final class Link implements AutoCloseable {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Link.class.getName());

    private final ConnectionFactory factory;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private volatile Connection connection;
    /** The connection {@link #statements} were prepared on. */
    private Connection prepared;
    /** The connection of the transaction {@link #inTransaction(Work)} runs, if one does. */
    private Connection transaction;

    public Link(ConnectionFactory factory) {
        this.factory = factory;
    }

    /** The open connection, opened now if there is none. */
    public Connection connection() throws SQLException {
        Connection c = connection;
        if (c == null) {
            c = factory.open();
            connection = c;
        }
        return c;
    }

    /**
     * A statement prepared once on this connection.
     *
     * @throws SQLException {@code 08003} in a transaction whose connection was closed meanwhile
     */
    public PreparedStatement prepare(String sql) throws SQLException {
        Connection c;
        if (transaction == null) {
            c = connection();
        } else if (connection == transaction) {
            c = transaction;
        } else {
            throw new SQLException("the connection of this transaction was closed", "08003");
        }
        if (c != prepared) {
            statements.clear();
            prepared = c;
        }
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = c.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    /** Work on this link's connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws;
     * the connection is back in auto-commit afterwards.
     */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        Connection c = connection();
        transaction = c;
        try {
            return inTransaction(c, work);
        } finally {
            transaction = null;
        }
    }

    /**
     * Runs {@code work} on {@code c} in one transaction: committed when it returns, rolled back
     * when it throws; {@code c}'s auto-commit is as before afterwards.
     */
    public static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * Drops the connection (after a failure, by the thread that used it), rolling back whatever
     * it had open: the next use opens a new one.
     */
    public void reset() {
        statements.clear();
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
            } catch (SQLException ignored) {
                // it failed already: the close below, or the abort after it, ends the transaction
            }
            try {
                c.close();
            } catch (SQLException e) {
                drop(c, Runnable::run); // refused while a transaction is open: never leave one behind
            }
        }
    }

    /**
     * Closes the link, from any thread: its connection is aborted, a transaction on it rolled
     * back by the database.
     */
    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            // The rollback waits for a statement another thread has in flight: not this thread.
            drop(c, r -> {
                Thread t = new Thread(r, "qos-replication-link-abort");
                t.setDaemon(true);
                t.start();
            });
        }
    }

    /**
     * Runs a driver's abort task. Derby's client rolls back and closes there, and prints a rollback
     * that fails (its server gone) to the connection's log writer, which is null unless one is set:
     * the task then ends in a {@code NullPointerException}, printed on the console as uncaught.
     * The connection is dropped either way.
     */
    private static void abortQuietly(Runnable abort) {
        try {
            abort.run();
        } catch (RuntimeException e) {
            LOG.log(java.util.logging.Level.FINE, "an aborted connection's rollback failed: {0}", e.toString());
        }
    }

    /** Aborts {@code c}: closed at once for its users, rolled back and closed on {@code executor}. */
    private static void drop(Connection c, java.util.concurrent.Executor executor) {
        try {
            c.abort(task -> executor.execute(() -> abortQuietly(task)));
        } catch (SQLException | RuntimeException e) {
            LOG.log(java.util.logging.Level.FINE, "a connection could not be aborted: {0}", e.toString());
        }
    }
}
