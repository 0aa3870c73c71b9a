package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.contract.GroupState;
import org.qoscluster.redundancy.AgentSupervision;
import org.qoscluster.redundancy.ConfiguredGroup;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.JdbcCopies;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;
import org.qoscluster.replication.ReplicationSettings;

/**
 * The replication agent process, started by its supervisor ({@link ReplicationSupervisorMain})
 * once the replicated tables exist on the master (the nodes' JPA layer creates them):
 * {@code ReplicationAgentMain STATE_DIR [GENERATION]} reads the cluster's configuration from
 * {@code STATE_DIR/cluster.properties} and ships the master's changes to every replica until it
 * is stopped. With a generation (the supervisor's fencing token) it renews its lease every
 * {@link AgentSupervision#RENEW} and writes to replicas only while no later generation has.
 */
public final class ReplicationAgentMain {

    /** The exit status of an agent that ended on an {@link Error} ({@link #fatal}). */
    static final int FATAL_STATUS = 70;

    private ReplicationAgentMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        long generation = 0;
        try {
            if (args.length == 2) {
                generation = Long.parseLong(args[1]);
            }
        } catch (NumberFormatException e) {
            generation = -1;
        }
        if (args.length < 1 || args.length > 2 || generation < 0) {
            System.err.println("usage: ReplicationAgentMain STATE_DIR [GENERATION]: GENERATION a whole number from 0");
            System.exit(2);
        }
        Path stateDir = Path.of(args[0]);
        ClusterConfig config = ClusterConfig.loadEffective(stateDir.resolve("cluster.properties"));
        ReplicationSettings settings = ReplicationSettings.of(config);
        java.util.concurrent.ScheduledExecutorService lease = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> new Thread(r, "qos-replication-lease"));
        if (generation > 0) {
            long g = generation;
            AgentLeaseFile file = new AgentLeaseFile(stateDir);
            var unused = lease.scheduleAtFixedRate(() -> {
                try {
                    file.renew(new AgentSupervision.Lease(g, System.currentTimeMillis()));
                } catch (java.io.IOException | RuntimeException e) {
                    System.out.println("replication agent: generation " + g + " cannot renew its lease (" + e + ")");
                }
            }, 0, AgentSupervision.RENEW.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        Map<String, String> secrets = Secrets.readAll(stateDir.resolve("secrets"), ClusterConfig.SECRETS);
        WatermarkPublisher publisher = new WatermarkPublisher(config, PayaraMemberConfig.hazelcastClusterName(config, secrets),
                Clock.systemUTC(), Duration.ofSeconds(1));
        String dbPassword = ClusterConfig.dbPassword(secrets);
        // Asked by the cluster's start only, so an agent that replaces a dead one ships at once.
        DatabaseParts.takeAgentWarmUp(stateDir).ifPresent(limit -> DatabaseParts.warmUpAgent(config, dbPassword,
                settings.interval(), limit));
        long fencedAs = generation;
        List<Follower> followers = ConfiguredGroup.all(config).stream()
                .map(g -> new Follower(g, g.copies(dbPassword), settings, publisher, fencedAs,
                        nodesRun(stateDir) || !config.singleHost())).toList();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            lease.shutdownNow();
            followers.forEach(Follower::close);
            publisher.close();
            stopped.countDown();
        }, "qos-replication-stop"));
        for (Follower f : followers) {
            System.out.println("replication agent" + (generation > 0 ? " generation " + generation : "") + ": group "
                    + f.group.name() + ", " + f.group.tables() + " every "
                    + settings.interval().toMillis() + " ms, from the group's master to every other member");
            f.start();
        }
        stopped.await();
    }

    /**
     * Ends the process at once (exit status {@value #FATAL_STATUS}) after {@code e} broke
     * {@code what}: the agent's lease would otherwise go on being renewed by a process that ships
     * nothing, and its supervisor would never start another.
     */
    static void fatal(String what, Error e) {
        System.out.println(what + " failed with " + e + "; the replication agent ends so that its supervisor starts another");
        System.out.flush();
        Runtime.getRuntime().halt(FATAL_STATUS);
    }

    /**
     * Whether nodes run from {@code stateDir}: only they run a coordinator that writes the groups'
     * state. Where parts are on several hosts, the nodes run from other state directories.
     */
    private static boolean nodesRun(Path stateDir) {
        return PartProcess.list(stateDir).stream().anyMatch(p -> p.alive() && p.kind().equals("node"));
    }

    /**
     * Runs one {@link ReplicationAgent} per epoch of the redundancy group: it reads the
     * group's state whenever it changes (an entry listener) and every {@value #FOLLOW_MS} ms in
     * case an event was lost and, once a new epoch is open, leaves the old
     * agent (whose writes the replicas now refuse, see {@code QOS_EPOCH}) and starts one from the
     * new master to every other member. When members are added or removed, the agent ships to the
     * new set from its next round; while the group is stopped, no agent runs. Until the
     * coordinator has written a state, nothing ships.
     */
    static final class Follower implements AutoCloseable {

        private static final long FOLLOW_MS = 100;
        private static final long NO_GROUP_MS = 3_000;
        final ConfiguredGroup group;
        private final ReplicationSettings settings;
        private final WatermarkPublisher publisher;
        private final JdbcCopies copies;
        private final java.util.concurrent.ScheduledExecutorService loop =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "qos-replication-follow"));
        private final String log;
        private final long generation;
        /** Whether the cluster has Payara members, so a coordinator may write the group's state. */
        private final boolean coordinated;
        private volatile GroupState latest;
        private ReplicationAgent agent;
        private long epoch;
        private List<GroupState.Copy> members = List.of();
        private long waitingSince = System.currentTimeMillis();
        private boolean waitReported;
        private boolean stoppedSaid;
        /** Whether the group's state changes are listened to (else only polled). */
        private boolean listening;
        /** Whether it said that the master is at another site (a group across sites). */
        private boolean elsewhereSaid;
        private static final long FOLLOWED_MS = 1_000;
        private static final long FOLLOWED_KEEP_MS = 5_000;
        private static final long FOLLOWED_ABANDON_MS = 10_000;
        private static final java.util.concurrent.ExecutorService FOLLOWED_READS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "qos-replication-followed");
            t.setDaemon(true);
            return t;
        });
        private final CaughtUp caughtUp = new CaughtUp(FOLLOWED_KEEP_MS);
        private long followedAt;
        private String followedMaster;
        private long followedEpoch;
        private java.util.concurrent.CompletableFuture<Void> followedRead;
        /** The last failure of {@link #follow} reported, so that one that repeats is reported once. */
        private String lastFollowFailure;

        Follower(ConfiguredGroup group, JdbcCopies copies, ReplicationSettings settings, WatermarkPublisher publisher,
                 long generation, boolean coordinated) {
            this.group = group;
            this.generation = generation;
            this.coordinated = coordinated;
            this.settings = settings;
            this.publisher = publisher;
            this.copies = copies;
            this.log = "replication agent: group " + group.name() + ": ";
        }

        void start() {
            var unused = loop.scheduleWithFixedDelay(this::followGuarded, 0, FOLLOW_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        /**
         * {@link #follow}, kept going: an exception is reported and the next run tries again (a
         * scheduled task that throws is never run again, and the group would silently stop
         * following its epochs); an {@link Error} ends the process ({@link #fatal}).
         */
        private void followGuarded() {
            try {
                follow();
            } catch (RuntimeException e) {
                String said = String.valueOf(e);
                if (!said.equals(lastFollowFailure)) {
                    System.out.println(log + "following the group's state failed (" + said + "); trying again");
                    lastFollowFailure = said;
                }
            } catch (Error e) {
                fatal(log + "following the group's state", e);
            }
        }

        private void follow() {
            if (!listening) {
                // A new epoch is followed as soon as it is written, not up to a poll period later.
                listening = publisher.onChange(group.name(), () -> {
                    try {
                        loop.execute(this::follow);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        // closed
                    }
                });
            }
            java.util.Optional<GroupState> now = publisher.group(group.name());
            if (now.isEmpty()) {
                if (agent != null || (coordinated && System.currentTimeMillis() - waitingSince < NO_GROUP_MS)) {
                    return;
                }
                // No coordinator has written a state (a cluster of databases only, at once, or no
                // node up yet): follow what the copies themselves record, as a coordinator would start.
                now = java.util.Optional.of(recovered());
                if (!waitReported) {
                    System.out.println(log + "no state in the cluster after "
                            + NO_GROUP_MS + " ms; following the copies' own record: epoch " + now.get().epoch()
                            + ", master " + now.get().master());
                    waitReported = true;
                }
            }
            GroupState s = now.get();
            latest = s;
            if (!s.open()) {
                return;
            }
            if (s.stopped()) {
                if (agent != null) {
                    // Closed before anything else ships: a later agent of this same epoch must not
                    // apply beside it.
                    agent.close();
                    agent = null;
                    epoch = 0;
                    System.out.println(log + "stopped; changes queue on " + s.master());
                }
                if (!stoppedSaid) {
                    publisher.shipping(group.name(), false, s.epoch()); // what an operator's 'stop' waits for
                    stoppedSaid = true;
                }
                return;
            }
            stoppedSaid = false;
            if (!group.mastersHere(s)) {
                // A group across sites whose master is at another site: that site's agent ships.
                if (agent != null || !elsewhereSaid) {
                    retire(agent);
                    agent = null;
                    epoch = 0;
                    members = List.of();
                    System.out.println(log + "epoch " + s.epoch() + ": master " + s.master()
                            + " is at another site, whose agent ships; this site ships nothing");
                    elsewhereSaid = true;
                }
                followWatermarks(s);
                return;
            }
            elsewhereSaid = false;
            if (s.epoch() == epoch) {
                if (!s.copies().equals(members)) {
                    System.out.println(log + "members now " + s.copyNames());
                    agent.replicas(replicasOf(s));
                    trackMembers(s.copies());
                }
                return;
            }
            retire(agent);
            agent = agentFor(s);
            epoch = s.epoch();
            trackMembers(s.copies());
            System.out.println(log + "epoch " + s.epoch() + ", from " + s.master() + " to " + s.copyNames());
            agent.start(settings.interval(), e -> fatal(log + "shipping", e));
            publisher.mark(group.name(), s.epoch(), "agent-started");
            publisher.shipping(group.name(), true, s.epoch());
        }

        /**
         * At a site that does not hold the master of a group across sites, publishes its own
         * copies' watermarks in its site's map, so that its nodes read from them: at most every
         * {@value #FOLLOWED_MS} ms, the master's next sequence (over the WAN) and each copy's
         * watermark of the epoch are read, on a thread of their own (a cut link must not hold up
         * following a new epoch), and each copy is published with its lag: how long ago it last had
         * every change the master had ({@link CaughtUp}). A copy that is not caught up within
         * {@value #FOLLOWED_KEEP_MS} ms is not published: readers then see its watermark age.
         */
        private void followWatermarks(GroupState s) {
            long now = System.currentTimeMillis();
            if (now - followedAt < FOLLOWED_MS
                    || (followedRead != null && !followedRead.isDone() && now - followedAt < FOLLOWED_ABANDON_MS)) {
                return; // a read that hangs (a cut link) is left behind after FOLLOWED_ABANDON_MS
            }
            followedAt = now;
            if (!s.master().equals(followedMaster) || s.epoch() != followedEpoch) {
                caughtUp.clear();
                followedMaster = s.master();
                followedEpoch = s.epoch();
            }
            List<GroupState.Copy> mine = s.copies().stream().filter(c -> !c.name().equals(s.master())
                    && group.sites().map(g -> g.siteOf(c.name()).equals(g.site())).orElse(false)).toList();
            GroupState.Copy master = s.copy(s.master()).orElseThrow();
            followedRead = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    long at = System.currentTimeMillis();
                    long next = copies.nextSequence(master);
                    Map<String, Coordinator.Standing> standings = copies.standings(mine);
                    long read = System.currentTimeMillis();
                    synchronized (caughtUp) {
                        caughtUp.master(at, next);
                        standings.forEach((name, st) -> {
                            if (st.epoch().isPresent() && st.epoch().get().epoch() == s.epoch() && st.watermark().isPresent()) {
                                long w = st.watermark().getAsLong();
                                caughtUp.caughtUpAt(w).ifPresent(t -> publisher.publish(name, new org.qoscluster.contract.ReplicaWatermark(
                                        group.name(), s.epoch(), w, read, Math.max(0, read - t))));
                            }
                        });
                    }
                } catch (java.sql.SQLException | RuntimeException e) {
                    // The master does not answer: the copies' published watermarks age, readers go to the master.
                }
            }, FOLLOWED_READS);
        }

        /** Closes {@code old} (if any) on a thread of its own: its master may hang (stopped, not dead), which must not hold the new epoch up. */
        private static void retire(ReplicationAgent old) {
            if (old != null) {
                Thread closer = new Thread(old::close, "qos-replication-retire");
                closer.setDaemon(true);
                closer.start();
            }
        }

        /** Ships to {@code now} from here on: a member that left has its watermark withdrawn. */
        private void trackMembers(List<GroupState.Copy> now) {
            java.util.Set<String> names = now.stream().map(GroupState.Copy::name).collect(java.util.stream.Collectors.toSet());
            members.stream().map(GroupState.Copy::name).filter(n -> !names.contains(n)).forEach(publisher::forget);
            members = now;
        }

        private GroupState recovered() {
            return Coordinator.recover(group.configured(), group.configuredMaster(), copies, Clock.systemUTC());
        }

        private Map<String, ConnectionFactory> replicasOf(GroupState s) {
            Map<String, ConnectionFactory> replicas = new LinkedHashMap<>();
            for (GroupState.Copy copy : s.copies()) {
                if (!copy.name().equals(s.master())) {
                    replicas.put(copy.name(), () -> copies.open(copy));
                }
            }
            return replicas;
        }

        private ReplicationAgent agentFor(GroupState s) {
            GroupState.Copy master = s.copy(s.master()).orElseThrow();
            // Row identifiers are unique across epochs: the master numbers its own from its epoch's.
            return ReplicationAgent.derby(() -> copies.open(master), replicasOf(s),
                    group.tables(), settings.batchRows(), publisher.of(group.name(), s.epoch()),
                    new ReplicationAgent.Epoch(s.epoch(), s.master(), s.firstSequence()),
                    (copy, e) -> {
                        GroupState known = latest;
                        return known == null ? java.util.OptionalLong.empty()
                                : known.successorOf(copy, e).map(p -> java.util.OptionalLong.of(p.fromSequence()))
                                .orElse(java.util.OptionalLong.empty());
                    }).fencedAs(generation);
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
