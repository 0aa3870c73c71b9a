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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.internal.RouterWarmUp;

/**
 * Replication lag right after a start, as a user of {@code bin/qoscluster up} meets it (run by
 * {@code bench/start-lag.sh}). Each cluster is the one {@code up} starts (two nodes, the router, a
 * master and two replicas, the store), started as {@code up} starts it ({@link Cluster#start}, then
 * the router's warm-up, {@link Cluster#warmUpRouter}) on free ports, with the launcher's defaults
 * and JVM options. Right after that:
 * <ol>
 * <li><b>right after start</b>: a writer commits RATE new {@code CUSTOMER} rows a second straight
 * to the master's Derby server (the capture triggers fire as for the store's own writes), for
 * 2 s left out and then SECONDS; a reader per replica reads the replica's highest customer id
 * every 2 ms. A row's lag is from its commit to the first read that shows it.</li>
 * <li><b>warm</b>, the reference: the same again at once, on the same cluster.</li>
 * <li>With {@code -Dbench.later-seconds=N}: the same again after N s more with no load.</li>
 * <li>With {@code -Dbench.idle-first-seconds=N}, the first measure comes N s after the start, the
 * cluster idle until then (what a start that waited for its processes to settle would give).</li>
 * </ol>
 * The benchmark's own JVM (the writer's and readers' code) is warmed first, against a Derby server
 * of its own started and stopped before any cluster (the same inserts and reads on a table of its
 * own): what is measured is the cluster's start, not this JVM's.
 * <p>
 * Each round starts one cluster as configured (the warm-up of the database servers off, as
 * shipped) and, when WARM_UP is above 0, one with {@code qos.replication.warm-up-seconds=WARM_UP},
 * in alternating order; each prints how long its start took.
 * <p>
 * Arguments: {@code SECONDS RATE WARM_UP ROUNDS STATE_DIR}.
 */
public final class StartLagBenchmark {

    /** Left out of the percentiles at the start of each measure. */
    private static final int LEFT_OUT_SECONDS = 2;
    private static final long POLL_NANOS = Duration.ofMillis(2).toNanos();

    private StartLagBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(StartLagBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int warmUp = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Path state = Path.of(args[4]);
        warmThisJvm(state.resolve("probe-warm-up"), seconds, rate);
        System.out.printf(Locale.ROOT, "%nreplication lag right after a start: %d new CUSTOMER rows a second on the master for %d s after %d s"
                + " left out, each replica's highest id read every 2 ms; then the same at once on the same cluster (warm)%n",
                rate, seconds, LEFT_OUT_SECONDS);
        List<String> kinds = warmUp > 0 ? List.of("0", Integer.toString(warmUp)) : List.of("0");
        for (int round = 1; round <= rounds; round++) {
            for (int i = 0; i < kinds.size(); i++) {
                String kind = kinds.get(round % 2 == 1 ? i : kinds.size() - 1 - i);
                measureAfterStart(state.resolve("round-" + round + "-warm-up-" + kind), kind, seconds, rate, round);
            }
        }
    }

