package org.qoscluster.replication.derby;

import java.sql.SQLException;

import org.apache.derby.iapi.sql.conn.ConnectionUtil;

/**
 * SQL functions the capture triggers call inside the Derby network server (this class must be on
 * the server's class path; the launcher puts the replication jar there).
 */
public final class DerbyFunctions {

    private DerbyFunctions() {
    }

    /**
     * {@code QOS_TXID()}: the id of the calling transaction, so that a transaction's changes ship
     * and apply together. Derby offers no SQL function for it; its language connection context
     * does.
     */
    public static String transactionId() throws SQLException {
        return ConnectionUtil.getCurrentLCC().getTransactionExecute().getTransactionIdString();
    }
}
