package org.qoscluster.replication.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A prepared statement's batch, run every {@link #MAX_STATEMENTS} additions and at the end: a
 * transaction that changed more rows of a table than one JDBC batch may hold (Derby's client
 * driver refuses more than 65,534 statements in a batch) would otherwise fail its apply on every
 * replica, every round, and stop all shipping behind it.
 */
final class StatementBatch {

    /** Statements sent in one go at most. */
    static final int MAX_STATEMENTS = 1_000;

    private final PreparedStatement statement;
    private final int max;
    private int pending;

    StatementBatch(PreparedStatement statement) {
        this(statement, MAX_STATEMENTS);
    }

    /** @param max statements sent in one go at most (at least 1) */
    StatementBatch(PreparedStatement statement, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max " + max + " < 1");
        }
        this.statement = statement;
        this.max = max;
    }

    /** Adds the statement's parameters as they are bound now; sends the batch once it holds the most it may. */
    void add() throws SQLException {
        statement.addBatch();
        if (++pending >= max) {
            flush();
        }
    }

    /** Sends what was added and not sent yet, if anything. */
    void flush() throws SQLException {
        if (pending > 0) {
            pending = 0;
            statement.executeBatch();
        }
    }
}
