package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

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
 * the committed transactions from its <em>low mark</em> on. A replica's low mark is a change
 * sequence below which it has every committed transaction and below which no transaction is
 * still open; it is kept in the replica ({@code QOS_POSITION}) together with the ids of the
 * transactions it applied whose last change is at or above it ({@code QOS_APPLIED}: a
 * transaction can straddle the mark, and its rows above it are read again), in the same transaction as the changes
 * themselves, so a crash of the agent or of the replica at any point neither loses nor repeats
 * a change. Change rows below every replica's low mark are deleted from the master. A replica
 * that is down is skipped (its changes wait on the master) and caught up when it answers again;
 * a brand-new replica gets an initial copy first: the master's rows, with the row identifiers of
 * a replica (or of the master, which keeps them only while it has no replica; see
 * {@code identifiedBelow}).
 *
 * <p>The low mark is the replica's {@link Watermark}: a write whose change sequences are below it
 * is on that replica. It rises to the highest recent horizon none of whose open transactions is
 * still open, so a long transaction holds it back until it ends.
 *
 * <p>Every shipping decision (what ships and in what order, the low marks, what may be deleted,
 * a copy's source) is taken by {@link Shipping}, which holds no connection; this class reads the
 * copies, asks it, and writes what it answers.
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

    private final Link master;
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final List<String> tableNames;
    private final Dialect dialect;
    private final Clock clock;
    private final int batchRows;
    private final int copyNumber;
    private final WatermarkListener listener;
    private final Epoch epoch;
    private final TailStart tailStart;
    private final Map<String, Watermark> watermarks = new ConcurrentHashMap<>();
    /** The shipping rules' decisions and their memory (recent horizons, where rows were deleted). */
    private final Shipping shipping;
    private List<TableSpec> tables;
    /** See {@link #masterAtPromotion}; null until known. */
    private Optional<Set<String>> masterAtPromotion;
    private static final long SLOW_ROUND_NANOS = 100_000_000L;
    /** Change rows of a table shipped and deleted since the master last purged them. */
    private final Map<String, Long> deletedSinceReclaim = new HashMap<>();
    static final long RECLAIM_AFTER = 50_000;
    static final int BACKLOG_GONE = 5_000;
    /**
     * The master's identifier tables reflect every change below it ({@code QOS_IDENTIFIED}, read
     * at install); 0 when they are not kept. The agent keeps them (RowIds.identify) only while the
     * group has no replica: then they are what a replica that joins starts from. With replicas,
     * the replicas hold the identifiers and a new one starts from one of theirs; the master's stay
     * usable as a starting point until the first change row they do not reflect is deleted.
     */
    private long identifiedBelow;
    private final long ridBase;
    /** See {@link #readersIsolated}. */
    private volatile boolean readersIsolated;
    /** This agent process's generation ({@link #fencedAs}); 0: not fenced by generation. */
    private volatile long generation;
    private ScheduledExecutorService loop;
    private ExecutorService appliers;
    private Instant heldSince;
    private long heldAt;
    private Instant lastHeldReport;

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
     * @param copyNumber the master's number among the copies (1, 2, ...; default 1): row
     *                   identifiers it hands out are unique across copies
     * @param listener   told each replica's watermark (default: nobody)
     * @param epoch      the epoch the agent serves (default: the group's first)
     * @param tailStart  where a returning master's changes stopped reaching the group (default:
     *                   nobody remembers)
     */
    public record Settings(ConnectionFactory master, Map<String, ConnectionFactory> replicas, List<String> tables,
                           Dialect dialect, Clock clock, int batchRows, int copyNumber, WatermarkListener listener,
                           Epoch epoch, TailStart tailStart) {

        public Settings {
            require(master != null, "master", master);
            require(replicas != null && replicas.keySet().stream().allMatch(n -> n != null && !n.isBlank())
                    && replicas.values().stream().allMatch(java.util.Objects::nonNull), "replicas", replicas);
            require(tables != null && tables.stream().allMatch(java.util.Objects::nonNull), "tables", tables);
            require(dialect != null, "dialect", dialect);
            require(clock != null, "clock", clock);
            require(batchRows >= 1, "batchRows", batchRows);
            require(copyNumber >= 1 && copyNumber <= RowIds.MAX_COPY, "copyNumber", copyNumber);
            require(listener != null, "listener", listener);
            require(epoch != null && epoch.number() >= 1 && epoch.firstSequence() >= 1 && epoch.master() != null,
                    "epoch", epoch);
            require(tailStart != null, "tailStart", tailStart);
            replicas = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replicas));
            tables = List.copyOf(tables);
        }

        private static void require(boolean ok, String field, Object value) {
            if (!ok) {
                throw new IllegalArgumentException("replication agent setting " + field + " is not valid: " + value);
            }
        }

        /** Settings for Derby copies with the defaults: the master is copy 1 of epoch 1, reads of 5,000 rows. */
        public static Settings derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas, List<String> tables) {
            return new Settings(master, replicas, tables, new DerbyDialect(), Clock.systemUTC(), 5_000, 1, (r, w) -> { },
                    Epoch.first("master"), (c, e) -> OptionalLong.empty());
        }

        public Settings withBatchRows(int rows) {
            return new Settings(master, replicas, tables, dialect, clock, rows, copyNumber, listener, epoch, tailStart);
        }

        public Settings withCopyNumber(int number) {
            return new Settings(master, replicas, tables, dialect, clock, batchRows, number, listener, epoch, tailStart);
        }

        public Settings withListener(WatermarkListener l) {
            return new Settings(master, replicas, tables, dialect, clock, batchRows, copyNumber, l, epoch, tailStart);
        }

        public Settings withEpoch(Epoch e, TailStart tail) {
            return new Settings(master, replicas, tables, dialect, clock, batchRows, copyNumber, listener, e, tail);
        }

        public Settings withClock(Clock c) {
            return new Settings(master, replicas, tables, dialect, c, batchRows, copyNumber, listener, epoch, tailStart);
        }
    }

    public ReplicationAgent(Settings settings) {
        this.master = new Link(settings.master());
        settings.replicas().forEach((name, factory) -> this.replicas.put(name, new Replica(name, new Link(factory))));
        this.tableNames = settings.tables();
        this.dialect = settings.dialect();
        this.clock = settings.clock();
        this.batchRows = settings.batchRows();
        this.copyNumber = settings.copyNumber();
        this.ridBase = RowIds.base(copyNumber);
        this.listener = settings.listener();
        this.epoch = settings.epoch();
        this.tailStart = settings.tailStart();
        this.shipping = new Shipping(epoch.firstSequence());
    }

    /** An agent for Derby copies, the master being copy 1. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables));
    }

    /** An agent for Derby copies reading at most about {@code batchRows} change rows per table and round. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables, int batchRows, int copyNumber, WatermarkListener listener) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables).withBatchRows(batchRows)
                .withCopyNumber(copyNumber).withListener(listener));
    }

    /** An agent for Derby copies serving {@code epoch} of a redundancy group. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables, int batchRows, int copyNumber, WatermarkListener listener,
                                         Epoch epoch, TailStart tailStart) {
        return new ReplicationAgent(Settings.derby(master, replicas, tables).withBatchRows(batchRows)
                .withCopyNumber(copyNumber).withListener(listener).withEpoch(epoch, tailStart));
    }

    /**
     * Makes {@code copy}, a replica, ready to take the writes of {@code epoch}, in this
     * order: its epoch row (an agent of an older epoch then writes nothing more to it, see
     * {@link Changes#apply}), its generated columns' next values, change capture with sequences
     * from {@code epoch.firstSequence()} and row identifiers from copy {@code copyNumber}'s block.
     * Idempotent: a coordinator that takes over a half-done promotion runs it again.
     */
    public static void promote(Connection copy, Dialect dialect, List<String> tables, int copyNumber, Epoch epoch)
            throws SQLException {
        long t0 = System.nanoTime();
        List<TableSpec> described = dialect.describe(copy, tables);
        Optional<Dialect.CopyEpoch> was = dialect.epoch(copy);
        if (was.isPresent() && was.get().epoch() > epoch.number()) {
            throw new ReplicationException("cannot promote: the copy already serves epoch " + was.get().epoch()
                    + ", later than " + epoch.number());
        }
        Link.inTransaction(copy, c -> {
            dialect.writeEpoch(c, epoch.number(), epoch.master());
            if (was.isEmpty() || was.get().epoch() < epoch.number()) {
                // Its identifier tables, kept as a replica, reflect everything before this epoch
                // (a copy that was master before may record where its own stood then).
                RowIds.identifiedAt(c, epoch.firstSequence());
            }
            return null;
        });
        long t1 = System.nanoTime();
        if (was.isEmpty() || was.get().epoch() < epoch.number()) {
            dialect.restartIdentities(copy, described);
        }
        long t2 = System.nanoTime();
        dialect.installCapture(copy, described, copyNumber, epoch.firstSequence());
        LOG.info(String.format(java.util.Locale.ROOT, "epoch %d: promoted %s (catalogue and epoch row %d ms, identities %d ms,"
                + " capture %d ms)", epoch.number(), epoch.master(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                (System.nanoTime() - t2) / 1_000_000));
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
        try {
            Connection c = master.connection();
            List<TableSpec> described = dialect.describe(c, tableNames);
            Optional<Dialect.CopyEpoch> at = dialect.epoch(c);
            if (at.isEmpty() && epoch.number() == 1) {
                // A group's first master: it says so from now on.
                dialect.writeEpoch(c, 1, epoch.master());
            } else if (at.isEmpty() || at.get().epoch() != epoch.number() || !at.get().master().equals(epoch.master())) {
                throw new ReplicationException("the master copy " + epoch.master() + " serves "
                        + at.map(e -> "epoch " + e.epoch() + " under " + e.master()).orElse("no epoch")
                        + ", this agent epoch " + epoch.number() + ": not shipping from it");
            }
            dialect.installCapture(c, described, copyNumber, epoch.firstSequence());
            identifiedBelow = RowIds.identifiedBelow(c);
            tables = described;
        } catch (SQLException e) {
            master.reset();
            throw new ReplicationException("cannot install change capture on the master: " + e.getMessage(), e);
        }
    }

    /** One round. Returns the number of transactions applied to replicas in it. */
    public synchronized int shipOnce() throws SQLException {
        if (tables == null) {
            install();
        }
        try {
            return round();
        } catch (SQLException e) {
            // A replica's failures stay inside its Replica; what reaches here failed on the master.
            master.reset();
            throw e;
        }
    }

    private int round() throws SQLException {
        long t0 = System.nanoTime();
        Shipping.Round now = shipping.round(dialect.horizon(master.connection(), tables));
        Dialect.Horizon horizon = now.horizon();
        long settled = now.settled();
        reportHeldBack(horizon, settled);
        long t1 = System.nanoTime();
        if (replicas.isEmpty()) {
            // The master is the only copy: its identifier tables are the only ones there are.
            if (identifiedBelow == 0) {
                reidentify("its tables were not kept while it had replicas, and none is left");
            }
            identifiedBelow = RowIds.identify(master, dialect, tables, horizon, settled, identifiedBelow, batchRows, ridBase);
        }
        long t2 = System.nanoTime();
        for (Replica r : replicas.values()) {
            r.connect();
        }
        // A replica that needs a copy takes its identifiers from one that does not.
        for (Replica r : replicas.values()) {
            if (r.needsCopy != null) {
                r.copy();
            }
        }
        Map<Long, Changes.Batch> reads = new HashMap<>();
        for (Replica r : replicas.values()) {
            if (r.reachable && !reads.containsKey(r.low)) {
                reads.put(r.low, Changes.read(master, dialect, tables, r.low, horizon, batchRows, now.newlyOpen()));
            }
        }
        long t3 = System.nanoTime();
        // The replicas apply at the same time, each on its own connection.
        List<Future<Integer>> applies = new ArrayList<>();
        for (Replica r : replicas.values()) {
            if (r.reachable) {
                Shipping.Step step = Shipping.next(reads.get(r.low), r.low, r.appliedAbove, settled);
                applies.add(appliers().submit(() -> r.apply(step)));
            }
        }
        int applied = 0;
        for (Future<Integer> f : applies) {
            try {
                applied += f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("applying to a replica failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return applied;
            }
        }
        long t4 = System.nanoTime();
        OptionalLong deletable = shipping.deletable(replicas.values().stream()
                .map(r -> r.known ? OptionalLong.of(r.low) : OptionalLong.empty()).toList(), settled, identifiedBelow);
        if (deletable.isPresent()) {
            long below = deletable.getAsLong();
            if (identifiedBelow > 0 && below > identifiedBelow) {
                // Said before the changes they do not reflect are gone (see identifiedBelow).
                RowIds.forget(master);
                identifiedBelow = 0;
                LOG.info("the master's identifier tables are no longer kept: its replicas hold the row identifiers");
            }
            Changes.deleteBelow(master, dialect, tables, shipping.deletedBelow(), below).forEach(this::reclaimAfterBacklog);
            shipping.deleted(below);
        }
        long t5 = System.nanoTime();
        if (t5 - t0 > SLOW_ROUND_NANOS) {
            // Where a round's time went, when it holds replication back noticeably.
            LOG.info(String.format(java.util.Locale.ROOT, "slow round: %d ms (horizon %d, identify %d, read %d, apply %d,"
                    + " delete %d), %d transactions applied", (t5 - t0) / 1_000_000, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000, (t5 - t4) / 1_000_000, applied));
        }
        return applied;
    }

    /** Gives the master's rows new identifiers ({@link RowIds#reidentify}), logging {@code why}. */
    private void reidentify(String why) throws SQLException {
        identifiedBelow = RowIds.reidentify(master, dialect, tables, ridBase);
        LOG.info("the master's rows have new row identifiers (" + why + "): kept from change " + identifiedBelow + " on");
    }

    /**
     * Once a backlog of at least {@link #RECLAIM_AFTER} change rows of a table has shipped and
     * been deleted (a round deleting fewer than {@link #BACKLOG_GONE}), has the master purge
     * them (see {@link Dialect#reclaim}); then the next backlog is counted.
     */
    private void reclaimAfterBacklog(TableSpec table, int deletedNow) {
        long total = deletedSinceReclaim.merge(table.name(), (long) deletedNow, Long::sum);
        if (total < RECLAIM_AFTER || deletedNow >= BACKLOG_GONE) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            dialect.reclaim(master.connection(), table.changeTable());
            deletedSinceReclaim.remove(table.name());
            LOG.info(String.format(java.util.Locale.ROOT, "table=%s purged %d shipped change rows from the master's change table in %d ms",
                    table.name(), total, (System.nanoTime() - t0) / 1_000_000));
        } catch (SQLException e) {
            // Only slower scans until the next try; replication goes on.
            LOG.warning("table=" + table.name() + " could not purge shipped change rows: " + describe(e));
            deletedSinceReclaim.put(table.name(), total - RECLAIM_AFTER / 2);
        }
    }

    /**
     * Logs, at most every 10 s, when transactions that stay open hold every watermark back for
     * more than 10 s (a read-your-writes reader then waits for them): which ones and what they run.
     */
    private void reportHeldBack(Dialect.Horizon now, long settled) {
        Instant t = clock.instant();
        if (settled >= now.nextSequence() || now.openTransactions().isEmpty()) {
            heldSince = null;
            return;
        }
        if (heldSince == null) {
            heldSince = t;
            heldAt = settled;
        } else if (settled > heldAt) {
            heldSince = t;
            heldAt = settled;
        } else if (Duration.between(heldSince, t).toSeconds() >= 10
                && (lastHeldReport == null || Duration.between(lastHeldReport, t).toSeconds() >= 10)) {
            lastHeldReport = t;
            String who;
            try {
                who = dialect.describeOpen(master.connection(), now.openTransactions());
            } catch (SQLException e) {
                who = "? (" + e.getMessage() + ")";
            }
            LOG.warning("watermarks held at " + settled + " for " + Duration.between(heldSince, t).toSeconds()
                    + " s by transactions still open on the master: " + who);
        }
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
     * replica not there before is prepared as at start (an initial copy when it has no position
     * of this epoch); one left out gets no more changes, and the master's change rows no longer
     * wait for it.
     */
    public synchronized void replicas(Map<String, ConnectionFactory> now) {
        for (java.util.Iterator<Map.Entry<String, Replica>> it = replicas.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Replica> r = it.next();
            if (!now.containsKey(r.getKey())) {
                r.getValue().link.close();
                watermarks.remove(r.getKey());
                it.remove();
                LOG.info("replica=" + r.getKey() + " left the group: no more changes ship to it");
            }
        }
        now.forEach((name, factory) -> {
            if (!replicas.containsKey(name)) {
                replicas.put(name, new Replica(name, new Link(factory)));
                LOG.info("replica=" + name + " joined the group: it is copied, then its changes follow");
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

    /** Ships every {@code interval} on a thread of its own until {@link #close()}. */
    public synchronized void start(Duration interval) {
        loop = Executors.newSingleThreadScheduledExecutor(daemon("qos-replication-agent"));
        String[] lastFailure = {null};
        loop.scheduleWithFixedDelay(() -> {
            try {
                shipOnce();
                lastFailure[0] = null;
            } catch (SQLException | RuntimeException e) {
                // Logged when it starts or changes, not every round.
                if (!String.valueOf(e).equals(lastFailure[0])) {
                    LOG.warning("replication round failed: " + (e instanceof SQLException s ? describe(s) : e.toString()));
                    lastFailure[0] = String.valueOf(e);
                }
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ScheduledExecutorService l;
        synchronized (this) {
            l = loop;
            loop = null;
        }
        if (l != null) {
            l.shutdown();
            try {
                l.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (appliers != null) {
                appliers.shutdownNow();
                appliers = null;
            }
            master.close();
            replicas.values().forEach(r -> r.link.close());
        }
    }

    /**
     * What this epoch's master held of the previous epoch when it was promoted, when a replica can
     * compare: its low mark as a replica is this epoch's first sequence (the coordinator promotes
     * at the low mark), and these are the transactions it applied at or above it. A replica of the
     * previous epoch with the same low mark and the same transactions has the same data, and
     * follows without a copy. Empty when the master was no replica of the previous epoch.
     */
    private Optional<Set<String>> masterAtPromotion() throws SQLException {
        if (masterAtPromotion == null) {
            Connection c = master.connection();
            masterAtPromotion = epoch.number() > 1 && dialect.lowMark(c).equals(OptionalLong.of(epoch.firstSequence()))
                    ? Optional.of(Set.copyOf(dialect.appliedFrom(c, epoch.firstSequence())))
                    : Optional.empty();
        }
        return masterAtPromotion;
    }

    /** One replica: its connection, its low mark and the transactions it applied above it. */
    private final class Replica {
        final String name;
        final Link link;
        boolean reachable;
        boolean warned;
        /** The low mark has been read from the replica (or set by its copy) since the agent started. */
        boolean known;
        long low;
        final Set<String> appliedAbove = new HashSet<>();
        /** Why it needs a copy before changes can ship to it (see {@link #connect}); null when it does not. */
        String needsCopy;
        /** The epoch it recorded when it was found to need a copy (0: none). */
        long wasEpoch;
        boolean awaitSaid;

        Replica(String name, Link link) {
            this.name = name;
            this.link = link;
        }

        /**
         * Opens the connection if needed and reads the replica's position; a replica that needs a
         * copy first (new, from another epoch, or without a table) is left unreachable with
         * {@link #needsCopy} set, for {@link #copy} once every replica has been connected.
         */
        void connect() {
            if (reachable) {
                return;
            }
            needsCopy = null;
            try {
                Connection c = link.connection();
                Optional<Dialect.CopyEpoch> at = dialect.epoch(c);
                if (at.isPresent() && at.get().epoch() > epoch.number()) {
                    // This agent is stale (its epoch is over; it is being retired): it must never
                    // copy over, or set aside the tail of, a copy that serves a newer epoch.
                    throw new SQLException("it serves epoch " + at.get().epoch() + " under " + at.get().master()
                            + ", newer than this agent's " + epoch.number());
                }
                boolean empty = dialect.prepareReplica(c, tables);
                if (!empty && at.isPresent() && at.get().epoch() == epoch.number() - 1 && !at.get().master().equals(name)
                        && masterAtPromotion().isPresent() && carriedOver(c, masterAtPromotion().get())) {
                    LOG.info("replica=" + name + " had exactly what " + epoch.master() + " had when it was promoted: it follows"
                            + " epoch " + epoch.number() + " from change " + epoch.firstSequence() + ", no copy needed");
                    at = dialect.epoch(c);
                }
                // A table added to capture since its copy: its rows from before capture are not there.
                Set<String> copied = dialect.copiedTables(c);
                Set<String> lacking = tables.stream().map(TableSpec::name).filter(t -> !copied.contains(t))
                        .collect(Collectors.toCollection(TreeSet::new));
                boolean otherEpoch = at.isEmpty() || at.get().epoch() != epoch.number();
                if (empty || !lacking.isEmpty() || otherEpoch) {
                    // New, from an older epoch, or without a table: what it has may differ from
                    // this master's data.
                    wasEpoch = at.map(Dialect.CopyEpoch::epoch).orElse(0L);
                    needsCopy = empty ? "new" : otherEpoch ? "from epoch " + wasEpoch
                            : "without " + lacking + " (added to capture since its copy)";
                    return;
                }
                readPosition(c);
            } catch (SQLException e) {
                down(e);
            }
        }

        /**
         * Gives the replica its initial copy ({@link Changes#copy}): the identifier tables of a
         * replica connected this round, else the master's while they are kept, else, when no
         * replica is down that could hold some, the master's rows under new identifiers. While a
         * replica that is down may hold this epoch's identifiers, it waits for it (or for it to
         * leave the group). A former master first keeps aside the changes that never reached the
         * group.
         */
        void copy() {
            try {
                Shipping.CopyFrom source = Shipping.copyFrom(name, replicas.values().stream()
                        .map(r -> new Shipping.Peer(r.name, r.reachable, r.known, r.needsCopy != null)).toList(), identifiedBelow);
                if (source.source() == Shipping.Source.WAIT) {
                    if (!awaitSaid) {
                        LOG.warning("replica=" + name + " (" + needsCopy + ") needs a copy; it waits for replica="
                                + source.replica().orElseThrow() + ", which is down, to take the row identifiers from"
                                + " (or for it to leave the group)");
                        awaitSaid = true;
                    }
                    return;
                }
                if (source.source() == Shipping.Source.REIDENTIFY) {
                    reidentify("no replica holds any of epoch " + epoch.number());
                }
                Replica from = source.replica().map(replicas::get).orElse(null);
                Connection c = link.connection();
                long fromSequence = tailStart.of(name, wasEpoch).orElse(0L);
                long kept = dialect.setTailAside(c, tables, fromSequence, reachedTheGroup(fromSequence, wasEpoch), wasEpoch);
                if (kept > 0) {
                    LOG.warning("replica=" + name + " was master in epoch " + wasEpoch + " and holds " + kept
                            + " change rows that never reached the group (its asynchronous tail): kept in QOS_TAIL_"
                            + wasEpoch + "_* on it for an operator, not merged");
                    listener.tail(name, wasEpoch, kept);
                }
                Connection identifiers = from == null ? master.connection() : from.link.connection();
                long low = from == null ? identifiedBelow : dialect.lowMark(identifiers).orElseThrow(
                        () -> new SQLException("the replica to copy identifiers from has no position"));
                long rows = Changes.copy(master.connection(), identifiers, link, dialect, tables, Timestamp.from(clock.instant()),
                        epoch.number(), epoch.master(), low, generation);
                LOG.info("replica=" + name + " " + needsCopy + ": copy of " + rows + " rows made in epoch " + epoch.number()
                        + ", row identifiers from " + (from == null ? "the master" : "replica=" + from.name) + " as of change "
                        + low + "; changes follow");
                needsCopy = null;
                awaitSaid = false;
                readPosition(c);
            } catch (SQLException e) {
                down(e);
            }
        }

        private void readPosition(Connection c) throws SQLException {
            long persisted = dialect.lowMark(c).orElse(0);
            appliedAbove.clear();
            appliedAbove.addAll(dialect.appliedFrom(c, persisted));
            low = persisted;
            known = true;
            reachable = true;
            if (warned) {
                LOG.info("replica=" + name + " reachable again at low mark " + low + "; catching up");
                warned = false;
            }
        }

        /**
         * The transactions this agent's master applied as a replica at or above {@code from}: a
         * returning master's tail starts at the successor's low mark, but these reached the group
         * (a batch can hold a transaction that started above the low mark; see
         * {@code Changes.commitOrderPrefix}). Only the direct successor of epoch {@code was} knows:
         * a later master's record is of another master's transactions, whose ids may be equal.
         * A copy or a carry-over clears the record, so after several failovers more may stay in a
         * tail than never reached the group, never less. Empty when the master has no record.
         */
        private Set<String> reachedTheGroup(long from, long was) {
            if (epoch.number() != was + 1) {
                return Set.of();
            }
            try {
                return dialect.appliedFrom(master.connection(), from);
            } catch (SQLException e) {
                return Set.of(); // no record on the master: the tail stays whole
            }
        }

        /**
         * Makes this replica of the previous epoch a replica of this one without a copy, if it has
         * exactly the data the master had when it was promoted ({@code masterHad}, see
         * {@link #masterAtPromotion}): the same low mark, and the same transactions applied above
         * it. One transaction that first takes over the epoch row, the lock every apply takes
         * first: an agent of the previous epoch applies either before (then the checks see it) or
         * not at all (its fence fails). The replica's record of applied transactions goes: this
         * master's transaction ids are counted apart from the previous one's. Whether it did.
         */
        boolean carriedOver(Connection c, Set<String> masterHad) throws SQLException {
            return Link.inTransaction(c, tx -> {
                try (PreparedStatement epochRow = tx.prepareStatement(
                        "UPDATE QOS_EPOCH SET QOS_EPOCH = ?, QOS_MASTER = ?, QOS_AT = CURRENT_TIMESTAMP WHERE QOS_EPOCH = ?")) {
                    epochRow.setLong(1, epoch.number());
                    epochRow.setString(2, epoch.master());
                    epochRow.setLong(3, epoch.number() - 1);
                    if (generation > 0) {
                        dialect.fenceGeneration(tx, generation);
                    }
                    if (epochRow.executeUpdate() != 1
                            || !dialect.lowMark(tx).equals(OptionalLong.of(epoch.firstSequence()))
                            || !dialect.appliedFrom(tx, epoch.firstSequence()).equals(masterHad)) {
                        tx.rollback();
                        return false;
                    }
                    dialect.forgetApplied(tx);
                    return true;
                }
            });
        }

        /** Carries out {@code step} ({@link Shipping#next}): what it lacks of the batch, and its new low mark. */
        int apply(Shipping.Step step) {
            List<Changes.Transaction> todo = step.apply();
            Instant now = clock.instant();
            try {
                if (step.writes()) {
                    Changes.apply(link, dialect, todo, step.low(), Timestamp.from(now), epoch.number(), ridBase, generation,
                            !readersIsolated);
                } else if (!link.connection().isValid(2)) {
                    // Nothing to write, yet the watermark's time says "the replica was there then":
                    // a replica that died while idle must not look fresh to readers.
                    throw new SQLException("the replica does not answer");
                }
            } catch (SQLException e) {
                down(e);
                return 0;
            }
            low = step.low();
            // A transaction may start below the low mark and end above it: its rows above come
            // back in later reads, and its id must still be known as applied then.
            appliedAbove.clear();
            appliedAbove.addAll(step.appliedAbove());
            Duration lag = todo.stream().map(tx -> Duration.between(tx.firstAt().toInstant(), now))
                    .max(Duration::compareTo).orElse(Duration.ZERO);
            Watermark w = new Watermark(low, now, lag.isNegative() ? Duration.ZERO : lag);
            watermarks.put(name, w);
            try {
                listener.watermark(name, w);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "watermark listener failed", e);
            }
            return todo.size();
        }

        void down(SQLException e) {
            link.reset();
            reachable = false;
            if (!warned) {
                warned = true;
                LOG.warning("replica=" + name + " cannot be updated (" + describe(e)
                        + "); its changes wait on the master until it answers");
            } else {
                LOG.log(Level.FINE, "replica=" + name + " still unreachable", e);
            }
        }
    }
}
