package org.qoscluster.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.ReplicationAgent.ConnectionFactory;
import org.qoscluster.replication.internal.Settling;

/**
 * Warms up database servers that have just started, and the JVM that calls it, by replicating a
 * scratch table between them as the agent replicates an application's: on two shared cores a
 * Derby server compiles its store, lock manager, statement execution and network paths for
 * 20-30 s after it starts, and the lag of the first seconds' changes reached 0.3-0.6 s at p99
 * (against 40 ms once compiled). Run in scratch databases of the same servers (never the
 * application's), it ends once the work it does has settled.
 *
 * <p>It creates three tables ({@link #SHAPES}) in the master's scratch database (which must not
 * have them yet: give it a new database), lets a {@link ReplicationAgent} install capture there
 * and copy them to each replica's scratch database, then commits {@value #RATE} transactions a
 * second on the master, to each table in turn (each inserts a row and updates one; some delete an
 * old row), while one reader per replica reads the tables' highest keys every 2 ms, as a reader
 * of a replica does.
 * It ends when, in each of the last {@value #QUIET_SECONDS} whole seconds (after at least
 * {@value #MIN_SECONDS}), every replica's lag stayed within {@link #LAG_BOUND} and every commit on
 * the master within {@link #COMMIT_BOUND}; or at {@code atMost}. What it leaves behind is in the
 * scratch databases only; the caller drops them. Meanwhile the replication classes' loggers
 * ({@code org.qoscluster.replication}) log warnings only: the scratch agent's progress is noise.
 */
public final class ReplicationWarmUp {

    /** The scratch database's name a caller gives each server (a name no application uses). */
    public static final String DATABASE = "qos_warm_up";
    /**
     * The scratch tables, of different column types, written in turn: the JIT then compiles the
     * engine's calls into each statement's generated code, and into each column type's values, as
     * calls among several kinds rather than inlined for the one it saw, and the application's
     * statements that come next run on that code instead of undoing it (with one table, the first
     * seconds after the warm-up were as slow as without it).
     */
    static final List<Shape> SHAPES = List.of(
            new Shape("QOS_WARM_UP_A", "PAYLOAD VARCHAR(100), CODE CHAR(8)", "'warm-up', 'a'"),
            new Shape("QOS_WARM_UP_B", "AMOUNT DECIMAL(12, 2), TAKEN_AT TIMESTAMP", "12.50, CURRENT_TIMESTAMP"),
            new Shape("QOS_WARM_UP_C", "NAME VARCHAR(60), SCORE DOUBLE, FLAG SMALLINT", "'warm-up', 0.5, 1"));

    record Shape(String name, String columns, String values) {
    }
    static final int RATE = 500;
    static final int MIN_SECONDS = 3;
    static final int QUIET_SECONDS = 2;
    static final Duration LAG_BOUND = Duration.ofMillis(100);
    static final Duration COMMIT_BOUND = Duration.ofMillis(50);
    private static final String MASTER = "master commit";
    private static final Logger LOG = Logger.getLogger(ReplicationWarmUp.class.getName());

    /**
     * What a warm-up did.
     *
     * @param took         from the first statement to the end
     * @param transactions how many it committed on the master
     * @param settled      whether it ended settled (else at its time limit)
     * @param worstMillis  per replica ({@code NAME lag}) and for the master ({@value #MASTER}), the
     *                     worst of each whole second, -1 where nothing was measured
     */
    public record Report(Duration took, long transactions, boolean settled, Map<String, List<Long>> worstMillis) {

        /** One line for a log: how long, how much, and the last seconds' worst figures. */
        public String describe() {
            StringBuilder b = new StringBuilder();
            b.append(settled ? "settled" : "not settled").append(" after ").append(took.toMillis()).append(" ms, ")
                    .append(transactions).append(" transactions");
            worstMillis.forEach((k, v) -> b.append("; ").append(k).append(" worst of the last seconds (ms) ")
                    .append(v.subList(Math.max(0, v.size() - 4), v.size())));
            return b.toString();
        }
    }

    private ReplicationWarmUp() {
    }

    /**
     * Runs a warm-up (see the class) over the scratch databases {@code master} and
     * {@code replicas} (possibly none: the master alone is warmed), with the agent shipping
     * every {@code interval}, for at most {@code atMost}.
     *
     * @throws SQLException when the scratch table cannot be made, or already exists
     */
    public static Report run(ConnectionFactory master, Map<String, ConnectionFactory> replicas, Duration interval,
                             Duration atMost) throws SQLException, InterruptedException {
        // The scratch agent's progress (copies, slow rounds of a cold start, readyings) is not the
        // operator's business; its warnings are. Held here: a logger only weakly referenced
        // could be collected and lose its level.
        Logger replicationLog = Logger.getLogger("org.qoscluster.replication");
        Level level = replicationLog.getLevel();
        replicationLog.setLevel(Level.WARNING);
        try {
            return warmUp(master, replicas, interval, atMost);
        } finally {
            replicationLog.setLevel(level);
        }
    }

