package org.qoscluster.clone;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.UndeclaredThrowableException;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

class WriteSequenceTest {

    /** As Payara's connection proxy hands a Derby error over. */
    private static SQLException wrapped(String state) {
        return new SQLException(new UndeclaredThrowableException(new SQLException("from Derby", state)));
    }

    @Test
    void shouldGoOnWhenCaptureIsNotInstalledAlsoThroughPayarasWrapping() {
        assertFalse(WriteSequence.endsTransaction(new SQLException("Table/View 'QOS_CHG_X' does not exist.", "42X05")));
        assertFalse(WriteSequence.endsTransaction(wrapped("42X05")));
        assertFalse(WriteSequence.endsTransaction(wrapped("42Y03")), "QOS_TXID() not there either");
    }

    @Test
    void shouldFailWhenTheTransactionEndedOrItsFateIsUnknown() {
        assertTrue(WriteSequence.endsTransaction(wrapped("40001")), "deadlock: Derby rolled the transaction back");
        assertTrue(WriteSequence.endsTransaction(new SQLException("lock time-out", "40XL1")));
        assertTrue(WriteSequence.endsTransaction(wrapped("08006")), "connection lost");
        assertTrue(WriteSequence.endsTransaction(new SQLException("no state")));
    }
}
