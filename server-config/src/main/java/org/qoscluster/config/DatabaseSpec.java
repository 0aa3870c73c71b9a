package org.qoscluster.config;

/**
 * One copy of the application database: a Derby network server.
 *
 * @param name     copy name, {@code master} or {@code replica-N}
 * @param master   whether this copy takes the writes (the configured master; a failover or switchover
 *                 moves the role, see the group's state)
 * @param port     network server port on the cluster host
 */
public record DatabaseSpec(String name, boolean master, int port) {

    /** JNDI name of the JDBC resource that reaches this copy, for example {@code jdbc/qos/replica-1}. */
    public String jndiName() {
        return "jdbc/qos/" + name;
    }

    /** Name of the JDBC connection pool behind {@link #jndiName()}. */
    public String poolName() {
        return "qos-" + name + "-pool";
    }
}
