package org.qoscluster.launcher.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.LauncherException;
import org.qoscluster.launcher.RuntimeLayout;
import org.qoscluster.replication.ReplicationSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication agent's parts: the agent ({@value #AGENT}) and its supervisor
 * ({@value #SUPERVISOR}, which starts the agent and replaces it when it dies or hangs). Owns the
 * effective configuration written for them ({@code cluster.properties}), their start (returning
 * once the supervisor's first agent runs) and their stop.
 */
public final class ReplicationParts {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationParts.class);
    /** The replication agent's part name. */
    public static final String AGENT = ClusterConfig.REPLICATION_AGENT;
    /** The part that starts the replication agent and replaces it when it dies or hangs. */
    public static final String SUPERVISOR = "replication-supervisor";

    private final ClusterConfig config;
    private final RuntimeLayout layout;
    private final Path stateDir;
    private final Clock clock;

    /** @param stateDir the cluster's state directory, absolute */
    public ReplicationParts(ClusterConfig config, RuntimeLayout layout, Path stateDir, Clock clock) {
        this.config = config;
        this.layout = layout;
        this.stateDir = stateDir;
        this.clock = clock;
    }

    /** Starts the supervisor, which starts the agent; returns once the first agent runs (at most 30 s). */
    public void start() {
        ReplicationSettings.of(config);
        EffectiveConfig.write(stateDir, config);
        PartProcess.start(stateDir, SUPERVISOR, "supervisor", 0, Commands.replicationSupervisor(layout, stateDir));
        Instant deadline = clock.instant().plusSeconds(30);
        while (PartProcess.handle(stateDir, AGENT).isEmpty()) {
            if (PartProcess.handle(stateDir, SUPERVISOR).isEmpty() || clock.instant().isAfter(deadline)) {
                throw new LauncherException("the replication supervisor started no agent within 30 s:\n"
                        + PartProcess.tail(PartProcess.logFile(stateDir, SUPERVISOR), 20));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while starting the replication agent");
            }
        }
        LOG.info("part=replication-agent started under part=replication-supervisor");
    }

    /** Stops the supervisor, then the agent (nothing restarts it then). */
    public void stop() {
        LOG.info("part=replication-supervisor {}", PartProcess.stop(stateDir, SUPERVISOR, PartControl.STOP_GRACE));
        LOG.info("part=replication-agent {}", PartProcess.stop(stateDir, AGENT, PartControl.STOP_GRACE));
    }
}
