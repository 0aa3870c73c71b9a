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
 * transaction; a failed JDBC statement on Derby does not.
 */
public final class WriteSequence {

    private WriteSequence() {
    }

    /** Empty when the transaction has no change there or capture is not installed. */
    public static OptionalLong of(Connection transaction, String changeTable) {
        try (PreparedStatement p = transaction.prepareStatement(
                "SELECT MAX(QOS_SEQ) FROM " + changeTable + " WHERE QOS_TX = QOS_TXID()");
             ResultSet r = p.executeQuery()) {
            if (r.next()) {
                long seq = r.getLong(1);
                return r.wasNull() ? OptionalLong.empty() : OptionalLong.of(seq);
            }
            return OptionalLong.empty();
        } catch (SQLException e) {
            return OptionalLong.empty();
        }
    }
}
