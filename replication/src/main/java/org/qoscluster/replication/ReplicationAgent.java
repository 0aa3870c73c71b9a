package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.internal.Changes;
import org.qoscluster.replication.internal.DerbyDialect;
import org.qoscluster.replication.internal.Link;
import org.qoscluster.replication.internal.RowIds;
import org.qoscluster.replication.internal.Shipping;

/**
 * The replication agent (R1, R3, R4, R6): installs change capture on the master, and in rounds
 * ships the master's committed transactions to every replica.
 *
 * <p>A round reads the master's horizon (see {@link Dialect#horizon}); then, for each replica,
 * the committed transactions from its <em>watermark</em> on. A replica's watermark is a change
 * sequence below which it has every committed transaction and below which no transaction is
 * still open; it is kept in the replica ({@code QOS_WATERMARK}) together with the ids of the
 * transactions it applied whose last change is at or above it ({@code QOS_APPLIED}: a
 * transaction can straddle the mark, and its rows above it are read again), in the same transaction as the changes
 * themselves, so a crash of the agent or of the replica at any point neither loses nor repeats
 * a change. Change rows below every replica's watermark are deleted from the master. A replica
 * that is down is skipped (its changes wait on the master) and caught up when it answers again;
 * a brand-new replica gets an initial copy first: the master's rows, with the row identifiers of
 * a replica (or of the master, which keeps them only while it has no replica; see
 * {@code Master.identifiedBelow}).
 *
 * <p>The watermark is the replica's {@link Watermark}: a write whose change sequences are below it
 * is on that replica. It rises to the highest recent horizon none of whose open transactions is
 * still open, so a long transaction holds it back until it ends.
 *
 * <p>Every shipping decision (what ships and in what order, the watermarks, what may be deleted,
 * a copy's source) is taken by {@link Shipping}, which holds no connection; this class runs the
 * rounds and the lifecycle, reads the copies, asks it, and has what it answers written: on the
 * master by {@link Master} (capture, identifier tables, deletion of shipped rows), on each
 * replica by its {@link Replica} (watermark, apply) or, for a new or returning one, by
 * {@link Copier} (initial copy, carry-over).
 */
