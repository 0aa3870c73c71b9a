package org.qoscluster.contract;

/**
 * A value read from one of the cluster's shared maps that is not the form its record writes:
 * the message names the record, the field that was wrong and echoes the value.
 */
public final class MalformedValueException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    MalformedValueException(String record, String value, String problem) {
        super(record + ": '" + value + "' is malformed: " + problem);
    }
}
