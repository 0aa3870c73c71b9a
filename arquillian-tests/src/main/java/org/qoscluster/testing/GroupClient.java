package org.qoscluster.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.launcher.internal.GroupStatusView;

/**
 * A redundancy group seen from outside: its status from the nodes' authenticated
 * {@code GET /qos-group/status}, the sign-ups a {@link Writer} made and had acknowledged, and
 * which of them each database copy holds.
 */
public final class GroupClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Cluster cluster;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    public GroupClient(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The application's group's status as the first node that answers tells it; null when none does. */
    public JsonNode status() {
        return status(null);
    }

    /** A group's status ({@code group} null: the application's) as the first node that answers tells it; null when none does. */
    public JsonNode status(String group) {
        List<String> running = cluster.status().stream().filter(PartStatus::alive).map(PartStatus::name).toList();
        for (MemberSpec node : cluster.config().nodes()) {
            if (!running.contains(node.name())) {
                continue;
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(cluster.nodeUri(node.name()).resolve("qos-group/status" + (group == null ? "" : "?group=" + group)))
                        .timeout(Duration.ofSeconds(3)).header("Authorization", "Bearer " + cluster.adminToken()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return JSON.readTree(r.body());
                }
            } catch (IOException e) {
                // the next node
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** An answer of the group's admin endpoints: its status and JSON body. */
    public record Answer(int status, JsonNode body) {
    }

    /** {@code POST /qos-group/switchover?to=TARGET} on the first live node, with {@code token} (null: none). */
    public Answer switchover(String target, String token) throws IOException, InterruptedException {
        return ask("POST", "switchover?to=" + target, token);
    }

    /** {@code METHOD /qos-group/PATH} on the first live node, with {@code token} (null: none). */
    public Answer ask(String method, String path, String token) throws IOException, InterruptedException {
        String node = cluster.status().stream().filter(PartStatus::alive).map(PartStatus::name)
                .filter(n -> cluster.config().member(n).map(m -> m.role() == org.qoscluster.config.Role.NODE).orElse(false))
                .findFirst().orElseThrow();
        HttpRequest.Builder b = HttpRequest.newBuilder(cluster.nodeUri(node).resolve("qos-group/" + path))
                .timeout(Duration.ofSeconds(45)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    /** Polls the status until {@code done} holds; fails naming the last status after {@code within}. */
    public JsonNode await(Predicate<JsonNode> done, Duration within, String what) throws InterruptedException {
        return await(null, done, within, what);
    }

    /** {@link #await(Predicate, Duration, String)} on {@code group}'s status. */
    public JsonNode await(String group, Predicate<JsonNode> done, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode last = status(group);
        while (last == null || !done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + within.toSeconds() + " s; last status " + last);
            }
            Thread.sleep(100);
            last = status(group);
        }
        return last;
    }

    /**
     * Whether {@code status} shows every copy but the master following the current epoch at one
     * and the same watermark (its {@code replication} position): in a quiet group, each replica
     * has everything the master shipped, and a failover now would let every other one follow
     * the promoted one without a copy.
     */
    public static boolean replicasCaughtUp(JsonNode status) {
        String epoch = status.path("epoch").asText();
        String master = status.path("master").asText();
        Set<String> watermarks = new HashSet<>();
        for (var copy : (Iterable<Map.Entry<String, JsonNode>>) status.path("copies")::fields) {
            if (copy.getKey().equals(master)) {
                continue;
            }
            JsonNode at = copy.getValue().path("replication");
            if (!epoch.equals(at.path("epoch").asText())) {
                return false;
            }
            watermarks.add(at.path("watermark").asText());
        }
        return watermarks.size() == 1;
    }

    /**
     * Whether {@code status}'s timeline shows every copy but the master ready for a promotion in
     * the current epoch (the replication agent's {@code replica-readied:COPY}), each at or after
     * the time {@code since} gives it (0 when absent): its first readying since it was copied or
     * reconnected has ended, so its applies no longer wait on the readying's DDL.
     */
    public static boolean replicasReadied(JsonNode status, Map<String, Long> since) {
        return GroupStatusView.replicasReadied(status, since);
    }

    /**
     * Waits until {@code copy} holds exactly the customers {@code expected} names among those whose
     * email starts with {@code prefix}, at most {@code within}, and returns what it holds then (the
     * caller asserts it): a replica that the coordinator calls available has a watermark of this
     * epoch, and its last changes may still be a round away.
     */
    public Set<String> awaitEmails(String copy, String prefix, Set<String> expected, java.time.Duration within)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Set<String> now = emails(copy, prefix);
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = emails(copy, prefix);
        }
        return now;
    }

    public Set<String> emails(String copy, String prefix) throws SQLException {
        return strings(copy, "SELECT EMAIL FROM CUSTOMER WHERE EMAIL LIKE '" + prefix.replace("'", "''") + "%'");
    }

    /** The e-mail addresses in a copy's set-aside tail of {@code epoch}'s customers (empty without one). */
    public Set<String> tailEmails(String copy, long epoch) throws SQLException {
        try {
            return strings(copy, "SELECT EMAIL FROM QOS_TAIL_" + epoch + "_CUSTOMER");
        } catch (SQLException e) {
            if ("42X05".equals(e.getSQLState())) {
                return Set.of();
            }
            throw e;
        }
    }

    /** The newest change time in a copy's set-aside tail of {@code epoch}'s customers, in epoch ms (0 without). */
    public long newestTailChange(String copy, long epoch) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT MAX(QOS_TS) FROM QOS_TAIL_" + epoch + "_CUSTOMER")) {
            r.next();
            return r.getLong(1); // QOS_TS: epoch milliseconds; 0 for NULL (no row)
        } catch (SQLException e) {
            if ("42X05".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Runs the write {@code sql} on {@code copy} in a transaction rolled back whatever it does, and
     * returns the SQL state it failed with ({@code 23505}: a duplicate of a unique key), empty if
     * the copy took it.
     */
    public String refusal(String copy, String sql) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                s.executeUpdate(sql);
                return "";
            } catch (SQLException e) {
                return String.valueOf(e.getSQLState());
            } finally {
                c.rollback();
            }
        }
    }

    private Set<String> strings(String copy, String sql) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = open(copy); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                out.add(r.getString(1));
            }
        }
        return out;
    }

    private Connection open(String copy) throws SQLException {
        return DriverManager.getConnection(cluster.jdbcUrl(copy), ClusterConfig.DB_USER, cluster.dbPassword());
    }

    /**
     * Signs new customers up through the router, one after another, each with an address of its
     * own, until stopped; remembers every attempt, and which were acknowledged (200).
     */
    public static final class Writer implements AutoCloseable {

        /** One sign-up: its address, when it was sent and answered (epoch ms), and the status (0: no answer). */
        public record Attempt(String email, long sentAt, long answeredAt, int status) {
            public boolean acknowledged() {
                return status == 200;
            }
        }

        private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean running = true;

        public Writer(Cluster cluster, String prefix) {
            StoreClient client = StoreClient.at(cluster.storeUri(), Duration.ofSeconds(5));
            thread = new Thread(() -> {
                for (int i = 1; running; i++) {
                    String email = prefix + i + "@example.org";
                    long sent = System.currentTimeMillis();
                    int status;
                    try {
                        status = client.post("api/customers", "{\"name\":\"W" + i + "\",\"email\":\"" + email + "\"}").status();
                    } catch (RuntimeException e) {
                        status = 0;
                    }
                    attempts.add(new Attempt(email, sent, System.currentTimeMillis(), status));
                    if (status != 200) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "group-writer-" + prefix);
            thread.setDaemon(true);
            thread.start();
        }

        public List<Attempt> attempts() {
            synchronized (attempts) {
                return List.copyOf(attempts);
            }
        }

        public List<Attempt> acknowledged() {
            return attempts().stream().filter(Attempt::acknowledged).toList();
        }

        /** Waits until {@code count} more writes than now were acknowledged. */
        public void awaitMore(int count, Duration within) throws InterruptedException {
            int target = acknowledged().size() + count;
            long deadline = System.nanoTime() + within.toNanos();
            while (acknowledged().size() < target) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(count + " more acknowledged writes not within " + within.toSeconds()
                            + " s; last attempts " + tail());
                }
                Thread.sleep(20);
            }
        }

        /** The first acknowledged write sent after {@code millis}, waiting for it up to {@code within}. */
        public Attempt firstAcknowledgedAfter(long millis, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                for (Attempt a : attempts()) {
                    if (a.acknowledged() && a.sentAt() > millis) {
                        return a;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no write acknowledged within " + within.toSeconds() + " s after " + millis
                            + "; last attempts " + tail());
                }
                Thread.sleep(20);
            }
        }

        private List<Attempt> tail() {
            List<Attempt> all = attempts();
            return all.subList(Math.max(0, all.size() - 5), all.size());
        }

        /** Stops writing once the write in flight is answered. */
        public void stop() {
            running = false;
            try {
                thread.join(40_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
