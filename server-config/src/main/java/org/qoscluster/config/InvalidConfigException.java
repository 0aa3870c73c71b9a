package org.qoscluster.config;

import java.util.List;

/**
 * Thrown when the cluster configuration is invalid. The message lists every problem found,
 * one per line, each naming the key and echoing the bad value.
 */
public final class InvalidConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super("invalid QoS Cluster configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem on its own, for example {@code qos.db.master.port: 'abc' is not a port number (1-65535)}. */
    public List<String> problems() {
        return problems;
    }
}
