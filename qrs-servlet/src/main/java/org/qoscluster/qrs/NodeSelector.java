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
 * <li>Goal: the predicted latency of a node for the class is its p95 estimate scaled by its
 * load, {@code p95 * (1 + inFlight / capacity)}. Among admissible nodes that meet the class's
 * goal, two are drawn at random and the less loaded wins (power of two choices): a loose goal
 * may use a slow node, keeping fast ones for tight goals. When none meets the goal, the node
 * with the fewest requests in flight is taken, the lower prediction among equals. Taking the
 * lowest prediction alone there would herd: every request would go to one node until its
 * estimate rose past the other's, the other's estimate would age meanwhile, and the load would
 * swing between them (seen as 438 to 37 pages between two equal nodes under a missed goal).
 * The fewest in flight is what a request's wait depends on once the goal is lost, and a slow
 * node, holding its requests longer, gets fewer of them by itself.</li>
 * </ol>
 */
public final class NodeSelector {

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
        for (NodeRecord n : room) {
            double p = predictedMicros(n, c, nowNanos);
            if (p <= goalMicros) {
                meeting.add(n);
            }
            int inFlight = n.inFlight();
            if (inFlight < bestInFlight || (inFlight == bestInFlight && p < bestPrediction)) {
                bestInFlight = inFlight;
                bestPrediction = p;
                best = n;
            }
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

    /** The latency a request of class {@code c} can expect on node {@code n}, in microseconds. */
    public double predictedMicros(NodeRecord n, ServiceClass c, long nowNanos) {
        return n.record(c.name()).p95Micros(nowNanos) * (1.0 + (double) n.inFlight() / capacity);
    }
}
