package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.qoscluster.replication.internal.Changes;
import org.qoscluster.replication.internal.IdleProof;
import org.qoscluster.replication.internal.Link;
import org.qoscluster.replication.internal.Shipping;

/**
 * One replica as the agent sees it: its connection, whether it answers, its stored state (its
 * watermark and the transactions applied above it, {@code QOS_WATERMARK} and {@code QOS_APPLIED}) and why it
 * needs a copy before changes can ship to it. It owns reading that watermark when the replica
 * (re)connects, with the epoch checks that decide whether it needs a copy ({@link Copier} makes
 * it), and the apply of one round's batch ({@link Changes#apply}: watermarks, applied ids, the
 * epoch and generation fences, table locks in one transaction), then its new watermark.
 */
final class Replica {

    private static final Logger LOG = Logger.getLogger(ReplicationAgent.class.getName());

    final String name;
    final Link link;
    /** Its own connection for {@link #readyIfDue}, which runs beside the rounds. */
    final Link readyLink;
    private final Master master;
    private final Copier copier;
    /** Told each new watermark of this replica. */
    private final BiConsumer<String, ReplicationAgent.Watermark> published;
    /** Told the replica's name when it is ready for a promotion, once after each (re)connection or copy. */
    private final java.util.function.Consumer<String> readied;
    /** Whether {@link #readied} was told since the replica last (re)connected or was copied. */
    private volatile boolean readiedSaid;
    volatile boolean reachable;
    boolean warned;
    /** The watermark has been read from the replica (or set by its copy) since the agent started. */
    volatile boolean known;
    /** Its watermark; written by its apply, read by the round (which skips it while it applies). */
    volatile long low;
    final Set<String> appliedAbove = new HashSet<>();
    /** Why it needs a copy before changes can ship to it (see {@link #connect}); null when it does not. */
    String needsCopy;
    /** The epoch it recorded when it was found to need a copy (0: none). */
    long wasEpoch;
    boolean awaitSaid;

    Replica(String name, Link link, Link readyLink, Master master, Copier copier,
            BiConsumer<String, ReplicationAgent.Watermark> published, java.util.function.Consumer<String> readied) {
        this.name = name;
        this.link = link;
        this.readyLink = readyLink;
        this.master = master;
        this.copier = copier;
        this.published = published;
        this.readied = readied;
    }

