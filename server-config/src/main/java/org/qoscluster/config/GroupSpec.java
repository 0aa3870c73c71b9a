package org.qoscluster.config;

import java.util.List;

/**
 * A redundancy group besides the application's (R9): a database of its own, on Derby
 * network servers of its own, replicated, monitored and failed over like the application's
 * ({@code qos.groups}, {@code qos.group.NAME.*}).
 *
 * @param name     the group's name, the key of its state in the cluster
 * @param database the database's name on each of its servers
 * @param copies   its configured copies, {@code NAME-1} (the configured master), {@code NAME-2}, ...
 * @param tables   the tables whose changes ship from its master to the other copies
 */
public record GroupSpec(String name, String database, List<DatabaseSpec> copies, List<String> tables) {

    public GroupSpec {
        copies = List.copyOf(copies);
        tables = List.copyOf(tables);
    }

    /** The copy that takes the writes until the group fails over or switches over. */
    public DatabaseSpec master() {
        return copies.get(0);
    }
}
