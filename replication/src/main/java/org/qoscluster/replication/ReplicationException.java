package org.qoscluster.replication;

import java.util.List;

/** Replication cannot start or go on; the message lists every problem found. */
public class ReplicationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ReplicationException(List<String> problems) {
        super(String.join("; ", problems));
    }

    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
