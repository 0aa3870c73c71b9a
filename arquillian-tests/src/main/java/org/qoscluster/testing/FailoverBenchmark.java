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
 * kill, not on the new master); the killed copy is restarted and caught up before the next round,
 * and each round starts with every replica ready for a promotion and level with the others, as
 * the group's status shows ({@code replica-readied:COPY} events, each replica's position).
 * Prints each round with its timeline (the product's own events of the failover, from the
 * group's status), then per mode the p50 and p99 of each phase, p50, p99 and max, and the
 * detection bound the heartbeat settings give (the part of the time no promotion can save). Both
 * modes, one cluster each, in one run.
 * Arguments: {@code FAILOVERS STATE_DIR}.
 */
public final class FailoverBenchmark {

    private FailoverBenchmark() {
    }

    public static void main(String[] args) {
        BenchmarkMain.runThenExit(FailoverBenchmark::run, args);
    }

    /**
     * One mode's rounds: kill to first acknowledged write, kill to open, acknowledged writes lost
     * of all, and each round's timeline (event to milliseconds after the kill).
     */
    private record Result(String mode, List<Long> backMillis, List<Long> openMillis, long lost, long acked,
                          List<Map<String, Long>> timelines) {
    }

    /** A stretch of a failover: from one event of the timeline to the next. */
    private record Phase(String name, String from, String to) {
    }

    /**
     * The failover's path from the kill to the first acknowledged write, one stretch after the
     * other, from the product's own timeline ({@code GET /qos-group/status}, {@code timeline}):
     * the coordinator's events, the first write path's, then the benchmark's answer.
     */
    private static final List<Phase> PATH = List.of(
            new Phase("detection (heartbeats)", "kill", "master-unavailable"),
            new Phase("decision (candidates read, next epoch written)", "master-unavailable", "decided"),
            new Phase("promotion (epoch row, identities, capture)", "decided", "promoted"),
            new Phase("write paths fenced (as the coordinator sees it)", "promoted", "fenced"),
            new Phase("new master opened", "fenced", "open"),
            new Phase("a write path sees it open", "open", "write-path-open"),
            new Phase("its first connection relayed (pool, retry)", "write-path-open", "first-relay"),
            new Phase("first write acknowledged (through the router)", "first-relay", "acknowledged"));

    /** Beside the path: the nodes' fences and the replication agent (what a synchronous write waits for). */
    private static final List<Phase> BESIDE = List.of(
            new Phase("kill -> a write path finds the master refusing", "kill", "master-refused"),
            new Phase("decision -> last write path fenced", "decided", "last write-path-fenced"),
            new Phase("kill -> a node out of the router's rotation", "kill", "out-of-rotation"),
            new Phase("open -> a node back in rotation", "open", "back-in-rotation"),
            new Phase("open -> agent ships from the new master", "open", "agent-started"),
            new Phase("agent started -> a replica follows it", "agent-started", "replica-following"),
            new Phase("a replica follows -> first transaction shipped", "replica-following", "first-shipped"));

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
            printPhases(r);
        }
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
        List<Map<String, Long>> timelines = new ArrayList<>();
        long lostTotal = 0;
        long ackedTotal = 0;
        try (Cluster cluster = Cluster.start(TestRuntime.freePortConfig(2, 2, settings), TestRuntime.layout(),
                state, Duration.ofMinutes(5))) {
            GroupClient group = new GroupClient(cluster);
            Map<String, Long> restarted = Map.of(); // the copy killed in the round before: when it was restarted
            for (int round = 1; round <= rounds; round++) {
                // As in service between failures: the copy killed in the round before is back,
                // ready for a promotion, and holds what the other replica holds (in the same
                // epoch, at the same watermark).
                Map<String, Long> readiedSince = restarted;
                JsonNode before = group.await(s -> "OPEN".equals(s.path("phase").asText()) && allAvailable(s)
                        && GroupClient.replicasReadied(s, readiedSince) && GroupClient.replicasCaughtUp(s),
                        Duration.ofMinutes(2), "every copy available, readied and caught up before round");
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
                    Map<String, Long> timeline = timeline(group.status(), epoch + 1, killed);
                    timeline.put("acknowledged", back);
                    timelines.add(timeline);
                    lostTotal += lost;
                    ackedTotal += acked;
                    System.out.printf(Locale.ROOT, "%s round %2d: %s -> %s, new master open %5d ms, writes back %5d ms after the"
                            + " kill, %d of %d acknowledged writes lost; timeline %s%n", mode, round, master, now, open, back, lost, acked,
                            timeline);
                }
                restarted = Map.of(master, System.currentTimeMillis());
                cluster.restart("derby-" + master, Duration.ofMinutes(1));
            }
        }
        return new Result(mode, backMillis, openMillis, lostTotal, ackedTotal, timelines);
    }

    /**
     * The events of the change into {@code epoch} as {@code status} shows them, in milliseconds
     * after {@code killed}: each event at its earliest source (the first write path to see the
     * new master open, to relay a connection), and the last write path's fence as
     * {@code last write-path-fenced}.
     */
    private static Map<String, Long> timeline(JsonNode status, long epoch, long killed) {
        Map<String, Long> out = new java.util.TreeMap<>();
        out.put("kill", 0L);
        if (status == null) {
            return out;
        }
        for (JsonNode e : status.path("timeline").path(Long.toString(epoch))) {
            long at = e.path("millis").asLong() - killed;
            String event = e.path("event").asText().replaceFirst(":.*", ""); // the router's, per node
            out.merge(event, at, Math::min);
            if ("write-path-fenced".equals(event)) {
                out.merge("last write-path-fenced", at, Math::max);
            }
        }
        return out;
    }

    private static void printPhases(Result r) {
        System.out.printf(Locale.ROOT, "%n%s: where the time from the kill to the first acknowledged write goes (%d rounds;"
                + " ms, p50 / p99 of each stretch, and p50 of its end after the kill)%n", r.mode(), r.timelines().size());
        for (Phase p : PATH) {
            printPhase(r, p);
        }
        System.out.printf(Locale.ROOT, "  beside it:%n");
        for (Phase p : BESIDE) {
            printPhase(r, p);
        }
    }

    private static void printPhase(Result r, Phase p) {
        List<Long> took = new ArrayList<>();
        List<Long> end = new ArrayList<>();
        for (Map<String, Long> t : r.timelines()) {
            if (t.containsKey(p.from()) && t.containsKey(p.to())) {
                took.add(t.get(p.to()) - t.get(p.from()));
                end.add(t.get(p.to()));
            }
        }
        System.out.printf(Locale.ROOT, "  %-52s %6d / %6d   (at %5d)   %s -> %s%s%n", p.name(), percentile(took, 50), percentile(took, 99),
                percentile(end, 50), p.from(), p.to(), took.size() < r.timelines().size()
                        ? " (in " + took.size() + " of " + r.timelines().size() + " rounds)" : "");
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

    static long percentile(List<Long> values, int p) {
        List<Long> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
