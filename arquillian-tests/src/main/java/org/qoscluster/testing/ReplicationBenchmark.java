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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationSettings;

/**
 * Replication benchmark (run by {@code bench/replication-lag.sh}): a Derby master and two
 * replicas on free loopback ports, the agent shipping every 20 ms.
 * <ol>
 * <li>Lag at a fixed rate (default 500 transactions/s), cold, just after the databases and the
 * agent have started, the databases as the launcher starts them (without a warm-up unless
 * {@code -Dbench.warm-up-seconds=N} sets {@code qos.replication.warm-up-seconds}; without one
 * the JIT compiles the paths of four JVMs on the same cores meanwhile):
 * each transaction inserts one row; a poller per replica reads the highest id every 2 ms; lag =
 * first seen on the replica - commit acknowledged on the master. Prints p50, p90, p99 and max
 * per replica (the first 2 s left out) and the worst lag of each second, and for each second the
 * master's slowest insert and commit and how far behind the rate the writer started (a master
 * behind the rate, rather than the agent or the replicas). {@code -Dbench.rounds=0} stops here.</li>
 * <li>Master throughput: 4 writers committing small transactions (insert a row, update another)
 * as fast as they can: into a table without capture; into one with capture while the agent is
 * stopped (the triggers' own cost); and again with the agent shipping meanwhile. Ratios against
 * the first. On a machine with two cores or more (and {@code taskset}), the master's Derby
 * server runs on the first half of the cores and the replicas' on the other half during these
 * runs, as separate machines would: the ratio is then the master's cost of capture and of the
 * agent's work on it, not the replicas' applies taking the master's cores. The writers and the
 * agent (this JVM) stay on every core. {@code -Dbench.pin=false} leaves everything on every core.
 * Besides throughput, the master's CPU time per transaction (its Derby server's, counted until
 * the agent has shipped the run's transactions): what a master short of CPU would lose. Each of
 * the three runs first goes {@code -Dbench.throughput-warm-up-seconds} (default 10) unmeasured;
 * then they take turns, {@code -Dbench.rounds} times (default 2), every other round in reverse
 * order, since the machine's speed drifts (an even number of rounds cancels a steady drift); each
 * round's ratios and the means are printed.</li>
 * <li>Lag again as in 1, warm: right after the throughput runs' backlog (100,000 changes and
 * more) has shipped.</li>
 * </ol>
 * Arguments: {@code SECONDS RATE STATE_DIR}.
 */
public final class ReplicationBenchmark {

    private static final String ROWS = "BENCH_ROW";
    private static final String PLAIN = "BENCH_PLAIN";
    /** The launcher's part name of the master's Derby server. */
    private static final String MASTER_PART = "derby-master";
    /**
     * Runs first for this long, unmeasured: the throughput runs (the JIT's first compilations) and
     * each lag run (left out of its percentiles, its worst lag printed).
     */
    private static final int WARM_UP_SECONDS = 2;

