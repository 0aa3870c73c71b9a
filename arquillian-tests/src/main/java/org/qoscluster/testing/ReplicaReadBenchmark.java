package org.qoscluster.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.replication.ReplicationAgent;

/**
 * What it costs that no reader of a replica sees part of a transaction (R6), run by
 * {@code bench/replica-reads.sh}: a Derby master and one replica, the agent shipping every 20 ms,
 * a writer committing {@value #RATE} transactions a second on the master (each either deletes the
 * oldest batch of {@value #BATCH} rows and inserts a new one, or updates every row of a batch), and
 * {@value #READERS} readers on the replica counting each batch's rows and values as fast as they
 * can. A batch seen with another count than {@value #BATCH}, or with two values, is a transaction
 * seen in part. Three ways, taking turns, {@code SECONDS} each, twice (the second time in reverse
 * order):
 * <ul>
 * <li>{@code rc-unlocked}: readers at READ COMMITTED, the apply without table locks (the
 * reference: what it was);</li>
 * <li>{@code rc-locked}: readers at READ COMMITTED, the apply locking its batch's tables (the
 * product's way);</li>
 * <li>{@code serializable}: readers at SERIALIZABLE, the apply without table locks.</li>
 * </ul>
 * Prints, per run, the readers' queries per second, the transactions seen in part, and the
 * replication lag the watermarks report (p50, p99, max); then each way's means and its ratios to
 * the reference. Arguments: {@code SECONDS STATE_DIR}.
 */
public final class ReplicaReadBenchmark {

    private static final String TABLE = "BENCH_TX";
    static final int BATCH = 100;
    static final int RATE = 40;
    static final int READERS = 2;
    /** Batches kept: the oldest goes as a new one comes. */
    private static final int LIVE = 20;

    private record Way(String name, boolean locked, int isolation) {
    }

    private record Figures(double queriesPerSecond, long partial, long lagP50, long lagP99, long lagMax, long writes) {
    }

