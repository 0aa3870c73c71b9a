package org.qoscluster.session;

import java.io.Serializable;

/**
 * One session attribute as stored: its Java-serialized value and the record version that last
 * wrote it. A null value stands for "absent" (in a conflict report), with version 0.
 */
@SuppressWarnings("ArrayRecordComponent") // serialized bytes passed through, never compared as a record
public record StoredAttribute(byte[] value, long version) implements Serializable {

    /** An attribute that is not there. */
    public static final StoredAttribute ABSENT = new StoredAttribute(null, 0);

    public boolean present() {
        return value != null;
    }

    public int size() {
        return value == null ? 0 : value.length;
    }
}
