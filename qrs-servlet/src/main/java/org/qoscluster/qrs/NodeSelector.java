package org.qoscluster.qrs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.qoscluster.config.ServiceClass;

/**
 * Picks the node for a request of a service class.
 *
 * <ol>
 * <li>Admission: a node takes a request of a class only while its requests in flight are under
 * {@code capacity * share(priority)}, where {@code share = 0.5 + 0.5 * priority / 100}, and
 * under the class's own cap. As load grows, low-priority classes run out of room first and are
 * shed (503), so high-priority classes keep both room and latency.</li>
 * <li>Probe: a node with room whose estimate for the class misses the goal and is stale (no
 * answer and no probe for {@link ClassRecord#STALE_AFTER_NANOS}) would otherwise never be chosen
 * again, so its estimate would never change: a node slow once, under a burst, would stay out
 * for good after it recovered. Every {@link #PROBE_EVERY}-th request of the class that finds such a
 * node goes to it; with several, to the one refreshed longest ago. Its answer starts a new
 * estimate ({@link ClassRecord}). So a node that recovered is measured again at most
 * {@code STALE_AFTER} plus {@code PROBE_EVERY} requests per such node after its last slow
 * answer, and one that stays slow gets at most one request in {@code PROBE_EVERY} of the class
 * and one per {@code STALE_AFTER}. The count is the node's own and the choice uses the clock
 * the caller passes, no random draw, so the probes are the same for the same requests.</li>
 * <li>Goal: the predicted latency of a node for the class is its p95 estimate scaled by its
 * load, {@code p95 * (1 + inFlight / capacity)}. Among admissible nodes that meet the class's
 * goal, two are drawn at random and the less loaded wins (power of two choices): a loose goal
 * may use a slow node, keeping fast ones for tight goals. When none meets the goal, the node
 * with the fewest requests in flight is taken, the lower prediction among equals. Taking the
 * lowest prediction alone there would herd: every request would go to one node until its
 * estimate rose past the other's, and the load would swing between them (seen as 438 to 37
 * pages between two equal nodes under a missed goal). The fewest in flight is what a request's
 * wait depends on once the goal is lost, and a slow node, holding its requests longer, gets
 * fewer of them by itself.</li>
 * </ol>
 *
 * <p>Per request: one pass over the nodes, reading each one's counts and estimate; the probe
 * adds one volatile read per node that misses the goal and, only when one is stale, one atomic
 * increment.
 */
public final class NodeSelector {

    /** One request in this many of a class, at most, probes a stale node that misses the goal. */
    static final int PROBE_EVERY = 20;

    private final int capacity;
    private final RandomGenerator random;

    public NodeSelector(int capacity, RandomGenerator random) {
        this.capacity = capacity;
        this.random = random;
    }

    /** Requests of this priority a node may have in flight. */
    public int admissible(ServiceClass c) {
        return Math.max(1, (int) Math.floor(capacity * (0.5 + 0.5 * c.priority() / 100.0)));
    }

    /**
     * The node for a request, or empty when every healthy node is out of room for this class
     * (the request is shed). {@code exclude} is a node already tried, or null.
     */
    public Optional<NodeRecord> select(List<NodeRecord> nodes, ServiceClass c, NodeRecord exclude, long nowNanos) {
        int limit = admissible(c);
        List<NodeRecord> room = new ArrayList<>();
        for (NodeRecord n : nodes) {
            if (n.healthy() && n != exclude && n.inFlight() < limit
                    && (c.maxConcurrency() == 0 || n.inFlight(c.name()) < c.maxConcurrency())) {
                room.add(n);
            }
        }
        if (room.isEmpty()) {
            return Optional.empty();
        }
        double goalMicros = c.p95Millis() * 1000.0;
        List<NodeRecord> meeting = new ArrayList<>();
        NodeRecord best = null;
        int bestInFlight = Integer.MAX_VALUE;
        double bestPrediction = Double.MAX_VALUE;
        NodeRecord stalest = null;
        ClassRecord stalestRecord = null;
        long stalestAge = ClassRecord.STALE_AFTER_NANOS - 1;
        for (NodeRecord n : room) {
            ClassRecord record = n.record(c.name());
            int inFlight = n.inFlight();
            double p = predictedMicros(record, inFlight);
            if (p <= goalMicros) {
                meeting.add(n);
            } else {
                long age = nowNanos - record.refreshedNanos();
                if (age > stalestAge) {
                    stalestAge = age;
                    stalest = n;
                    stalestRecord = record;
                }
            }
            if (inFlight < bestInFlight || (inFlight == bestInFlight && p < bestPrediction)) {
                bestInFlight = inFlight;
                bestPrediction = p;
                best = n;
            }
        }
        if (stalestRecord != null && stalestRecord.probeTurn(nowNanos, PROBE_EVERY)) {
            return Optional.of(stalest);
        }
        if (meeting.isEmpty()) {
            return Optional.of(best);
        }
        NodeRecord a = meeting.get(random.nextInt(meeting.size()));
        if (meeting.size() == 1) {
            return Optional.of(a);
        }
        NodeRecord b = meeting.get(random.nextInt(meeting.size()));
        return Optional.of(b.inFlight() < a.inFlight() ? b : a);
    }

    /**
     * {@link #select}, and the chosen node's slot taken in the same step
     * ({@link NodeRecord#tryBegin}), so that requests choosing at the same moment cannot push a
     * node past the admission limits. A node that filled up meanwhile is passed over by choosing
     * again; empty when no node has room (the request is shed).
     */
    public Optional<NodeRecord> admit(List<NodeRecord> nodes, ServiceClass c, NodeRecord exclude, long nowNanos) {
        for (int attempt = 0; attempt <= 2 * nodes.size(); attempt++) {
            Optional<NodeRecord> n = select(nodes, c, exclude, nowNanos);
            if (n.isEmpty() || n.get().tryBegin(c.name(), admissible(c), c.maxConcurrency())) {
                return n;
            }
        }
        return Optional.empty();
    }

    /**
     * Takes a slot on node {@code n}, the one a request must go to (its user's pending write or
     * session is there), under the same admission limits as {@link #admit}: false, nothing
     * taken, when {@code n} has no room for class {@code c} (the request is shed).
     */
    public boolean admitOn(NodeRecord n, ServiceClass c) {
        return n.tryBegin(c.name(), admissible(c), c.maxConcurrency());
    }

    /** The latency a request of class {@code c} can expect on node {@code n}, in microseconds. */
    public double predictedMicros(NodeRecord n, ServiceClass c) {
        return predictedMicros(n.record(c.name()), n.inFlight());
    }

    private double predictedMicros(ClassRecord record, int inFlight) {
        return record.p95Micros() * (1.0 + (double) inFlight / capacity);
    }
}