    private ReplicaReadBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(ReplicaReadBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path state = Path.of(args.length > 1 ? args[1] : "var/bench-replica-reads");
        ClusterConfig config = TestRuntime.freePortConfig(1, 1);
        List<Way> ways = List.of(new Way("rc-unlocked", false, Connection.TRANSACTION_READ_COMMITTED),
                new Way("rc-locked", true, Connection.TRANSACTION_READ_COMMITTED),
                new Way("serializable", false, Connection.TRANSACTION_SERIALIZABLE));
        try (Cluster databases = Cluster.startDatabases(config, TestRuntime.layout(), state, Duration.ofMinutes(2))) {
            dbPassword = databases.dbPassword();
            String masterUrl = databases.jdbcUrl("master");
            String replicaUrl = databases.jdbcUrl("replica-1");
            try (Connection c = open(masterUrl); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + TABLE + " (ID INT NOT NULL PRIMARY KEY, BATCH INT NOT NULL, V INT NOT NULL)");
            }
            Map<String, List<Figures>> results = new java.util.LinkedHashMap<>();
            int[] nextBatch = {0};
            for (int round = 0; round < 2; round++) {
                List<Way> order = new ArrayList<>(ways);
                if (round == 1) {
                    Collections.reverse(order);
                }
                for (Way way : order) {
                    Figures f = measure(way, masterUrl, replicaUrl, seconds, nextBatch);
                    results.computeIfAbsent(way.name(), k -> new ArrayList<>()).add(f);
                    System.out.printf(Locale.ROOT, "round %d %-13s reader queries/s %8.1f  seen in part %5d  lag p50 %4d ms"
                                    + "  p99 %5d ms  max %5d ms  writes %d%n", round + 1, way.name(), f.queriesPerSecond(),
                            f.partial(), f.lagP50(), f.lagP99(), f.lagMax(), f.writes());
                }
            }
            Figures reference = mean(results.get("rc-unlocked"));
            for (Way way : ways) {
                Figures m = mean(results.get(way.name()));
                System.out.printf(Locale.ROOT, "mean %-13s reader queries/s %8.1f (x%.2f of rc-unlocked)  seen in part %d"
                                + "  lag p50 %d ms p99 %d ms (x%.2f)%n", way.name(), m.queriesPerSecond(),
                        m.queriesPerSecond() / reference.queriesPerSecond(), m.partial(), m.lagP50(), m.lagP99(),
                        (double) Math.max(1, m.lagP99()) / Math.max(1, reference.lagP99()));
            }
        }
    }

    private static Figures measure(Way way, String masterUrl, String replicaUrl, int seconds, int[] nextBatch)
            throws Exception {
        List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong queries = new AtomicLong();
        AtomicLong partial = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(masterUrl), Map.of("replica-1", () -> open(replicaUrl)),
                List.of(TABLE), 5_000, (replica, w) -> {
                    if (w.lag().toMillis() > 0) {
                        lags.add(w.lag().toMillis());
                    }
                }).readersIsolated(!way.locked())) {
            agent.start(Duration.ofMillis(20));
            List<Future<?>> work = new ArrayList<>();
            work.add(pool.submit(() -> write(masterUrl, running, writes, nextBatch)));
            for (int i = 0; i < READERS; i++) {
                work.add(pool.submit(() -> read(replicaUrl, way.isolation(), running, queries, partial)));
            }
            Thread.sleep(seconds * 1_000L);
            running.set(false);
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> sorted = new ArrayList<>(lags);
        Collections.sort(sorted);
        return new Figures(queries.get() / (double) seconds, partial.get(), percentile(sorted, 50), percentile(sorted, 99),
                sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), writes.get());
    }

    private static Void write(String url, AtomicBoolean running, AtomicLong writes, int[] nextBatch) throws SQLException,
            InterruptedException {
        Random random = new Random(nextBatch[0]);
        try (Connection c = open(url);
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE + " (ID, BATCH, V) VALUES (?, ?, 0)");
             PreparedStatement delete = c.prepareStatement("DELETE FROM " + TABLE + " WHERE BATCH = ?");
             PreparedStatement update = c.prepareStatement("UPDATE " + TABLE + " SET V = V + 1 WHERE BATCH = ?")) {
            c.setAutoCommit(false);
            long period = 1_000_000_000L / RATE;
            long next = System.nanoTime();
            while (running.get()) {
                int b = nextBatch[0];
                if (random.nextBoolean() || b < LIVE) {
                    delete.setInt(1, b - LIVE);
                    delete.executeUpdate();
                    for (int i = 0; i < BATCH; i++) {
                        insert.setInt(1, b * BATCH + i);
                        insert.setInt(2, b);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                    nextBatch[0] = b + 1;
                } else {
                    update.setInt(1, b - 1 - random.nextInt(LIVE));
                    update.executeUpdate();
                }
                c.commit();
                writes.incrementAndGet();
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
        return null;
    }

    private static Void read(String url, int isolation, AtomicBoolean running, AtomicLong queries, AtomicLong partial)
            throws SQLException {
        try (Connection c = open(url); Statement s = c.createStatement()) {
            c.setTransactionIsolation(isolation);
            while (running.get()) {
                try (ResultSet r = s.executeQuery("SELECT BATCH, COUNT(*), MIN(V), MAX(V) FROM " + TABLE + " GROUP BY BATCH")) {
                    while (r.next()) {
                        if (r.getInt(2) != BATCH || r.getInt(3) != r.getInt(4)) {
                            partial.incrementAndGet();
                        }
                    }
                } catch (SQLException e) {
                    if (!"42X05".equals(e.getSQLState()) && !"42Y07".equals(e.getSQLState())) {
                        throw e; // 42X05, 42Y07: the replica's table, or its schema, is not there yet
                    }
                }
                queries.incrementAndGet();
            }
        }
        return null;
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    private static Figures mean(List<Figures> runs) {
        return new Figures(runs.stream().mapToDouble(Figures::queriesPerSecond).average().orElse(0),
                runs.stream().mapToLong(Figures::partial).sum(),
                (long) runs.stream().mapToLong(Figures::lagP50).average().orElse(0),
                (long) runs.stream().mapToLong(Figures::lagP99).average().orElse(0),
                runs.stream().mapToLong(Figures::lagMax).max().orElse(0),
                runs.stream().mapToLong(Figures::writes).sum());
    }

    /** The started cluster's generated database password. */
    private static volatile String dbPassword;

    private static Connection open(String url) throws SQLException {
        return DriverManager.getConnection(url, ClusterConfig.DB_USER, dbPassword);
    }
}
