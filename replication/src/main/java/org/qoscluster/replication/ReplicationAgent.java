package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.internal.Changes;
import org.qoscluster.replication.internal.DerbyDialect;

/**
 * The replication agent (R1, R3, R4, R6): installs change capture on the master, and in rounds
 * ships the master's committed transactions to every replica. A round reads the master's
 * horizon (see {@link Dialect#horizon}), then its change tables; each replica gets, in one
 * transaction, the consolidated changes of the transactions it has not applied yet together
 * with their ids in its {@code QOS_APPLIED} table; change rows are deleted from the master only
 * once every replica has them. A replica that is down is skipped (its changes wait on the
 * master) and caught up when it answers again.
 *
 * <p>Watermark: after a round, a replica has applied every transaction whose first change is
 * below the previous round's horizon if none of the transactions open then is still open (they
 * have all committed or rolled back and been shipped): {@link #watermark}.
 */
public final class ReplicationAgent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicationAgent.class.getName());

    /** Opens a JDBC connection to one database copy. */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /** How far a replica is: every change below {@code sequence} is applied; measured at {@code time}. */
    public record Watermark(long sequence, java.time.Instant time) {
    }

    private final ConnectionFactory master;
    private final Map<String, ConnectionFactory> replicas;
    private final List<String> tableNames;
    private final Dialect dialect;
    private final Clock clock;
    private final int batchRows;
    private final Map<String, Watermark> watermarks = new ConcurrentHashMap<>();
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();
    private final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    private List<TableSpec> tables;
    private Dialect.Horizon previous;
    private ScheduledExecutorService loop;

    public ReplicationAgent(ConnectionFactory master, Map<String, ConnectionFactory> replicas, List<String> tables,
                            Dialect dialect, Clock clock, int batchRows) {
        this.master = master;
        this.replicas = new LinkedHashMap<>(replicas);
        this.tableNames = List.copyOf(tables);
        this.dialect = dialect;
        this.clock = clock;
        this.batchRows = batchRows;
    }

    /** An agent for Derby copies. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables) {
        return derby(master, replicas, tables, 5_000);
    }

    /** An agent for Derby copies reading at most {@code batchRows} change rows per table and round. */
    public static ReplicationAgent derby(ConnectionFactory master, Map<String, ConnectionFactory> replicas,
                                         List<String> tables, int batchRows) {
        return new ReplicationAgent(master, replicas, tables, new DerbyDialect(), Clock.systemUTC(), batchRows);
    }

    /** Validates the tables and installs capture on the master; fails naming every bad table. */
    public synchronized void install() {
        try (Connection c = master.open()) {
            tables = dialect.describe(c, tableNames);
            dialect.installCapture(c, tables);
        } catch (SQLException e) {
            throw new ReplicationException("cannot install change capture on the master: " + e.getMessage(), e);
        }
    }

    /**
     * One round. Returns the number of transactions every replica now has that the master could
     * forget (their change rows are deleted).
     */
    public synchronized int shipOnce() throws SQLException {
        if (tables == null) {
            install();
        }
        List<Changes.Transaction> pending;
        Dialect.Horizon horizon;
        try (Connection m = master.open()) {
            horizon = dialect.horizon(m, tables);
            pending = Changes.pending(m, dialect, tables, horizon, batchRows);
        }
        Set<String> everywhere = new HashSet<>();
        pending.forEach(tx -> everywhere.add(tx.id()));
        for (Map.Entry<String, ConnectionFactory> replica : replicas.entrySet()) {
            String name = replica.getKey();
            try (Connection r = replica.getValue().open()) {
                if (prepared.add(name) && dialect.prepareReplica(r, tables)) {
                    try (Connection m = master.open()) {
                        long rows = Changes.copy(m, r, dialect, tables, Timestamp.from(clock.instant()));
                        LOG.info("replica=" + name + " new: initial copy of " + rows + " rows made; changes follow");
                    }
                }
                Set<String> done = Changes.applied(r, pending);
                List<Changes.Transaction> todo = pending.stream().filter(tx -> !done.contains(tx.id())).toList();
                if (!todo.isEmpty()) {
                    Changes.apply(r, dialect, todo, Timestamp.from(clock.instant()));
                }
                advance(name, horizon);
                if (unreachable.remove(name)) {
                    LOG.info("replica=" + name + " reachable again, caught up");
                }
            } catch (SQLException e) {
                prepared.remove(name);
                everywhere.clear();
                if (unreachable.add(name)) {
                    LOG.warning("replica=" + name + " cannot be updated (" + e.getMessage()
                            + "); its changes wait on the master until it answers");
                } else {
                    LOG.log(Level.FINE, "replica=" + name + " still unreachable", e);
                }
            }
        }
        previous = horizon;
        if (everywhere.isEmpty()) {
            return 0;
        }
        List<Changes.Transaction> done = new ArrayList<>(pending.stream().filter(tx -> everywhere.contains(tx.id())).toList());
        try (Connection m = master.open()) {
            Changes.delete(m, dialect, tables, done);
        }
        return done.size();
    }

    private void advance(String replica, Dialect.Horizon now) {
        if (previous == null) {
            return;
        }
        Set<String> stillOpen = new HashSet<>(previous.openTransactions());
        stillOpen.retainAll(now.openTransactions());
        if (stillOpen.isEmpty()) {
            watermarks.merge(replica, new Watermark(previous.nextSequence(), clock.instant()),
                    (a, b) -> b.sequence() >= a.sequence() ? b : a);
        }
    }

    /** What {@code replica} has applied, if known yet. */
    public Optional<Watermark> watermark(String replica) {
        return Optional.ofNullable(watermarks.get(replica));
    }

    /** Ships every {@code interval} on a thread of its own until {@link #close()}. */
    public synchronized void start(Duration interval) {
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qos-replication-agent");
            t.setDaemon(true);
            return t;
        });
        String[] lastFailure = {null};
        loop.scheduleWithFixedDelay(() -> {
            try {
                shipOnce();
                lastFailure[0] = null;
            } catch (SQLException | RuntimeException e) {
                // Logged when it starts or changes, not every round.
                if (!String.valueOf(e).equals(lastFailure[0])) {
                    LOG.warning("replication round failed: " + e);
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
        }
        if (l != null) {
            l.shutdown();
            try {
                l.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
