package org.qoscluster.redundancy;

import java.util.ArrayList;
import java.util.List;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.GroupState.Copy;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationSettings;

/**
 * A redundancy group as the configuration defines it: the application's, {@value
 * GroupState#DEFAULT_GROUP} ({@code qos.db.*}, {@code qos.replication.tables}, reached by the
 * nodes through their write paths), then every further one ({@code qos.groups}). What the
 * coordinator and the replication agent start from; copies added or removed at run time live in
 * the group's shared state.
 *
 * @param name             the key of its state
 * @param database         the database's name on every copy's server
 * @param tables           the replicated tables
 * @param configured       its configured copies as copies, numbered from 1 in order
 * @param configuredMaster the configured copy that takes the writes in epoch 1
 * @param writePath        whether the nodes reach its master through their write-path proxies
 * @param sites            the group across sites this one is (every site's copies), or empty: the cluster's own
 */
public record ConfiguredGroup(String name, String database, List<String> tables, List<Copy> configured,
                              String configuredMaster, boolean writePath, java.util.Optional<SiteGroup> sites) {

    public ConfiguredGroup {
        tables = List.copyOf(tables);
        configured = List.copyOf(configured);
    }

    /** A group of this cluster's own. */
    public ConfiguredGroup(String name, String database, List<String> tables, List<Copy> configured, String configuredMaster,
                           boolean writePath) {
        this(name, database, tables, configured, configuredMaster, writePath, java.util.Optional.empty());
    }

    /** Whether this site decides for the group in state {@code s} and its agent ships: always, unless another site holds the master. */
    public boolean mastersHere(GroupState s) {
        return sites.map(g -> g.mastersHere(s)).orElse(true);
    }

    /** Every group of {@code config}, the application's first. */
    public static List<ConfiguredGroup> all(ClusterConfig config) {
        List<ConfiguredGroup> groups = new ArrayList<>();
        java.util.Optional<SiteGroup> sites = SiteGroup.from(config);
        groups.add(sites.map(g -> new ConfiguredGroup(GroupState.DEFAULT_GROUP, config.databaseName(),
                        ReplicationSettings.of(config).tables(), g.copies(), g.firstMaster(), true, sites))
                .orElseGet(() -> new ConfiguredGroup(GroupState.DEFAULT_GROUP, config.databaseName(),
                        ReplicationSettings.of(config).tables(), copies(config, config.databases()), config.master().name(), true)));
        for (GroupSpec g : config.furtherGroups()) {
            groups.add(new ConfiguredGroup(g.name(), g.database(), g.tables(), copies(config, g.copies()), g.master().name(), false));
        }
        return List.copyOf(groups);
    }

    private static List<Copy> copies(ClusterConfig config, List<DatabaseSpec> databases) {
        List<Copy> copies = new ArrayList<>();
        int number = 1;
        for (DatabaseSpec db : databases) {
            copies.add(new Copy(db.name(), config.address(db.name()), db.port(), number++));
        }
        return List.copyOf(copies);
    }

    /** Its copies over JDBC, as the cluster's database user with {@code password} (the secret {@link ClusterConfig#SECRET_DB_PASSWORD}). */
    public JdbcCopies copies(String password) {
        return new JdbcCopies(database, ClusterConfig.DB_USER, password, tables, Dialect.derby());
    }
}
