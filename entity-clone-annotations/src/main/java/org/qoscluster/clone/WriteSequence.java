package org.qoscluster.clone;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * The current transaction's highest change sequence in one change table, read on the
 * transaction's own connection (the generated read-write clones call it after a flush). Plain
 * JDBC, not a JPA query: when capture is not installed (no replica, or the replication agent not
 * started yet) the statement fails, and a failed JPA query would doom the application's
 * transaction; a statement that fails to compile on Derby does not. It reads without locks
 * ({@code WITH UR}; only this transaction's own rows count): a locking scan of the change table
 * waited on other writers' rows, and two sign-ins deadlocked, Derby rolled one back, and that
 * rollback, swallowed here, went unnoticed (its customer was never stored). A failure that
 * ends the transaction is thrown.
 */
public final class WriteSequence {

    private WriteSequence() {
    }

    /** Empty when the transaction has no change there or capture is not installed. */
    public static OptionalLong of(Connection transaction, String changeTable) {
        try (PreparedStatement p = transaction.prepareStatement(
                "SELECT MAX(QOS_SEQ) FROM " + changeTable + " WHERE QOS_TX = QOS_TXID() WITH UR");
             ResultSet r = p.executeQuery()) {
            if (r.next()) {
                long seq = r.getLong(1);
                return r.wasNull() ? OptionalLong.empty() : OptionalLong.of(seq);
            }
            return OptionalLong.empty();
        } catch (SQLException e) {
            if (endsTransaction(e)) {
                throw new IllegalStateException("reading the write's change sequence ended the transaction: " + e.getMessage(), e);
            }
            return OptionalLong.empty();
        }
    }

    /**
     * SQL state class 40 (transaction rollback: deadlock, lock time-out) or 08 (connection), or
     * no state at all (then the transaction's fate is unknown: fail rather than acknowledge),
     * looked for down the causes ({@link SqlState#of}).
     */
    static boolean endsTransaction(SQLException e) {
        String state = SqlState.of(e);
        return state == null || state.startsWith("40") || state.startsWith("08");
    }
}
