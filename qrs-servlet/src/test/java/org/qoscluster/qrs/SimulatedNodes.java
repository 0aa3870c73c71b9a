package org.qoscluster.qrs;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

import org.qoscluster.config.ServiceClass;

/**
 * Nodes and a router's selector on a virtual clock, for the selection's property tests: each
 * node answers a request after the latency its {@link Latency} gives for the moment the request
 * leaves, and the answers reach the node records in the order of their times, before any
 * request that arrives later is routed. Nothing waits on a real clock, so a run of minutes of
 * virtual time takes milliseconds and its outcome depends on the seed alone.
 */
final class SimulatedNodes {

    /** A node's latency, in microseconds, for a request that leaves at {@code sentNanos}. */
    interface Latency {
        long micros(long sentNanos);
    }

    /** A request sent: to which node, when, when its answer arrives. */
    record Sent(int node, long sentNanos, long answeredNanos) {
    }

    private final NodeSelector selector;
    private final List<NodeRecord> nodes = new ArrayList<>();
    private final List<Latency> latencies = new ArrayList<>();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(Comparator.comparingLong(Pending::answeredNanos));
    private final List<Sent> sent = new ArrayList<>();
    private long nowNanos;
    private int shed;

    private record Pending(int node, String serviceClass, long sentNanos, long answeredNanos) {
    }

    SimulatedNodes(NodeSelector selector, long startNanos) {
        this.selector = selector;
        this.nowNanos = startNanos;
    }

    /** Adds a healthy node answering with {@code latency}; its index. */
    int add(Latency latency) {
        NodeRecord n = new NodeRecord("node-" + (nodes.size() + 1), URI.create("http://127.0.0.1:1/"));
        n.markUp(1);
        nodes.add(n);
        latencies.add(latency);
        return nodes.size() - 1;
    }

    NodeRecord node(int index) {
        return nodes.get(index);
    }

    long now() {
        return nowNanos;
    }

    /** The clock moves on by {@code nanos}; the answers due meanwhile reach the records. */
    void advance(long nanos) {
        nowNanos += nanos;
        deliver();
    }

    /** A request of class {@code c} now: the node it went to, empty when it was shed. */
    Optional<Integer> request(ServiceClass c) {
        deliver();
        Optional<NodeRecord> chosen = selector.admit(nodes, c, null, nowNanos);
        if (chosen.isEmpty()) {
            shed++;
            return Optional.empty();
        }
        int index = nodes.indexOf(chosen.get());
        long answered = nowNanos + 1000 * Math.max(1, latencies.get(index).micros(nowNanos));
        pending.add(new Pending(index, c.name(), nowNanos, answered));
        sent.add(new Sent(index, nowNanos, answered));
        return Optional.of(index);
    }

    /** Every request that was not shed, in the order they were sent. */
    List<Sent> sent() {
        return sent;
    }

    int shed() {
        return shed;
    }

    private void deliver() {
        while (!pending.isEmpty() && pending.peek().answeredNanos() <= nowNanos) {
            Pending p = pending.poll();
            nodes.get(p.node()).end(p.serviceClass(), (p.answeredNanos() - p.sentNanos()) / 1000, false, p.answeredNanos());
        }
    }
}
