package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.contract.GroupState;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.JdbcCopies;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;
import org.qoscluster.replication.ReplicationSettings;

/**
 * The replication agent process the launcher starts once the nodes are up (their JPA layer has
 * created the tables by then): {@code ReplicationAgentMain STATE_DIR} reads the cluster's
 * configuration from {@code STATE_DIR/cluster.properties} and ships the master's changes to
 * every replica until it is stopped.
 */
public final class ReplicationAgentMain {

    private ReplicationAgentMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: ReplicationAgentMain STATE_DIR");
            System.exit(2);
        }
        ClusterConfig config = ClusterConfig.load(Path.of(args[0]).resolve("cluster.properties"), Map.of());
        ReplicationSettings settings = ReplicationSettings.of(config);
        WatermarkPublisher publisher = new WatermarkPublisher(config, Clock.systemUTC(), Duration.ofSeconds(1));
        Follower follower = new Follower(config, settings, publisher);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            follower.close();
            publisher.close();
            stopped.countDown();
        }, "qos-replication-stop"));
        System.out.println("replication agent: " + settings.tables() + " every " + settings.interval().toMillis()
                + " ms, from the redundancy group's master to every other copy");
        follower.start();
        stopped.await();
    }

    /**
     * Runs one {@link ReplicationAgent} per epoch of the redundancy group (issue 7): it reads the
     * group's state every {@value #FOLLOW_MS} ms and, once a new epoch is open, leaves the old
     * agent (whose writes the replicas now refuse, see {@code QOS_EPOCH}) and starts one from the
     * new master to every other copy. Until the coordinator has written a state, nothing ships.
     */
    static final class Follower implements AutoCloseable {

        private static final long FOLLOW_MS = 100;
        private static final long NO_GROUP_MS = 3_000;
        private final ClusterConfig config;
        private final ReplicationSettings settings;
        private final WatermarkPublisher publisher;
        private final java.util.concurrent.ScheduledExecutorService loop =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "qos-replication-follow"));
        private volatile GroupState latest;
        private ReplicationAgent agent;
        private long epoch;
        private long waitingSince = System.currentTimeMillis();
        private boolean waitReported;

        Follower(ClusterConfig config, ReplicationSettings settings, WatermarkPublisher publisher) {
            this.config = config;
            this.settings = settings;
            this.publisher = publisher;
        }

        void start() {
            loop.scheduleWithFixedDelay(this::follow, 0, FOLLOW_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private void follow() {
            java.util.Optional<GroupState> now = publisher.group();
            if (now.isEmpty()) {
                if (agent != null || System.currentTimeMillis() - waitingSince < NO_GROUP_MS) {
                    return;
                }
                // No coordinator has written a state (a cluster of databases only, or no node
                // up yet): follow what the copies themselves record, as a coordinator would start.
                now = java.util.Optional.of(recovered());
                if (!waitReported) {
                    System.out.println("replication agent: no redundancy group state in the cluster after "
                            + NO_GROUP_MS + " ms; following the copies' own record: epoch " + now.get().epoch()
                            + ", master " + now.get().master());
                    waitReported = true;
                }
            }
            GroupState s = now.get();
            latest = s;
            if (!s.open() || s.epoch() == epoch) {
                return;
            }
            ReplicationAgent old = agent;
            if (old != null) {
                // Its master may hang (stopped, not dead): closing must not hold the new epoch up.
                Thread closer = new Thread(old::close, "qos-replication-retire");
                closer.setDaemon(true);
                closer.start();
            }
            agent = agentFor(s);
            epoch = s.epoch();
            System.out.println("replication agent: epoch " + s.epoch() + ", from " + s.master() + " to every other copy");
            agent.start(settings.interval());
        }

        private GroupState recovered() {
            JdbcCopies copies = JdbcCopies.of(config, settings.tables());
            return Coordinator.recover(List.copyOf(copies.urls().keySet()), config.master().name(), copies, Clock.systemUTC());
        }

        private ReplicationAgent agentFor(GroupState s) {
            DatabaseSpec master = config.databases().stream().filter(d -> d.name().equals(s.master())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the group names master " + s.master()
                            + ", which is not a configured copy"));
            Map<String, ConnectionFactory> replicas = new LinkedHashMap<>();
            for (DatabaseSpec copy : config.databases()) {
                if (!copy.equals(master)) {
                    replicas.put(copy.name(), () -> DriverManager.getConnection(config.jdbcUrl(copy),
                            ClusterConfig.DB_USER, ClusterConfig.DB_PASSWORD));
                }
            }
            // Row identifiers are unique across copies: each copy numbers its own from its place in the list.
            int copyNumber = config.databases().indexOf(master) + 1;
            return ReplicationAgent.derby(() -> DriverManager.getConnection(config.jdbcUrl(master),
                            ClusterConfig.DB_USER, ClusterConfig.DB_PASSWORD), replicas,
                    settings.tables(), settings.batchRows(), copyNumber, publisher,
                    new ReplicationAgent.Epoch(s.epoch(), s.master(), s.firstSequence()),
                    (copy, e) -> {
                        GroupState known = latest;
                        return known == null ? java.util.OptionalLong.empty()
                                : known.successorOf(copy, e).map(p -> java.util.OptionalLong.of(p.fromSequence()))
                                .orElse(java.util.OptionalLong.empty());
                    });
        }

        @Override
        public void close() {
            loop.shutdownNow();
            if (agent != null) {
                agent.close();
            }
        }
    }
}