    private static void measureAfterStart(Path dir, String warmUp, int seconds, int rate, int round) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(TestRuntime.WARM_UP, warmUp));
        String routerWarmUp = System.getProperty(RouterWarmUp.SECONDS); // unset: the launcher's default
        if (routerWarmUp != null) {
            settings.put(RouterWarmUp.SECONDS, routerWarmUp);
        }
        ClusterConfig config = TestRuntime.freePortConfig(2, 2, settings);
        long t0 = System.nanoTime();
        try (Cluster cluster = Cluster.start(config, TestRuntime.layout(), dir, Duration.ofMinutes(6))) {
            cluster.warmUpRouter(); // as 'up' does before it prints the URL
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            Copies copies = new Copies(cluster.jdbcUrl("master"), List.of(cluster.jdbcUrl("replica-1"), cluster.jdbcUrl("replica-2")),
                    cluster.dbPassword());
            String label = "round " + round + ", warm-up of the database servers " + ("0".equals(warmUp) ? "off" : warmUp + " s");
            System.out.printf(Locale.ROOT, "%n%s: started in %.1f s%n", label, startSeconds);
            int idleFirst = Integer.getInteger("bench.idle-first-seconds", 0);
            if (idleFirst > 0) {
                // The cluster left alone first, as a start that waited for its processes to settle.
                Thread.sleep(idleFirst * 1000L);
            }
            print(idleFirst > 0 ? "  " + idleFirst + " s after start, idle until then" : "  right after start",
                    measure(copies, "CUSTOMER", seconds, rate));
            print("  warm (at once after)", measure(copies, "CUSTOMER", seconds, rate));
            int later = Integer.getInteger("bench.later-seconds", 0);
            if (later > 0) {
                Thread.sleep(later * 1000L);
                print("  after " + later + " s more, idle", measure(copies, "CUSTOMER", seconds, rate));
            }
        }
    }

    /**
     * Runs the writer and readers against a Derby server of their own (a table {@code LAG_WARM},
     * not replicated) until this JVM's code for them is compiled, then stops the server.
     */
    private static void warmThisJvm(Path dir, int seconds, int rate) throws Exception {
        ClusterConfig config = TestRuntime.freePortConfig(1, 0);
        try (Cluster database = Cluster.startDatabases(config, TestRuntime.layout(), dir, Duration.ofMinutes(2))) {
            Copies own = new Copies(database.jdbcUrl("master"), List.of(database.jdbcUrl("master")), database.dbPassword());
            try (Connection c = own.master(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE LAG_WARM (ID BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, NAME VARCHAR(100) NOT NULL,"
                        + " EMAIL VARCHAR(254) NOT NULL UNIQUE)");
            }
            for (int i = 0; i < 2; i++) {
                measure(own, "LAG_WARM", seconds, rate);
            }
        }
    }

    /** Where the writer and the readers connect. */
    private record Copies(String masterUrl, List<String> replicaUrls, String password) {
        Connection master() throws SQLException {
            return DriverManager.getConnection(masterUrl, ClusterConfig.DB_USER, password);
        }

        Connection replica(int i) throws SQLException {
            return DriverManager.getConnection(replicaUrls.get(i), ClusterConfig.DB_USER, password);
        }
    }

    /** Each replica's lags (nanoseconds, sorted) and worst lag by second of the schedule; rows measured and the rate reached. */
    private record Measure(List<long[]> lags, List<long[]> worstBySecond, int rows, double perSecond) {
    }

    private static Measure measure(Copies copies, String table, int seconds, int rate) throws Exception {
        int total = rate * (seconds + LEFT_OUT_SECONDS);
        long[] ids = new long[total];
        long[] committedAt = new long[total];
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean polling = new AtomicBoolean(true);
        long start = System.nanoTime();
        List<long[]> lags = new ArrayList<>();
        List<long[]> worst = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        List<Exception> failures = new CopyOnWriteArrayList<>();
        AtomicInteger[] counted = new AtomicInteger[copies.replicaUrls().size()];
        for (int r = 0; r < copies.replicaUrls().size(); r++) {
            long[] lag = new long[total];
            long[] w = new long[seconds + LEFT_OUT_SECONDS];
            lags.add(lag);
            worst.add(w);
            AtomicInteger n = new AtomicInteger();
            counted[r] = n;
            int replica = r;
            Thread t = new Thread(() -> {
                int k = 0;
                try (Connection c = copies.replica(replica); PreparedStatement max = c.prepareStatement("SELECT MAX(ID) FROM " + table)) {
                    while (polling.get() || k < written.get()) {
                        long top;
                        try (ResultSet rs = max.executeQuery()) {
                            rs.next();
                            top = rs.getLong(1);
                        }
                        long now = System.nanoTime();
                        for (int upTo = written.get(); k < upTo && ids[k] <= top; k++) {
                            // By the row's place in the schedule: a writer behind it still
                            // leaves out its first LEFT_OUT_SECONDS x RATE rows.
                            int second = k / rate;
                            w[second] = Math.max(w[second], now - committedAt[k]);
                            if (second >= LEFT_OUT_SECONDS) {
                                lag[n.getAndIncrement()] = now - committedAt[k];
                            }
                        }
                        if (!polling.get() && System.nanoTime() - start > (seconds + LEFT_OUT_SECONDS + 60) * 1_000_000_000L) {
                            break; // a replica that never shows the rest: reported as rows not seen
                        }
                        LockSupport.parkNanos(POLL_NANOS);
                    }
                } catch (SQLException e) {
                    failures.add(e);
                }
            }, "lag-reader-" + r);
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }
        try (Connection c = copies.master();
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (NAME, EMAIL) VALUES (?, ?)",
                     Statement.RETURN_GENERATED_KEYS)) {
            c.setAutoCommit(false);
            for (int i = 0; i < total; i++) {
                long wait = start + i * 1_000_000_000L / rate - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                insert.setString(1, "lag probe");
                insert.setString(2, "lag-" + start + "-" + i + "@example.org");
                insert.executeUpdate();
                long id;
                try (ResultSet k = insert.getGeneratedKeys()) {
                    k.next();
                    id = k.getLong(1);
                }
                c.commit();
                committedAt[i] = System.nanoTime();
                ids[i] = id;
                written.incrementAndGet();
            }
        } finally {
            polling.set(false);
        }
        double perSecond = total / ((System.nanoTime() - start) / 1e9);
        for (Thread t : readers) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        List<long[]> sorted = new ArrayList<>();
        for (int r = 0; r < lags.size(); r++) {
            long[] l = Arrays.copyOf(lags.get(r), counted[r].get());
            Arrays.sort(l);
            sorted.add(l);
        }
        return new Measure(sorted, worst, total - LEFT_OUT_SECONDS * rate, perSecond);
    }

    private static void print(String label, Measure m) {
        System.out.printf(Locale.ROOT, "%s (the writer reached %.0f rows/s):%n", label, m.perSecond());
        for (int r = 0; r < m.lags().size(); r++) {
            long[] l = m.lags().get(r);
            StringBuilder worst = new StringBuilder();
            for (long w : m.worstBySecond().get(r)) {
                worst.append(' ').append(w / 1_000_000);
            }
            System.out.printf(Locale.ROOT, "    replica-%d: %d of %d rows seen; lag p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n"
                    + "      worst lag (ms) of the rows of each second of the schedule, the left-out first:%s%n", r + 1, l.length, m.rows(),
                    percentile(l, 0.50), percentile(l, 0.90), percentile(l, 0.99), l.length == 0 ? Double.NaN : l[l.length - 1] / 1e6,
                    worst);
        }
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }
}
