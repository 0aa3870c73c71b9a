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
 */
public final class Link implements AutoCloseable {

    private final ConnectionFactory factory;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private Connection connection;

    public Link(ConnectionFactory factory) {
        this.factory = factory;
    }

    /** The open connection, opened now if there is none. */
    public Connection connection() throws SQLException {
        if (connection == null) {
            connection = factory.open();
        }
        return connection;
    }

    /** A statement prepared once on this connection. */
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = connection().prepareStatement(sql);
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
        return inTransaction(connection(), work);
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

    /** Drops the connection (after a failure): the next use opens a new one. */
    public void reset() {
        statements.clear();
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it failed already; a new one is opened next time
            }
        }
    }

    @Override
    public void close() {
        reset();
    }
}
