package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.SettingsReader;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;

/**
 * The replication agent process the launcher starts once the nodes are up (their JPA layer has
 * created the tables by then): {@code ReplicationAgentMain STATE_DIR} reads the cluster's
 * configuration from {@code STATE_DIR/cluster.properties} and ships the master's changes to
 * every replica until it is stopped.
 */
public final class ReplicationAgentMain {

    private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

    /** The validated {@code qos.replication.*} settings. */
    public record Settings(List<String> tables, Duration interval, int batchRows) {
    }

    private ReplicationAgentMain() {
    }

    /** Validates the replication settings; an error names the key. */
    public static Settings settings(ClusterConfig config) {
        SettingsReader r = new SettingsReader(config, Map.of());
        List<String> tables = Arrays.stream(r.raw("qos.replication.tables").split(",")).map(String::strip)
                .filter(t -> !t.isEmpty()).toList();
        for (String t : tables) {
            if (!TABLE.matcher(t).matches()) {
                r.problem("qos.replication.tables: '" + t + "' is not a table name", null);
            }
        }
        int interval = r.intIn("qos.replication.interval-ms", 1, 60_000);
        int batch = r.intIn("qos.replication.batch-rows", 10, 1_000_000);
        r.check();
        return new Settings(tables, Duration.ofMillis(interval), batch);
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: ReplicationAgentMain STATE_DIR");
            System.exit(2);
        }
        ClusterConfig config = ClusterConfig.load(Path.of(args[0]).resolve("cluster.properties"), Map.of());
        Settings settings = settings(config);
        DatabaseSpec master = config.master();
        Map<String, ConnectionFactory> replicas = new LinkedHashMap<>();
        for (DatabaseSpec replica : config.replicas()) {
            replicas.put(replica.name(), () -> DriverManager.getConnection(config.jdbcUrl(replica),
                    ClusterConfig.DB_USER, ClusterConfig.DB_PASSWORD));
        }
        WatermarkPublisher publisher = new WatermarkPublisher(config, Clock.systemUTC(), Duration.ofSeconds(1));
        // Row identifiers are unique across copies: each copy numbers its own from its place in the list.
        int copyNumber = config.databases().indexOf(master) + 1;
        ReplicationAgent agent = ReplicationAgent.derby(() -> DriverManager.getConnection(config.jdbcUrl(master),
                ClusterConfig.DB_USER, ClusterConfig.DB_PASSWORD), replicas,
                settings.tables(), settings.batchRows(), copyNumber, publisher);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            publisher.close();
            stopped.countDown();
        }, "qos-replication-stop"));
        System.out.println("replication agent: " + settings.tables() + " from " + master.name() + " to "
                + replicas.keySet() + " every " + settings.interval().toMillis() + " ms");
        agent.start(settings.interval());
        stopped.await();
    }
}
