package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.redundancy.AgentSupervision;

/**
 * The supervisor of the replication agent (R8), part {@code replication-supervisor}, which the
 * launcher leaves running: {@code ReplicationSupervisorMain STATE_DIR} starts the agent (part
 * {@code replication-agent}, so {@code down}, {@code status} and the tests find it as before) with
 * a generation, and every {@value #CHECK_MS} ms asks {@link AgentSupervision} whether it is dead
 * or hung; if so, it kills what is left of it (SIGKILL: its connections close, so the databases
 * roll back whatever it had half applied and release its locks) and starts the next generation.
 * A hung agent that it could not kill would still ship nothing: the replicas refuse an earlier
 * generation once the next has written. Stopping the supervisor stops the agent.
 */
public final class ReplicationSupervisorMain {

    static final long CHECK_MS = 200;
    /** A lease older than this is a hung agent. */
    static final Duration LEASE = Duration.ofMillis(1_500);
    /** How long a new agent may take to renew its first lease (a JVM start on a busy machine). */
    static final Duration START_GRACE = Duration.ofSeconds(30);
    /** The least time between two starts. */
    static final Duration MIN_GAP = Duration.ofMillis(500);

    private ReplicationSupervisorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: ReplicationSupervisorMain STATE_DIR");
            System.exit(2);
        }
        Path stateDir = Path.of(args[0]).toAbsolutePath().normalize();
        // Read here so that a bad configuration fails the supervisor at once, not each agent it starts.
        ClusterConfig config = ClusterConfig.loadEffective(stateDir.resolve("cluster.properties"));
        AgentLeaseFile files = new AgentLeaseFile(stateDir);
        // Generations count up from the clock's milliseconds too: should the generation file be lost
        // while the databases stay, the next agent still comes after every one the replicas saw.
        AgentSupervision supervision = new AgentSupervision(Clock.systemUTC(), LEASE, START_GRACE, MIN_GAP,
                Math.max(files.lastGeneration(), System.currentTimeMillis()));
        CountDownLatch stopped = new CountDownLatch(1);
        Object lock = new Object();
        boolean[] stopping = {false};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (lock) {
                stopping[0] = true;
                System.out.println("replication supervisor: stopping the agent: "
                        + PartProcess.stop(stateDir, ReplicationParts.AGENT, Duration.ofSeconds(10)));
            }
            stopped.countDown();
        }, "qos-replication-supervisor-stop"));
        System.out.println("replication supervisor: lease " + LEASE.toMillis() + " ms, checked every " + CHECK_MS + " ms");
        while (!stopped.await(CHECK_MS, TimeUnit.MILLISECONDS)) {
            synchronized (lock) {
                if (stopping[0]) {
                    break;
                }
                Optional<ProcessHandle> agent = PartProcess.handle(stateDir, ReplicationParts.AGENT);
                AgentSupervision.Decision d = supervision.decide(agent.isPresent(), files.read());
                if (d instanceof AgentSupervision.Start start) {
                    replace(config, stateDir, files, supervision, agent, start);
                }
            }
        }
    }

    private static void replace(ClusterConfig config, Path stateDir, AgentLeaseFile files,
                                AgentSupervision supervision, Optional<ProcessHandle> old, AgentSupervision.Start start) {
        long t0 = System.nanoTime();
        old.ifPresent(p -> {
            p.destroyForcibly(); // a stopped (SIGSTOP) process dies of SIGKILL too
            p.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        });
        try {
            files.started(start.generation());
        } catch (IOException e) {
            System.out.println("replication supervisor: cannot record generation " + start.generation() + " (" + e.getMessage()
                    + "); a supervisor started after this one may count from an earlier one");
        }
        PartProcess.start(stateDir, ReplicationParts.AGENT, "agent", 0,
                Commands.replicationAgent(config, System.getProperty("java.class.path"), stateDir, start.generation()));
        supervision.started(start.generation());
        System.out.println("replication supervisor: agent generation " + start.generation() + " started in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms (" + start.why() + ")");
    }
}