    private static Report warmUp(ConnectionFactory master, Map<String, ConnectionFactory> replicas, Duration interval,
                                 Duration atMost) throws SQLException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + atMost.toNanos();
        try (Connection c = master.open(); Statement s = c.createStatement()) {
            for (Shape t : SHAPES) {
                if (c.getMetaData().getTables(null, null, t.name(), null).next()) {
                    throw new SQLException("the warm-up's scratch database already holds " + t.name() + ": give it a new database");
                }
            }
            for (Shape t : SHAPES) {
                s.execute("CREATE TABLE " + t.name() + " (ID BIGINT NOT NULL PRIMARY KEY, " + t.columns() + ", N INTEGER)");
                // Capture is installed on a table with rows; the agent fires its new triggers on one.
                s.execute("INSERT INTO " + t.name() + " VALUES (0, " + t.values() + ", 0)");
            }
        }
        Map<String, Long> bounds = new LinkedHashMap<>();
        replicas.keySet().forEach(r -> bounds.put(r + " lag", LAG_BOUND.toNanos()));
        bounds.put(MASTER, COMMIT_BOUND.toNanos());
        Settling settling = new Settling(bounds, MIN_SECONDS, QUIET_SECONDS);
        ReplicationAgent agent = ReplicationAgent.derby(master, replicas, SHAPES.stream().map(Shape::name).toList());
        agent.install();
        agent.start(interval);
        AtomicBoolean polling = new AtomicBoolean(true);
        List<Thread> pollers = new ArrayList<>();
        Map<Long, Long> committedAt = new ConcurrentHashMap<>();
        long written = 0;
        try {
            while (replicas.keySet().stream().anyMatch(r -> agent.watermark(r).isEmpty())) {
                if (System.nanoTime() > deadline) {
                    return report(start, System.nanoTime(), 0, false, settling);
                }
                Thread.sleep(20); // each replica's copy of the scratch table
            }
            long from = System.nanoTime();
            for (Map.Entry<String, ConnectionFactory> r : replicas.entrySet()) {
                Thread t = new Thread(() -> poll(r.getValue(), r.getKey() + " lag", committedAt, polling, settling, from),
                        "qos-warm-up-reader-" + r.getKey());
                t.setDaemon(true);
                t.start();
                pollers.add(t);
            }
            try (Connection c = master.open()) {
                List<PreparedStatement[]> statements = new ArrayList<>();
                for (Shape t : SHAPES) {
                    statements.add(new PreparedStatement[] {
                        c.prepareStatement("INSERT INTO " + t.name() + " VALUES (?, " + t.values() + ", 0)"),
                        c.prepareStatement("UPDATE " + t.name() + " SET N = N + 1 WHERE ID = ?"),
                        c.prepareStatement("DELETE FROM " + t.name() + " WHERE ID = ?")});
                }
                c.setAutoCommit(false);
                for (long id = 1; ; id++) {
                    // Row id goes to table id % 3; the row updated is the table's one before it,
                    // the row deleted one 100 transactions back in the same table.
                    PreparedStatement[] t = statements.get((int) (id % SHAPES.size()));
                    PreparedStatement insert = t[0];
                    PreparedStatement update = t[1];
                    PreparedStatement delete = t[2];
                    long due = from + (id - 1) * 1_000_000_000L / RATE;
                    long now = System.nanoTime();
                    if (now > deadline || settling.settled(now - from)) {
                        break;
                    }
                    if (due > now) {
                        LockSupport.parkNanos(due - now);
                    }
                    long before = System.nanoTime();
                    insert.setLong(1, id);
                    insert.executeUpdate();
                    update.setLong(1, id - SHAPES.size());
                    update.executeUpdate();
                    if (id % 10 < SHAPES.size() && id > 100L * SHAPES.size()) {
                        delete.setLong(1, id - 100L * SHAPES.size());
                        delete.executeUpdate();
                    }
                    c.commit();
                    long after = System.nanoTime();
                    committedAt.put(id, after);
                    settling.measured(MASTER, after - from, after - before);
                    written = id;
                }
            }
            return report(start, from, written, settling.settled(System.nanoTime() - from), settling);
        } finally {
            polling.set(false);
            for (Thread t : pollers) {
                t.join(Duration.ofSeconds(10).toMillis());
            }
            agent.close();
        }
    }

    /** @param from when the measured seconds began (the replicas had their copies) */
    private static Report report(long start, long from, long written, boolean settled, Settling settling) {
        long now = System.nanoTime();
        return new Report(Duration.ofNanos(now - start), written, settled, settling.worstMillis(now - from));
    }

    /**
     * One replica's reader: the table's highest key every 2 ms; each read measures the lag of the
     * oldest transaction committed on the master it had not seen before (seen now or not yet).
     */
    private static void poll(ConnectionFactory replica, String source, Map<Long, Long> committedAt, AtomicBoolean polling,
                             Settling settling, long from) {
        long seen = 0;
        while (polling.get()) {
            try (Connection c = replica.open()) {
                List<PreparedStatement> maxima = new ArrayList<>();
                for (Shape t : SHAPES) {
                    maxima.add(c.prepareStatement("SELECT MAX(ID) FROM " + t.name()));
                }
                while (polling.get()) {
                    // Applied in commit order, a transaction at once: the highest key of all the
                    // tables is the latest transaction seen.
                    long top = 0;
                    for (PreparedStatement max : maxima) {
                        try (ResultSet r = max.executeQuery()) {
                            r.next();
                            top = Math.max(top, r.getLong(1));
                        }
                    }
                    long now = System.nanoTime();
                    Long oldest = committedAt.get(seen + 1);
                    settling.measured(source, now - from, oldest == null ? 0 : now - oldest);
                    seen = Math.max(seen, top);
                    Thread.sleep(2);
                }
            } catch (SQLException e) {
                // The reader measures nothing meanwhile, so the warm-up does not settle on it.
                LOG.log(Level.FINE, "warm-up reader of {0}: {1}", new Object[] {source, e.getMessage()});
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
