package org.qoscluster.replication;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.SettingsReader;

/**
 * The validated {@code qos.replication.*} settings: the replicated tables (those of
 * {@code qos.replication.tables}, then the Session Synchronizer's table when sessions are kept in
 * the database, {@link ClusterConfig#sessionTable()}), the pause between two
 * shipping rounds, the most change rows read per table and round, and how long at most the
 * launcher warms up the database servers it has just started ({@link ReplicationWarmUp}; zero:
 * not at all). Read by the launcher (before anything starts), the replication agent and the
 * nodes' redundancy group service.
 */
public record ReplicationSettings(List<String> tables, Duration interval, int batchRows, Duration warmUp) {

    private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

    public ReplicationSettings {
        tables = List.copyOf(tables);
    }

    /** Validates the replication settings; an error names the key. */
    public static ReplicationSettings of(ClusterConfig config) {
        SettingsReader r = new SettingsReader(config, Map.of());
        List<String> tables = new java.util.ArrayList<>(Arrays.stream(r.raw("qos.replication.tables").split(","))
                .map(String::strip).filter(t -> !t.isEmpty()).toList());
        for (String t : tables) {
            if (!TABLE.matcher(t).matches()) {
                r.problem("qos.replication.tables: '" + t + "' is not a table name", null);
            }
        }
        // The Session Synchronizer's table replicates with the application's: the user sets nothing.
        config.sessionTable().filter(s -> tables.stream().noneMatch(s::equalsIgnoreCase)).ifPresent(tables::add);
        int interval = r.intIn("qos.replication.interval-ms", 1, 60_000);
        int batch = r.intIn("qos.replication.batch-rows", 10, 1_000_000);
        int warmUp = r.intIn("qos.replication.warm-up-seconds", 0, 600);
        r.check();
        return new ReplicationSettings(tables, Duration.ofMillis(interval), batch, Duration.ofSeconds(warmUp));
    }
}