public final class ReplicationAgent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicationAgent.class.getName());

    /** Opens a JDBC connection to one database copy. */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /**
     * How far a replica is: every transaction with a change sequence below {@code sequence} is on
     * it, as of {@code time}; {@code lag}: how long the oldest change applied in that round had
     * waited since it was made on the master (zero when the round had nothing to apply).
     */
    public record Watermark(long sequence, Instant time, Duration lag) {
    }

    /** Told every time a replica's watermark is known anew (each round it is reachable). */
    @FunctionalInterface
    public interface WatermarkListener {
        void watermark(String replica, Watermark watermark);

        /**
         * Told when a copy that was master in {@code epoch} came back as a replica holding
         * {@code changes} change rows that never reached the group (its asynchronous tail), now
         * kept aside on it ({@link TableSpec#tailTable}).
         */
        default void tail(String copy, long epoch, long changes) {
        }

        /**
         * Told when {@code replica} is ready for a promotion: its first readying since it
         * (re)connected or was copied has ended (capture armed, identities restarted, the
         * master's unique constraints added where its rows allow, triggers and write statements
         * compiled), so a promotion of it does little DDL, and its applies no longer wait on the
         * readying's.
         */
        default void readied(String replica) {
        }
    }

    /**
     * The epoch this agent serves: its number, the master's name, and the first change
     * sequence of that master. An agent writes only to replicas of its epoch ({@code QOS_EPOCH}).
     */
    public record Epoch(long number, String master, long firstSequence) {

        /** A group's first epoch: the configured master, sequences from 1. */
        public static Epoch first(String master) {
            return new Epoch(1, master, 1);
        }
    }

    /**
     * Where the changes a copy made as master of {@code epoch} stopped reaching the group: the
     * first sequence its successor did not have. Empty when nobody remembers (then every change
     * row it still holds counts as its tail).
     */
    @FunctionalInterface
    public interface TailStart {
        java.util.OptionalLong of(String copy, long epoch);
    }

    private final Master master;
    private final Copier copier;
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final WatermarkListener listener;
    private final Map<String, Watermark> watermarks = new ConcurrentHashMap<>();
    /** The shipping rules' decisions and their memory (recent horizons, where rows were deleted). */
    private final Shipping shipping;
    private static final long SLOW_ROUND_NANOS = 100_000_000L;
    /** See {@link #readersIsolated}. */
    private volatile boolean readersIsolated;
    /** This agent process's generation ({@link #fencedAs}); 0: not fenced by generation. */
    private volatile long generation;
    private ScheduledExecutorService loop;
    /** Readies the replicas for a promotion beside the rounds ({@link Replica#readyIfDue}). */
    private ScheduledExecutorService readying;
    /**
     * Runs each replica's readying of a tick at the same time as the others': a first readying
     * (DDL on a copy just made) holds that replica's applies back for seconds, and the replicas
     * are separate servers.
     */
    private ExecutorService readyingEach;
    private ExecutorService appliers;
    /** The applies still running, by replica (see {@link #ship}); the round's thread's alone. */
    private final Map<Replica, Future<Integer>> applying = new LinkedHashMap<>();
    /**
     * How long a round of {@link #start} waits for the replicas' applies: most take milliseconds;
     * one that takes longer goes on beside the next rounds, which ship to the others meanwhile.
     */
    static final Duration APPLY_WAIT = Duration.ofMillis(100);

    /**
     * What an agent is made of, validated when built: an error names the field and echoes the
     * value. Start from {@link #derby} and change what differs with the {@code with...} methods.
     *
     * @param master     opens the master copy
     * @param replicas   opens each replica, by name (none: a group reduced to its master)
     * @param tables     the replicated tables' names
     * @param dialect    the databases' SQL
     * @param clock      the time written with each apply and watermark
     * @param batchRows  most change rows read per table and round (at least 1; default 5,000)
     * @param listener   told each replica's watermark (default: nobody)
     * @param epoch      the epoch the agent serves (default: the group's first)
     * @param tailStart  where a returning master's changes stopped reaching the group (default:
     *                   nobody remembers)
     */
    public record Settings(ConnectionFactory master, Map<String, ConnectionFactory> replicas, List<String> tables,
                           Dialect dialect, Clock clock, int batchRows, WatermarkListener listener,
                           Epoch epoch, TailStart tailStart) {

        public Settings {
            require(master != null, "master", master);
            require(replicas != null && replicas.keySet().stream().allMatch(n -> n != null && !n.isBlank())
                    && replicas.values().stream().allMatch(java.util.Objects::nonNull), "replicas", replicas);
            require(tables != null && tables.stream().allMatch(java.util.Objects::nonNull), "tables", tables);
            require(dialect != null, "dialect", dialect);
            require(clock != null, "clock", clock);
            require(batchRows >= 1, "batchRows", batchRows);
            require(listener != null, "listener", listener);
            require(epoch != null && epoch.number() >= 1 && epoch.number() <= RowIds.MAX_EPOCH && epoch.firstSequence() >= 1
                    && epoch.master() != null, "epoch", epoch);
            require(tailStart != null, "tailStart", tailStart);
            replicas = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replicas));
            tables = List.copyOf(tables);
        }

        private static void require(boolean ok, String field, Object value) {
            if (!ok) {
                throw new IllegalArgumentException("replication agent setting " + field + " is not valid: " + value);
            }
        }

        /** Settings for Derby copies with the defaults: the master serves epoch 1, reads of 5,000 rows. */
        public static Settings derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas, List<String> tables) {
            return new Settings(master, replicas, tables, new DerbyDialect(), Clock.systemUTC(), 5_000, (r, w) -> { },
                    Epoch.first("master"), (c, e) -> OptionalLong.empty());
        }

        public Settings withBatchRows(int rows) {
            return new Settings(master, replicas, tables, dialect, clock, rows, listener, epoch, tailStart);
        }

        public Settings withListener(WatermarkListener l) {
            return new Settings(master, replicas, tables, dialect, clock, batchRows, l, epoch, tailStart);
        }

        public Settings withEpoch(Epoch e, TailStart tail) {
            return new Settings(master, replicas, tables, dialect, clock, batchRows, listener, e, tail);
        }

        public Settings withClock(Clock c) {
            return new Settings(master, replicas, tables, dialect, c, batchRows, listener, epoch, tailStart);
        }
    }


    public ReplicationAgent(Settings settings) {
        this.master = new Master(new Link(settings.master()), settings.tables(), settings.dialect(), settings.clock(),
                settings.batchRows(), settings.epoch());
        this.listener = settings.listener();
        this.copier = new Copier(master, settings.tailStart(), listener);
        settings.replicas().forEach((name, factory) -> this.replicas.put(name, replica(name, factory)));
        this.shipping = new Shipping(settings.epoch().firstSequence());
    }

    private Replica replica(String name, ConnectionFactory factory) {
        return new Replica(name, new Link(factory), new Link(factory), master, copier, this::published, this::readied);
    }

    /** Tells the listener {@code replica} is ready for a promotion. */
    private void readied(String replica) {
        try {
            listener.readied(replica);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "watermark listener failed", e);
        }
    }

    /** Records a replica's new watermark and tells the listener. */
    private void published(String replica, Watermark w) {
        watermarks.put(replica, w);
        try {
            listener.watermark(replica, w);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "watermark listener failed", e);
        }
    }

    /** An agent for Derby copies, the master serving epoch 1. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables));
    }

    /** An agent for Derby copies reading at most about {@code batchRows} change rows per table and round. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables, int batchRows, WatermarkListener listener) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables).withBatchRows(batchRows)
                .withListener(listener));
    }

    /** An agent for Derby copies serving {@code epoch} of a redundancy group. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables, int batchRows, WatermarkListener listener,
                                         Epoch epoch, TailStart tailStart) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables).withBatchRows(batchRows)
                .withListener(listener).withEpoch(epoch, tailStart));
    }

    /**
     * Makes {@code copy}, a replica, ready to take the writes of {@code epoch}, in this
     * order: its epoch row (an agent of an older epoch then writes nothing more to it, see
     * {@link Changes#apply}), its generated columns' next values, change capture with sequences
     * from {@code epoch.firstSequence()} and row identifiers from the epoch's block (not the
     * copy's: a copy that was master before starts its sequence again at its watermark, below
     * values it drew then for rows that still hold their identifiers; see {@code RowIds}).
     * Idempotent: a coordinator that takes over a half-done promotion runs it again.
     */
    public static void promote(Connection copy, Dialect dialect, List<String> tables, Epoch epoch)
            throws SQLException {
        Master.promote(copy, dialect, tables, epoch);
    }

    /**
     * Makes this agent write to replicas only while none has taken a write from a later agent
     * {@code generation} (the fencing token a supervisor gives each agent process it starts, see
     * {@link Dialect#fenceGeneration}): a hung agent that a supervisor replaced ships nothing when
     * it wakes up. Call before {@link #start}; without it (generation 0) only the epoch fences.
     */
    public ReplicationAgent fencedAs(long generation) {
        if (generation < 0) {
            throw new IllegalArgumentException("agent generation " + generation + " is negative");
        }
        this.generation = generation;
        return this;
    }

    /**
     * Whether every reader of the replicas runs at REPEATABLE READ or SERIALIZABLE, and so sees a
     * transaction applied whole or not at all by itself. By default (false) the apply locks the
     * tables of its batch against readers until it commits, so that readers at Derby's default
     * READ COMMITTED, which is no snapshot, never count part of a transaction (R6).
     */
    public ReplicationAgent readersIsolated(boolean isolated) {
        this.readersIsolated = isolated;
        return this;
    }

    /** Validates the tables and installs capture on the master; fails naming every bad table. */
    public synchronized void install() {
        master.install();
    }

    /**
     * One round, every apply of it finished when it returns. Returns the number of transactions
     * applied to replicas in it.
     */
    public synchronized int shipOnce() throws SQLException {
        return ship(null);
    }

    /**
     * One round; {@code applyWait}: how long to wait for the replicas' applies (null: until each
     * has finished). An apply still running then goes on beside the next rounds, which skip its
     * replica until it has finished, so that a replica that applies slowly (just started, its
     * tables locked by a promotion's readying) holds back no other.
     */
    private synchronized int ship(Duration applyWait) throws SQLException {
        if (!master.installed()) {
            install();
        }
        try {
            return round(applyWait);
        } catch (SQLException e) {
            // A replica's failures stay inside its Replica; what reaches here failed on the master.
            master.link.reset();
            throw e;
        }
    }

    /**
     * Collects the applies that have finished, those of {@code waitOn} that finish within
     * {@code waitNanos}, or all of them ({@code waitNanos} {@code Long.MAX_VALUE}); returns the
     * transactions they applied. A replica stays out of the rounds while its apply runs
     * ({@link #applying}).
     */
    private int collect(long waitNanos, java.util.Collection<Replica> waitOn) {
        long deadline = waitNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + waitNanos;
        int applied = 0;
        for (java.util.Iterator<Map.Entry<Replica, Future<Integer>>> it = applying.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Replica, Future<Integer>> entry = it.next();
            Future<Integer> f = entry.getValue();
            try {
                if (deadline == Long.MAX_VALUE) {
                    applied += f.get();
                } else {
                    long left = waitOn.contains(entry.getKey()) ? deadline - System.nanoTime() : 0;
                    if (!f.isDone() && left <= 0) {
                        continue;
                    }
                    applied += f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
                }
                it.remove();
            } catch (java.util.concurrent.TimeoutException e) {
                // still applying: collected by a later round
            } catch (ExecutionException e) {
                it.remove();
                throw new IllegalStateException("applying to a replica failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return applied;
            }
        }
        return applied;
    }

    private int round(Duration applyWait) throws SQLException {
        long t0 = System.nanoTime();
        master.warmIdentitiesOnNewConnection();
        Shipping.Round now = shipping.round(master.dialect.horizon(master.link.connection(), master.tables()));
        Dialect.Horizon horizon = now.horizon();
        long settled = now.settled();
        master.reportHeldBack(horizon, settled);
        long t1 = System.nanoTime();
        if (replicas.isEmpty()) {
            // The master is the only copy: its identifier tables are the only ones there are.
            master.identify(horizon, settled);
        }
        long t2 = System.nanoTime();
        long fence = generation;
        int applied = collect(0, List.of());
        List<String> writeStatements = master.writeStatements();
        for (Replica r : replicas.values()) {
            r.statementsToCompile = writeStatements;
            if (!applying.containsKey(r)) {
                r.connect(fence);
            }
        }
        // A replica that needs a copy takes its identifiers from one that does not, whose
        // connection no apply may use meanwhile.
        if (replicas.values().stream().anyMatch(r -> r.needsCopy != null)) {
            applied += collect(Long.MAX_VALUE, List.of());
            for (Replica r : replicas.values()) {
                if (r.needsCopy != null) {
                    copier.copy(r, replicas, fence);
                }
            }
        }
        List<Replica> ready = replicas.values().stream().filter(r -> r.reachable && !applying.containsKey(r)).toList();
        Map<Long, Changes.Batch> reads = new HashMap<>();
        for (Replica r : ready) {
            if (!reads.containsKey(r.low)) {
                reads.put(r.low, Changes.read(master.link, master.dialect, master.tables(), r.low, horizon,
                        master.batchRows, now.newlyOpen()));
            }
        }
        long t3 = System.nanoTime();
        // The replicas apply at the same time, each on its own connection.
        boolean isolated = readersIsolated;
        for (Replica r : ready) {
            Shipping.Step step = Shipping.next(reads.get(r.low), r.low, r.appliedAbove, settled);
            applying.put(r, appliers().submit(() -> r.apply(step, fence, isolated)));
        }
        // Only this round's applies are waited for: one still running from an earlier round
        // holds back no round.
        applied += collect(applyWait == null ? Long.MAX_VALUE : applyWait.toNanos(), ready);
        long t4 = System.nanoTime();
        OptionalLong deletable = shipping.deletable(replicas.values().stream()
                .map(r -> r.known ? OptionalLong.of(r.low) : OptionalLong.empty()).toList(), settled,
                master.identifiedBelow());
        if (deletable.isPresent()) {
            master.deleteBelow(shipping, deletable.getAsLong());
        }
        long t5 = System.nanoTime();
        if (t5 - t0 > SLOW_ROUND_NANOS) {
            // Where a round's time went, when it holds replication back noticeably.
            LOG.log(Level.INFO, "master={0} slow round: {1} ms (horizon {2}, identify {3}, read {4}, apply {5}, delete {6}),"
                    + " {7} transactions applied", new Object[] {master.epoch.master(), millis(t5 - t0), millis(t1 - t0),
                        millis(t2 - t1), millis(t3 - t2), millis(t4 - t3), millis(t5 - t4), String.valueOf(applied)});
        }
        return applied;
    }

    /** {@code nanos} as whole milliseconds, for a log message's parameter. */
    private static String millis(long nanos) {
        return String.valueOf(nanos / 1_000_000);
    }

    /** The message of {@code e} and of the exceptions chained to it (a failed batch names its failing row there). */
    static String describe(SQLException e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        SQLException next = e.getNextException();
        for (int i = 0; next != null && i < 3; i++, next = next.getNextException()) {
            b.append(" / ").append(next.getMessage());
        }
        return b.toString();
    }

    private ExecutorService appliers() {
        if (appliers == null) {
            appliers = Executors.newFixedThreadPool(Math.max(1, replicas.size()), daemon("qos-replication-apply"));
        }
        return appliers;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Ships to {@code now} from the next round on (a redundancy group's members changed, R9): a
     * replica not there before is prepared as at start (an initial copy when it has no watermark
     * of this epoch); one left out gets no more changes, and the master's change rows no longer
     * wait for it.
     */
    public synchronized void replicas(Map<String, ConnectionFactory> now) {
        for (java.util.Iterator<Map.Entry<String, Replica>> it = replicas.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Replica> r = it.next();
            if (!now.containsKey(r.getKey())) {
                Future<Integer> running = applying.remove(r.getValue());
                if (running != null) {
                    try {
                        running.get(); // its connection closes below
                    } catch (ExecutionException e) {
                        LOG.log(Level.FINE, "replica={0} left the group during a failed apply: {1}", new Object[] {r.getKey(), e.getCause()});
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                r.getValue().link.close();
                r.getValue().readyLink.close();
                watermarks.remove(r.getKey());
                it.remove();
                LOG.log(Level.INFO, "replica={0} left the group: no more changes ship to it", r.getKey());
            }
        }
        now.forEach((name, factory) -> {
            if (!replicas.containsKey(name)) {
                replicas.put(name, replica(name, factory));
                LOG.log(Level.INFO, "replica={0} joined the group: it is copied, then its changes follow", name);
            }
        });
        if (appliers != null) {
            appliers.shutdown(); // sized for the replicas before; made again on the next round
            appliers = null;
        }
    }

    /** What {@code replica} has applied, if known yet. */
    public Optional<Watermark> watermark(String replica) {
        return Optional.ofNullable(watermarks.get(replica));
    }

    /**
     * Readies every reachable replica for a promotion now ({@link Dialect#readyToPromote}); once
     * started, the agent does it by itself, on a thread of its own, after a replica connects or is
     * copied and every 3 s.
     */
    public void readyReplicas() {
        List<Replica> all;
        synchronized (this) {
            all = List.copyOf(replicas.values());
        }
        all.forEach(r -> r.readyIfDue(true));
    }

    /** Ships every {@code interval} on a thread of its own until {@link #close()}; see {@link #start(Duration, java.util.function.Consumer)}. */
    public synchronized void start(Duration interval) {
        start(interval, e -> { });
    }

    /**
     * Ships every {@code interval} on a thread of its own until {@link #close()}. A round that
     * fails with an exception is logged (when the failure starts or changes) and the next round
     * tries again; one that fails with an {@link Error} (out of memory, say) ends the shipping:
     * it is logged at SEVERE and {@code onError} is told, so that the process can end and its
     * supervisor start another rather than live on shipping nothing.
     */
    public synchronized void start(Duration interval, java.util.function.Consumer<Error> onError) {
        readying = Executors.newSingleThreadScheduledExecutor(daemon("qos-replication-ready"));
        ExecutorService each = Executors.newCachedThreadPool(daemon("qos-replication-ready-replica"));
        readyingEach = each;
        var unusedReadying = readying.scheduleWithFixedDelay(() -> {
            List<Replica> all;
            synchronized (this) {
                all = List.copyOf(replicas.values());
            }
            // The tick ends when every replica's readying has: none runs twice at once.
            Map<Replica, Future<?>> started = new LinkedHashMap<>();
            for (Replica r : all) {
                try {
                    started.put(r, each.submit(() -> r.readyIfDue(false)));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return; // closing
                }
            }
            for (Map.Entry<Replica, Future<?>> r : started.entrySet()) {
                try {
                    r.getValue().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException e) {
                    LOG.log(Level.WARNING, "replica={0} could not be readied for a promotion: {1}",
                            new Object[] {r.getKey().name, e.getCause().toString()});
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
        loop = Executors.newSingleThreadScheduledExecutor(daemon("qos-replication-agent"));
        String[] lastFailure = {null};
        var unused = loop.scheduleWithFixedDelay(() -> {
            try {
                ship(APPLY_WAIT);
                lastFailure[0] = null;
            } catch (SQLException | RuntimeException e) {
                // Logged when it starts or changes, not every round.
                if (!String.valueOf(e).equals(lastFailure[0])) {
                    LOG.log(Level.WARNING, "master={0} replication round failed: {1}",
                            new Object[] {master.epoch.master(), e instanceof SQLException s ? describe(s) : e.toString()});
                    lastFailure[0] = String.valueOf(e);
                }
            } catch (Error e) {
                LOG.log(Level.SEVERE, "master={0} replication round failed with {1}; this agent ships no more",
                        new Object[] {master.epoch.master(), e.toString()});
                try {
                    onError.accept(e);
                } catch (RuntimeException handlerFailed) {
                    e.addSuppressed(handlerFailed);
                }
                throw e; // ends the schedule
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ScheduledExecutorService l;
        ScheduledExecutorService ready;
        ExecutorService readyEach;
        synchronized (this) {
            l = loop;
            loop = null;
            ready = readying;
            readying = null;
            readyEach = readyingEach;
            readyingEach = null;
        }
        // The replicas' readyings first, so that the tick waiting for them ends too.
        stop(readyEach);
        stop(ready);
        stop(l);
        ExecutorService running;
        synchronized (this) {
            running = appliers;
            appliers = null;
        }
        // An apply still running (one a round stopped waiting for) ends on its own: committed
        // whole, or, past the bound, rolled back when its connection is aborted below.
        stop(running);
        synchronized (this) {
            applying.clear();
            master.link.close();
            replicas.values().forEach(r -> {
                r.link.close();
                r.readyLink.close();
            });
        }
    }

    /** Lets {@code executor}'s running task end, waiting up to 10 s; none is started after it. */
    private static void stop(ExecutorService executor) {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