    private ReplicationBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(ReplicationBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Path state = Path.of(args.length > 2 ? args[2] : "var/bench-replication");
        // The databases start as the launcher starts them: with its warm-up when it is set (off by default).
        String warmUp = System.getProperty("bench.warm-up-seconds",
                Long.toString(ReplicationSettings.of(ClusterConfig.defaults()).warmUp().toSeconds()));
        ClusterConfig config = TestRuntime.freePortConfig(1, 2, Map.of(TestRuntime.WARM_UP, warmUp));
        try (Cluster databases = Cluster.startDatabases(config, TestRuntime.layout(), state, Duration.ofMinutes(2))) {
            for (String t : List.of(ROWS, PLAIN)) {
                try (Connection c = open(databases, "master"); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE " + t + " (ID BIGINT NOT NULL PRIMARY KEY, PAYLOAD VARCHAR(100), N INTEGER)");
                    // An application's table has rows when capture is installed; the agent fires
                    // the new triggers once on one of them.
                    s.execute("INSERT INTO " + t + " (ID, PAYLOAD, N) VALUES (0, 'seed', 0)");
                }
            }
            ReplicationAgent agent = ReplicationAgent.derby(() -> open(databases, "master"),
                    Map.of("replica-1", () -> open(databases, "replica-1"), "replica-2", () -> open(databases, "replica-2")),
                    List.of(ROWS));
            agent.install();
            try {
                agent.start(Duration.ofMillis(20));
                drain(databases);
                while (agent.watermark("replica-1").isEmpty() || agent.watermark("replica-2").isEmpty()) {
                    Thread.sleep(20); // the replicas' initial copy
                }
                lag(databases, rate, seconds, "cold (databases just started, warm-up at most " + warmUp
                        + " s; the agent just started)");
                int rounds = Integer.getInteger("bench.rounds", 2);
                if (rounds == 0) {
                    return; // the cold lag only
                }
                String split = pin(databases, true);
                // Not measured: each of the three kinds in turn, so that no kind is measured while
                // its paths still compile (the reference, capture off, comes first in round 1:
                // measured cold it made the cost look smaller, or negative, in a round).
                int warmUpSeconds = Integer.getInteger("bench.throughput-warm-up-seconds", 10);
                for (Measure warming : kinds(agent, databases, warmUpSeconds)) {
                    warming.run();
                }
                System.out.printf(Locale.ROOT, "%nmaster throughput, 4 writers, %d s per figure (insert + update per transaction),"
                        + " %d rounds of the three runs in turn (every other round in reverse order) after %d s of each unmeasured; %s."
                        + " CPU: the master's Derby server's time per transaction"
                        + " (the agent's statements on it included), what a master short of CPU would lose%n", seconds, rounds,
                        warmUpSeconds, split);
                List<Run[]> all = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    // Every other round runs the three in reverse order: the machine's speed drifts
                    // during a run (it often warms up for minutes), which would otherwise favour
                    // whichever kind comes last in every round.
                    List<Measure> kinds = kinds(agent, databases, seconds);
                    Run[] runs = new Run[kinds.size()];
                    for (int i = 0; i < kinds.size(); i++) {
                        int kind = round % 2 == 1 ? i : kinds.size() - 1 - i;
                        runs[kind] = kinds.get(kind).run();
                    }
                    all.add(runs);
                    print("round " + round, all.get(all.size() - 1));
                }
                pin(databases, false);
                Run[] means = new Run[3];
                for (int k = 0; k < 3; k++) {
                    int kind = k;
                    means[k] = new Run(all.stream().mapToDouble(r -> r[kind].perSecond()).average().orElseThrow(),
                            all.stream().mapToDouble(r -> r[kind].cpuMicrosPerTransaction()).average().orElseThrow());
                }
                print("mean of the rounds", means);
                System.out.printf(Locale.ROOT, "  failed transactions in the throughput runs: %d; replicas that differed from the master"
                        + " once drained: %d%n", FAILED.get(), DIFFERENT.get());
                lag(databases, rate, seconds, "warm (right after the throughput runs' backlog has shipped)");
            } finally {
                agent.close();
            }
        }
    }

    /**
     * The three runs of a round, each {@code seconds} long: capture off (its table has no
     * triggers; the agent idle), capture on with the agent stopped, capture on with the agent
     * shipping meanwhile. Capture off runs with the agent idle, the other two with no backlog
     * left from the one before.
     */
    private static List<Measure> kinds(ReplicationAgent agent, Cluster databases, int seconds) {
        return List.of(
                () -> throughput(databases, PLAIN, seconds, false),
                () -> {
                    agent.close();
                    Run triggersOnly = throughput(databases, ROWS, seconds, false);
                    agent.start(Duration.ofMillis(20));
                    drain(databases);
                    return triggersOnly;
                },
                () -> {
                    drain(databases);
                    return throughput(databases, ROWS, seconds, true);
                });
    }

    /**
     * With {@code apart}, puts the master's Derby server on the first half of the cores and the
     * replicas' on the other half (every thread, {@code taskset -a}); without, every one back on
     * every core. Returns what it did, in words.
     */
    private static String pin(Cluster databases, boolean apart) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        if (!Boolean.parseBoolean(System.getProperty("bench.pin", "true")) || cores < 2) {
            return "every process on every core (" + cores + ")";
        }
        String masterCores = apart ? "0-" + (cores / 2 - 1) : "0-" + (cores - 1);
        String replicaCores = apart ? cores / 2 + "-" + (cores - 1) : masterCores;
        for (PartStatus part : databases.status()) {
            String on = part.name().equals(MASTER_PART) ? masterCores : replicaCores;
            int exit;
            try {
                exit = new ProcessBuilder("taskset", "-a", "-p", "-c", on, Long.toString(part.pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (java.io.IOException e) {
                exit = -1; // no taskset
            }
            if (exit != 0) {
                throw new IllegalStateException("taskset could not pin " + part.name() + " (pid " + part.pid()
                        + ") to cores " + on + "; run with -Dbench.pin=false to leave every process on every core");
            }
        }
        return "master's Derby server on cores " + masterCores + ", the replicas' on " + replicaCores
                + ", writers and agent on every core";
    }

    /**
     * Once drained, every replica holds what the master holds (row count and sums of the captured
     * table's columns), one row identifier for every row at its key (count and key sum), and the
     * same identifiers as the other replica (the master keeps none while it has replicas). Prints
     * a line when not.
     */
    private static void compare(Cluster databases) throws Exception {
        String rows = "SELECT COUNT(*), SUM(ID), SUM(CAST(N AS BIGINT)) FROM " + ROWS;
        String ids = "SELECT COUNT(*), SUM(ID), SUM(QOS_RID / 1024) FROM QOS_RID_" + ROWS;
        List<Long> master = figures(databases, "master", rows);
        List<Long> first = figures(databases, "replica-1", rows, ids);
        for (String replica : List.of("replica-1", "replica-2")) {
            List<Long> there = figures(databases, replica, rows, ids);
            if (!there.subList(0, 3).equals(master) || !there.subList(3, 5).equals(master.subList(0, 2)) || !there.equals(first)) {
                DIFFERENT.incrementAndGet();
                System.out.printf(Locale.ROOT, "  %s differs after the drain: rows (count, sums) and identifiers (count, key sum,"
                        + " identifier sum) %s, master's rows %s, replica-1 %s%n", replica, there, master, first);
            }
        }
    }

    private static List<Long> figures(Cluster databases, String copy, String... queries) throws SQLException {
        List<Long> figures = new ArrayList<>();
        try (Connection c = open(databases, copy); Statement s = c.createStatement()) {
            for (String q : queries) {
                try (ResultSet r = s.executeQuery(q)) {
                    r.next();
                    for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                        figures.add(r.getLong(i));
                    }
                }
            }
        }
        return figures;
    }

    /** One of the three throughput runs of a round. */
    @FunctionalInterface
    private interface Measure {
        Run run() throws Exception;
    }

    /** Waits until every captured change has reached every replica. */
    private static void drain(Cluster databases) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection c = open(databases, "master"); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_CHG_" + ROWS)) {
                r.next();
                if (r.getLong(1) == 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the agent did not ship the backlog within 5 minutes");
    }

    private static Connection open(Cluster databases, String copy) throws SQLException {
        return DriverManager.getConnection(databases.jdbcUrl(copy), ClusterConfig.DB_USER, databases.dbPassword());
    }

    private static final AtomicLong IDS = new AtomicLong(1_000_000);
    private static final AtomicLong FAILED = new AtomicLong();
    /** Drains after which a replica differed from the master ({@link #compare}). */
    private static final AtomicLong DIFFERENT = new AtomicLong();

    private static final List<String> KINDS = List.of("capture off (agent idle)", "capture on, agent stopped",
            "capture on, agent shipping meanwhile");

    /** Prints the three runs of {@link #KINDS}, the second and third with their ratios against the first. */
    private static void print(String title, Run[] runs) {
        Run off = runs[0];
        System.out.printf(Locale.ROOT, "  %s%n    %-37s %6.0f transactions/s                        %5.1f µs CPU/transaction%n",
                title, KINDS.get(0) + ":", off.perSecond(), off.cpuMicrosPerTransaction());
        for (int k = 1; k < runs.length; k++) {
            Run r = runs[k];
            System.out.printf(Locale.ROOT, "    %-37s %6.0f transactions/s   ratio %.2f (cost %2.0f %%)   %5.1f µs CPU/transaction"
                            + "   ratio %.2f (cost %2.0f %%)%n", KINDS.get(k) + ":", r.perSecond(), r.perSecond() / off.perSecond(),
                    100 * (1 - r.perSecond() / off.perSecond()), r.cpuMicrosPerTransaction(),
                    off.cpuMicrosPerTransaction() / r.cpuMicrosPerTransaction(),
                    100 * (1 - off.cpuMicrosPerTransaction() / r.cpuMicrosPerTransaction()));
        }
    }

    /** A throughput run: committed transactions per second, the master's CPU time per transaction. */
    private record Run(double perSecond, double cpuMicrosPerTransaction) {
    }

    /** The CPU time the master's Derby server has used so far (all its threads, user and system). */
    private static Duration masterCpu(Cluster databases) {
        long pid = databases.status().stream().filter(p -> p.name().equals(MASTER_PART)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + MASTER_PART + " part")).pid();
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("the CPU time of the master's Derby server (pid " + pid + ") cannot be read"));
    }

    /**
     * With {@code drained}, the CPU time is counted until the agent has shipped every transaction
     * of the run (and deleted its change rows), so it holds all of the agent's work on the master.
     */
    private static Run throughput(Cluster databases, String table, int seconds, boolean drained) throws Exception {
        Duration cpuBefore = masterCpu(databases);
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> counts = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < 4; w++) {
            counts.add(pool.submit(() -> {
                long n = 0;
                try (Connection c = open(databases, "master");
                     PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (ID, PAYLOAD, N) VALUES (?, ?, 0)");
                     PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET N = N + 1 WHERE ID = ?")) {
                    c.setAutoCommit(false);
                    while (running.get()) {
                        long id = IDS.incrementAndGet();
                        try {
                            insert.setLong(1, id);
                            insert.setString(2, "payload " + id);
                            insert.executeUpdate();
                            update.setLong(1, id - 4);
                            update.executeUpdate();
                            c.commit();
                            n++;
                        } catch (SQLException e) {
                            // What an application would see: counted and reported, not hidden.
                            c.rollback();
                            if (FAILED.incrementAndGet() <= 3) {
                                System.out.println("  writer failure: " + e.getSQLState() + " " + e.getMessage());
                            }
                        }
                    }
                }
                return n;
            }));
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        long total = 0;
        for (Future<Long> f : counts) {
            total += f.get();
        }
        pool.shutdown();
        double perSecond = total / ((System.nanoTime() - start) / 1e9);
        if (drained) {
            drain(databases);
        }
        double cpuMicros = masterCpu(databases).minus(cpuBefore).toNanos() / 1e3;
        if (drained) {
            compare(databases);
        }
        return new Run(perSecond, cpuMicros / Math.max(1, total));
    }

    private static void lag(Cluster databases, int rate, int seconds, String when) throws Exception {
        Map<Long, Long> committedAt = new ConcurrentHashMap<>();
        Map<String, List<Long>> lags = new ConcurrentHashMap<>();
        // Per replica and second of the run: the worst lag of the rows committed in that second.
        Map<String, long[]> worstBySecond = new java.util.HashMap<>();
        AtomicBoolean polling = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> pollers = new ArrayList<>();
        long firstId = IDS.get() + 1;
        for (String replica : List.of("replica-1", "replica-2")) {
            List<Long> list = Collections.synchronizedList(new ArrayList<>());
            lags.put(replica, list);
            long[] worst = new long[WARM_UP_SECONDS + seconds + 1];
            worstBySecond.put(replica, worst);
            pollers.add(pool.submit(() -> {
                long seen = firstId - 1;
                try (Connection c = open(databases, replica);
                     PreparedStatement max = c.prepareStatement("SELECT MAX(ID) FROM " + ROWS)) {
                    while (polling.get()) {
                        try (ResultSet r = max.executeQuery()) {
                            r.next();
                            long top = r.getLong(1);
                            long now = System.nanoTime();
                            for (long id = seen + 1; id <= top; id++) {
                                Long at = committedAt.get(id);
                                if (at == null) {
                                    // Committed, but the writer has not noted when yet: counted at a
                                    // later poll (skipping it lost the row from the figures).
                                    top = id - 1;
                                    break;
                                }
                                int second = (int) Math.min(WARM_UP_SECONDS + seconds, (id - firstId) / rate);
                                worst[second] = Math.max(worst[second], now - at);
                                if (second >= WARM_UP_SECONDS) {
                                    list.add(now - at);
                                }
                            }
                            seen = Math.max(seen, top);
                        }
                        Thread.sleep(2);
                    }
                }
                return null;
            }));
        }
        // One paced writer: transaction i is due at start + i / rate.
        long start = System.nanoTime();
        long total = (long) rate * (WARM_UP_SECONDS + seconds);
        long measured = (long) rate * seconds;
        long late = 0;
        // Per second of the run: the longest the writer's insert and commit took, and how late
        // the latest transaction of the second started (both show a master behind the rate).
        long[] slowestCommit = new long[WARM_UP_SECONDS + seconds + 1];
        long[] latestStart = new long[WARM_UP_SECONDS + seconds + 1];
        try (Connection c = open(databases, "master");
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + ROWS + " (ID, PAYLOAD, N) VALUES (?, 'lag', 0)")) {
            c.setAutoCommit(false);
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                } else if (wait < -100_000_000L) {
                    late++;
                }
                int second = (int) Math.min(WARM_UP_SECONDS + seconds, i / rate);
                latestStart[second] = Math.max(latestStart[second], -wait);
                long id = IDS.incrementAndGet();
                long before = System.nanoTime();
                insert.setLong(1, id);
                insert.executeUpdate();
                c.commit();
                long after = System.nanoTime();
                committedAt.put(id, after);
                slowestCommit[second] = Math.max(slowestCommit[second], after - before);
            }
        }
        double achieved = total / ((System.nanoTime() - start) / 1e9);
        Thread.sleep(2000);
        polling.set(false);
        for (Future<?> f : pollers) {
            f.get();
        }
        pool.shutdown();
        System.out.printf(Locale.ROOT, "%nreplication lag, %s: %d transactions/s for %d s after %d s of warm-up (achieved %.0f/s,"
                + " %d more than 100 ms late)%n", when, rate, seconds, WARM_UP_SECONDS, achieved, late);
        StringBuilder commits = new StringBuilder();
        StringBuilder starts = new StringBuilder();
        for (int k = 0; k < slowestCommit.length; k++) {
            commits.append(' ').append(slowestCommit[k] / 1_000_000);
            starts.append(' ').append(Math.max(0, latestStart[k]) / 1_000_000);
        }
        System.out.printf(Locale.ROOT, "  master, each second, warm-up first: slowest insert + commit (ms)%s;"
                + " latest start behind the rate (ms)%s%n", commits, starts);
        for (Map.Entry<String, List<Long>> e : new java.util.TreeMap<>(lags).entrySet()) {
            List<Long> l = new ArrayList<>(e.getValue());
            Collections.sort(l);
            if (l.isEmpty()) {
                System.out.printf(Locale.ROOT, "  %s: nothing arrived%n", e.getKey());
                continue;
            }
            System.out.printf(Locale.ROOT, "  %s: %d of %d rows seen; lag p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    e.getKey(), l.size(), measured, ms(l, 0.50), ms(l, 0.90), ms(l, 0.99), l.get(l.size() - 1) / 1e6);
            StringBuilder bySecond = new StringBuilder();
            for (long w : worstBySecond.get(e.getKey())) {
                bySecond.append(' ').append(w / 1_000_000);
            }
            System.out.printf(Locale.ROOT, "    worst lag (ms) of the rows committed in each second, warm-up first:%s%n", bySecond);
        }
    }

    private static double ms(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * q) - 1)) / 1e6;
    }
}
