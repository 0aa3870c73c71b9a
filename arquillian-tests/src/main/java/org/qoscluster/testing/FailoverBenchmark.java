package org.qoscluster.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.qoscluster.launcher.Cluster;

/**
 * Failover benchmark (run by {@code bench/failover.sh}): a real cluster (two nodes,
 * three Derby copies) with sign-ups written through the router one after another the whole time;
 * FAILOVERS times: {@code kill -9} of the current master, then the time until a write is
 * acknowledged again (from the kill), and the acknowledged writes lost (acknowledged before the
 * kill, not on the new master); the killed copy is restarted and caught up before the next round.
 * Prints each round, then p50, p99 and max, and the detection bound the heartbeat settings give
 * (the part of the time no promotion can save). Both modes, one cluster each, in one run.
 * Arguments: {@code FAILOVERS STATE_DIR}.
 */
public final class FailoverBenchmark {

    private FailoverBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(FailoverBenchmark::run, args);
    }

    /** One mode's rounds: kill to first acknowledged write, kill to open, acknowledged writes lost of all. */
    private record Result(String mode, List<Long> backMillis, List<Long> openMillis, long lost, long acked) {
    }

    private static void run(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path state = Path.of(args.length > 1 ? args[1] : "var/bench-failover");
        List<Result> results = new ArrayList<>();
        // -Dfailover.modes=async (BENCH_JAVA_OPTS) runs one mode only, for a longer hunt.
        for (String mode : System.getProperty("failover.modes", "async,sync").split(",")) {
            results.add(rounds(mode, rounds, state.resolve(mode)));
        }
        System.out.printf(Locale.ROOT, "%n%d failovers per mode (kill -9 of the master, sign-ups through the router)%n", rounds);
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "  %-5s kill -> first acknowledged write: p50 %5d ms   p99 %5d ms   max %5d ms;"
                    + " kill -> new master open: p50 %5d ms   max %5d ms; acknowledged writes lost: %d of %d%n", r.mode(),
                    percentile(r.backMillis(), 50), percentile(r.backMillis(), 99), percentile(r.backMillis(), 100),
                    percentile(r.openMillis(), 50), percentile(r.openMillis(), 100), r.lost(), r.acked());
        }
        org.qoscluster.redundancy.GroupSettings heartbeat =
                org.qoscluster.redundancy.GroupSettings.from(org.qoscluster.config.ClusterConfig.defaults());
        System.out.printf(Locale.ROOT, "  reference: detection alone (retries x period, a refused connection) %d ms;"
                + " targets: p99 <= 3000 ms, none lost in sync mode%n", heartbeat.period().toMillis() * heartbeat.retries());
    }

    private static Result rounds(String mode, int rounds, Path state) throws Exception {
        Map<String, String> settings = Map.of("qos.router.health.timeout-ms", "3000", "qos.group.mode", mode);
        List<Long> backMillis = new ArrayList<>();
        List<Long> openMillis = new ArrayList<>();
        long lostTotal = 0;
        long ackedTotal = 0;
        try (Cluster cluster = Cluster.start(TestRuntime.freePortConfig(2, 2, settings), TestRuntime.layout(),
                state, Duration.ofMinutes(5))) {
            GroupClient group = new GroupClient(cluster);
            for (int round = 1; round <= rounds; round++) {
                JsonNode before = group.await(s -> "OPEN".equals(s.path("phase").asText()) && allAvailable(s),
                        Duration.ofMinutes(2), "every copy available before round");
                String master = before.path("master").asText();
                long epoch = before.path("epoch").asLong();
                String prefix = "fo" + round + "-";
                try (GroupClient.Writer writer = new GroupClient.Writer(cluster, prefix)) {
                    writer.awaitMore(20, Duration.ofSeconds(60));
                    long killed = System.currentTimeMillis();
                    cluster.kill("derby-" + master);
                    JsonNode after = group.await(s -> s.path("epoch").asLong() == epoch + 1 && "OPEN".equals(s.path("phase").asText()),
                            Duration.ofSeconds(60), "the next epoch open");
                    GroupClient.Writer.Attempt first = writer.firstAcknowledgedAfter(killed, Duration.ofSeconds(60));
                    try {
                        writer.awaitMore(5, Duration.ofSeconds(30));
                    } catch (AssertionError e) {
                        System.out.println(e.getMessage());
                        printLocks(cluster, after.path("master").asText());
                        throw e;
                    }
                    writer.stop();
                    String now = after.path("master").asText();
                    Set<String> kept = group.emails(now, prefix);
                    long acked = writer.acknowledged().stream().filter(a -> a.sentAt() < killed).count();
                    long lost = writer.acknowledged().stream().filter(a -> a.sentAt() < killed && !kept.contains(a.email())).count();
                    long back = first.answeredAt() - killed;
                    long open = after.path("sinceMillis").asLong() - killed;
                    backMillis.add(back);
                    openMillis.add(open);
                    lostTotal += lost;
                    ackedTotal += acked;
                    System.out.printf(Locale.ROOT, "%s round %2d: %s -> %s, new master open %5d ms, writes back %5d ms after the"
                            + " kill, %d of %d acknowledged writes lost%n", mode, round, master, now, open, back, lost, acked);
                }
                cluster.restart("derby-" + master, Duration.ofMinutes(1));
            }
        }
        return new Result(mode, backMillis, openMillis, lostTotal, ackedTotal);
    }

    /** Derby's lock and transaction tables on {@code copy}: who holds what, when writes stall. */
    private static void printLocks(Cluster cluster, String copy) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(cluster.jdbcUrl(copy),
                org.qoscluster.config.ClusterConfig.DB_USER, cluster.dbPassword());
             java.sql.Statement s = c.createStatement()) {
            for (String sql : List.of("SELECT XID, TYPE, MODE, TABLENAME, LOCKNAME, STATE, STATUS FROM SYSCS_DIAG.LOCK_TABLE",
                    "SELECT XID, GLOBAL_XID, USERNAME, TYPE, STATUS, FIRST_INSTANT, SQL_TEXT FROM SYSCS_DIAG.TRANSACTION_TABLE")) {
                System.out.println("-- " + copy + ": " + sql);
                try (java.sql.ResultSet r = s.executeQuery(sql)) {
                    int n = r.getMetaData().getColumnCount();
                    while (r.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= n; i++) {
                            row.append(i > 1 ? " | " : "").append(r.getString(i));
                        }
                        System.out.println(row);
                    }
                }
            }
        } catch (java.sql.SQLException e) {
            System.out.println("cannot read the locks of " + copy + ": " + e);
        }
    }

    private static boolean allAvailable(JsonNode s) {
        return s.path("copies").size() == 3 && java.util.stream.StreamSupport.stream(s.path("copies").spliterator(), false)
                .allMatch(m -> "AVAILABLE".equals(m.path("status").asText()));
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
