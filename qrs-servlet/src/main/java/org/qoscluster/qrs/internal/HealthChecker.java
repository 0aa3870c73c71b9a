package org.qoscluster.qrs.internal;

import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonReader;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;

import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.RouterSettings;

/**
 * Checks every node each interval: its health page must answer 200 within the time-out and
 * name the expected database copy ({@code "database": KEYWORD}, read from the database
 * itself). One failure takes the node out of rotation; {@code rise} successes in a row bring
 * it back. With the defaults (500 ms interval, 1 s time-out) a dead node is out within 1.5 s.
 * While the redundancy group changes masters ({@link GroupChange}) a failing check keeps a node
 * in rotation and one passing check brings a node that is out back.
 */
final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final RouterSettings settings;
    private final List<NodeRecord> nodes;
    private final HttpClient client;
    private final ScheduledExecutorService timer;
    private final Set<NodeRecord> checking = ConcurrentHashMap.newKeySet();
    private final java.util.function.Supplier<String> expected;
    private final Group group;
    /** Run after each round's checks are sent (never throws out of the round). */
    private final Runnable afterRound;
    /** Since when each node that left rotation is out (epoch ms). */
    private final Map<NodeRecord, Long> outSince = new ConcurrentHashMap<>();
    /** When a node in rotation began failing its checks, while it has not passed one since. */
    private final Map<NodeRecord, Long> failingSince = new ConcurrentHashMap<>();
    /**
     * The longest a node failing its checks is kept in rotation because the group is changing
     * masters: longer than a failover takes, so that a group stuck between masters (or one whose
     * only copy is down) does not keep failing nodes in rotation for good.
     */
    static final long KEEP_WHILE_CHANGING_MS = 10_000;

    /** What the checks need of the application's redundancy group. */
    interface Group {
        /** None: never changing masters, nothing recorded. */
        Group NONE = new Group() {
            @Override
            public boolean changing() {
                return false;
            }

            @Override
            public void backInRotation(String node, long outMillis, long backMillis) {
            }
        };

        /** Whether it is changing masters now ({@link GroupChange}). */
        boolean changing();

        /** A node that was out (from {@code outMillis}, 0 if unknown) is back in rotation: for the group's timeline. */
        void backInRotation(String node, long outMillis, long backMillis);
    }

    HealthChecker(RouterSettings settings, List<NodeRecord> nodes, HttpClient client, ThreadFactory threads,
                  java.util.function.Supplier<String> expected, Group group, Runnable afterRound) {
        this.settings = settings;
        this.afterRound = afterRound;
        this.expected = expected;
        this.group = group;
        this.nodes = nodes;
        this.client = client;
        this.timer = Executors.newSingleThreadScheduledExecutor(threads);
    }

    void start() {
        var unused = timer.scheduleWithFixedDelay(this::checkAll, 0, settings.healthIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * One check per node at a time, as HAProxy does: a node slower than the interval gets no pile
     * of checks whose late answers would interleave. Never throws, since a scheduled task that
     * throws is never run again and every node would stay where it was.
     */
    private void checkAll() {
        for (NodeRecord node : nodes) {
            if (!checking.add(node)) {
                continue;
            }
            CompletableFuture<ContentResponse> answer;
            try {
                // Bounded by the future, not by the client's own time-out: Jetty's client can, rarely,
                // leave a request whose connection closed at once without any completion, and this
                // node would never be checked again. Timing out the future aborts the request.
                answer = new CompletableResponseListener(
                        client.newRequest(node.base().resolve(settings.healthPath().substring(1))), 64 * 1024)
                        .send().orTimeout(settings.healthTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException | LinkageError e) {
                checking.remove(node);
                record(node, "health check not sent: " + e);
                continue;
            }
            var unused = answer.whenComplete((response, failure) -> {
                checking.remove(node);
                try {
                    record(node, failure == null ? verdict(response.getStatus(), response.getContentAsString())
                            : failure instanceof TimeoutException
                                    ? "health check failed: no answer within " + settings.healthTimeoutMs() + " ms"
                                    : "health check failed: " + failure);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "node={0} recording its health check failed: {1}", new Object[] {node.name(), e.toString()});
                }
            });
        }
        try {
            afterRound.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "after the health checks: {0}", e.toString());
        }
    }

    private void record(NodeRecord node, String problem) {
        boolean wasHealthy = node.healthy();
        String before = node.lastHealthProblem();
        if (problem == null) {
            failingSince.remove(node);
            // A node that went out while the group changed masters failed for the group's sake,
            // as every node did: its first passing check brings it back.
            boolean changing = !wasHealthy && group.changing();
            node.markUp(changing ? 1 : settings.healthRise());
            if (!wasHealthy && node.healthy()) {
                LOG.log(Level.INFO, "node={0} back in rotation", node.name());
                Long out = outSince.remove(node);
                group.backInRotation(node.name(), out == null ? 0 : out, System.currentTimeMillis());
            }
        } else if (wasHealthy && group.changing()
                && System.currentTimeMillis() - failingSince.computeIfAbsent(node, n -> System.currentTimeMillis())
                < KEEP_WHILE_CHANGING_MS) {
            // While the database group changes masters (a few seconds) every node's health page
            // waits for the new master; the nodes still serve reads from their replicas, and
            // their writes go on once the new master opens. Taking them all out would refuse
            // every request instead.
            LOG.log(Level.FINE, "node={0} kept in rotation while the database group changes masters: {1}",
                    new Object[] {node.name(), problem});
        } else {
            node.markDown(problem);
            failingSince.remove(node);
            if (wasHealthy) {
                outSince.put(node, System.currentTimeMillis());
                LOG.log(Level.WARNING, "node={0} out of rotation: {1}", new Object[] {node.name(), problem});
            } else if (!problem.equals(before)) {
                // Why a node stays out (starting, refusing, timing out), once per change of reason.
                LOG.log(Level.INFO, "node={0} not in rotation: {1}", new Object[] {node.name(), problem});
            }
        }
    }

    private String verdict(int status, String body) {
        if (status != 200) {
            return "health page answered " + status;
        }
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            String database = reader.readObject().getString("database", "");
            String want = expected.get();
            return want.equals(database) ? null : "health page names database '" + database + "', expected '" + want + "'";
        } catch (RuntimeException e) {
            return "health page is not the expected JSON: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