    /**
     * Opens the connection if needed and reads the replica's watermark; a replica that needs a
     * copy first (new, from another epoch, or without a table) is left unreachable with
     * {@link #needsCopy} set, for {@link Copier#copy} once every replica has been connected.
     * {@code generation}: the agent's fencing token ({@link ReplicationAgent#fencedAs}).
     */
    void connect(long generation) {
        if (reachable) {
            return;
        }
        needsCopy = null;
        Dialect dialect = master.dialect;
        ReplicationAgent.Epoch epoch = master.epoch;
        List<TableSpec> tables = master.tables();
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
                    && copier.carriedOver(c, generation)) {
                LOG.log(Level.INFO, "replica={0} had exactly what {1} had when it was promoted: it follows epoch {2} from change {3},"
                        + " no copy needed", new Object[] {name, epoch.master(), String.valueOf(epoch.number()),
                            String.valueOf(epoch.firstSequence())});
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
            readWatermark(c);
            readyDue();
        } catch (SQLException e) {
            down(e);
        }
    }

    /** Has the replica readied for a promotion at the next {@link #readyIfDue}: it (re)connected, or has its copy. */
    void readyDue() {
        lastReady = null;
        readyAsOf = null;
        readiedSaid = false;
    }

    /**
     * Readies the replica for a promotion ({@link Dialect#readyToPromote}), off the failover path
     * and beside the rounds, on its own connection (the database's locks order it with the
     * applies: capture is made one table at a time, an identity restarted under the epoch row):
     * once it is reachable after it (re)connected or was copied, then every {@link #READY_EVERY}.
     * With {@code now}, whenever it is reachable. A failure is logged and left to the promotion,
     * which does whatever is missing itself.
     */
    void readyIfDue(boolean now) {
        Instant at = master.clock.instant();
        Instant last = lastReady;
        if (!reachable || !known || !(now || last == null || Duration.between(last, at).compareTo(READY_EVERY) >= 0)) {
            return;
        }
        lastReady = at;
        List<TableSpec> tables = master.tables();
        ReadyAsOf asOf = readyAsOf;
        boolean full = asOf == null || !asOf.tables().equals(tables) || Duration.between(asOf.at(), at).compareTo(FULL_READY_EVERY) >= 0;
        readyAsOf = null; // until this one ends having found everything ready
        try {
            long t0 = System.nanoTime();
            Connection c = readyLink.connection();
            List<String> changed = master.dialect.readyToPromote(c, tables, master.epoch.number(), full);
            if (changed.isEmpty()) {
                readyAsOf = full ? new ReadyAsOf(tables, at) : asOf;
            }
            List<String> done = new java.util.ArrayList<>(changed);
            List<String> statements = statementsToCompile.stream().filter(s -> !uncompilable.contains(s)).toList();
            Dialect.Precompiled compiled = master.dialect.precompile(c, statements);
            uncompilable.addAll(compiled.refused());
            if (compiled.compiled() > 0) {
                done.add("write statements compiled " + compiled.compiled());
            }
            if (!done.isEmpty()) {
                LOG.log(Level.INFO, "replica={0} readied for a promotion in {1} ms: {2}",
                        new Object[] {name, String.valueOf((System.nanoTime() - t0) / 1_000_000), String.join(", ", done)});
            }
            if (!readiedSaid && known && reachable) {
                readiedSaid = true;
                readied.accept(name);
            }
        } catch (SQLException e) {
            readyLink.reset();
            LOG.log(Level.WARNING, "replica={0} could not be readied for a promotion ({1}); a promotion would do it then",
                    new Object[] {name, ReplicationAgent.describe(e)});
        } catch (ReplicationException e) {
            LOG.log(Level.WARNING, "replica={0} could not be readied for a promotion ({1}); a promotion would do it then",
                    new Object[] {name, e.getMessage()});
        }
    }

    /** The master's write statements to compile here ({@link Master#writeStatements}), set by the round. */
    volatile List<String> statementsToCompile = List.of();
    private final Set<String> uncompilable = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** How often a replica that applies is readied for a promotion again (its identities, its triggers). */
    static final Duration READY_EVERY = Duration.ofSeconds(3);
    /**
     * How often the readying is a full one ({@link Dialect#readyToPromote}) while the ones between
     * find everything ready: a full readying asks a Derby copy some forty statements, its
     * catalogue's among them, which every 3 s was most of an idle replica's work.
     */
    static final Duration FULL_READY_EVERY = Duration.ofMinutes(1);
    private volatile Instant lastReady;
    /** The last full readying that found everything ready, while every one since did too; null: the next is full. */
    private volatile ReadyAsOf readyAsOf;

    private record ReadyAsOf(List<TableSpec> tables, Instant at) {
    }

    /**
     * How often a round with nothing to write to the replica asks it whether it answers; its
     * watermark's time stays the last answer's meanwhile, well within what readers accept.
     */
    static final Duration IDLE_CHECK_EVERY = Duration.ofSeconds(1);
    /** The replica's last answer: set by its apply, forgotten when it goes down or (re)connects. */
    private final IdleProof proof = new IdleProof(IDLE_CHECK_EVERY);

    void readWatermark(Connection c) throws SQLException {
        long persisted = master.dialect.watermark(c).orElse(0);
        appliedAbove.clear();
        appliedAbove.addAll(master.dialect.appliedFrom(c, persisted));
        proof.forget();
        low = persisted;
        known = true;
        reachable = true;
        if (warned) {
            LOG.log(Level.INFO, "replica={0} reachable again at watermark {1}; catching up", new Object[] {name, String.valueOf(low)});
            warned = false;
        }
    }

    /**
     * Carries out {@code step} ({@link Shipping#next}): what it lacks of the batch, and its new low
     * mark; {@code generation} and {@code readersIsolated} as set on the agent. Returns the number
     * of transactions applied.
     */
    int apply(Shipping.Step step, long generation, boolean readersIsolated) {
        List<Changes.Transaction> todo = step.apply();
        Instant now = master.clock.instant();
        Instant seen;
        try {
            if (step.writes()) {
                Changes.apply(link, master.dialect, todo, step.low(), Timestamp.from(now), master.epoch.number(),
                        master.ridBase, generation, !readersIsolated);
                seen = proof.proven(now);
            } else {
                // Nothing to write, yet the watermark's time says "the replica was there then":
                // a replica that died while idle must not look fresh to readers, so its time is
                // that of its last answer, asked again once that is IDLE_CHECK_EVERY old.
                Optional<Instant> held = proof.holding(now);
                if (held.isPresent()) {
                    seen = held.get();
                } else if (link.connection().isValid(2)) {
                    seen = proof.proven(now);
                } else {
                    throw new SQLException("the replica does not answer");
                }
            }
        } catch (SQLException e) {
            if (Dialect.uniqueViolation(e) && droppedUniqueKeys(e)) {
                return 0; // the next round applies the batch again
            }
            down(e);
            return 0;
        }
        low = step.low();
        // A transaction may start below the watermark and end above it: its rows above come
        // back in later reads, and its id must still be known as applied then.
        appliedAbove.clear();
        appliedAbove.addAll(step.appliedAbove());
        Duration lag = todo.stream().map(tx -> Duration.between(tx.firstAt().toInstant(), now))
                .max(Duration::compareTo).orElse(Duration.ZERO);
        published.accept(name, new ReplicationAgent.Watermark(low, seen, lag.isNegative() ? Duration.ZERO : lag));
        return todo.size();
    }

    /**
     * After an apply met one of the unique constraints a readying added: drops them
     * ({@link Dialect#dropUniqueKeys}), so that the next round applies the batch; the master
     * checked its rows, and the replica reaches a state that satisfies them again once it holds
     * one the master held. Whether any were dropped (none: the violation is not one of theirs).
     */
    private boolean droppedUniqueKeys(SQLException e) {
        try {
            List<String> dropped = master.dialect.dropUniqueKeys(link.connection(), master.tables());
            if (dropped.isEmpty()) {
                return false;
            }
            LOG.log(Level.WARNING, "replica={0} an apply met a unique constraint ({1}): the replica holds rows in a state the master"
                    + " did not (its copy is still replaying, or two transactions came in the other order); dropped {2} until a"
                    + " readying finds the rows satisfy them again", new Object[] {name, ReplicationAgent.describe(e), dropped});
            return true;
        } catch (SQLException dropFailed) {
            e.addSuppressed(dropFailed);
            return false;
        }
    }

    void down(SQLException e) {
        link.reset();
        proof.forget();
        reachable = false;
        if (!warned) {
            warned = true;
            LOG.log(Level.WARNING, "replica={0} cannot be updated ({1}); its changes wait on the master until it answers",
                    new Object[] {name, ReplicationAgent.describe(e)});
        } else {
            LOG.log(Level.FINE, "replica={0} still unreachable: {1}", new Object[] {name, ReplicationAgent.describe(e)});
        }
    }
}
