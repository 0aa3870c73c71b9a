package org.qoscluster.qrs;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the router knows of one node: its address, its health, the requests it has in flight
 * and, per service class, how it has performed ({@link ClassRecord}).
 */
public final class NodeRecord {

    private final String name;
    private final URI base;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, ClassRecord> classes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> classInFlight = new ConcurrentHashMap<>();
    private final AtomicLong served = new AtomicLong();
    private volatile boolean healthy;
    private volatile int consecutiveOk;
    private volatile String lastHealthProblem = "not checked yet";

    public NodeRecord(String name, URI base) {
        this.name = name;
        this.base = base;
    }

    public String name() {
        return name;
    }

    /** Base URI, for example {@code http://127.0.0.1:8081/}. */
    public URI base() {
        return base;
    }

    public boolean healthy() {
        return healthy;
    }

    public String lastHealthProblem() {
        return lastHealthProblem;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int inFlight(String serviceClass) {
        AtomicInteger n = classInFlight.get(serviceClass);
        return n == null ? 0 : n.get();
    }

    public long served() {
        return served.get();
    }

    public ClassRecord record(String serviceClass) {
        return classes.computeIfAbsent(serviceClass, c -> new ClassRecord());
    }

    public Map<String, ClassRecord> records() {
        return Map.copyOf(classes);
    }

    /** A request of {@code serviceClass} leaves for this node, room or not (a user held to it). */
    public void begin(String serviceClass) {
        inFlight.incrementAndGet();
        classInFlight.computeIfAbsent(serviceClass, c -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * A request of {@code serviceClass} leaves for this node if it has room: fewer than
     * {@code limit} requests in flight and, when {@code classLimit > 0}, fewer than that many of
     * this class. Checked and counted in one step, so requests admitted at the same moment never
     * overfill the node (they did: 24 clients starting together pushed both nodes past every
     * class's limit, and the high-priority class was shed). Whether it left.
     */
    public boolean tryBegin(String serviceClass, int limit, int classLimit) {
        AtomicInteger ofClass = classInFlight.computeIfAbsent(serviceClass, c -> new AtomicInteger());
        if (!incrementBelow(inFlight, limit)) {
            return false;
        }
        if (classLimit > 0 && !incrementBelow(ofClass, classLimit)) {
            inFlight.decrementAndGet();
            return false;
        }
        if (classLimit <= 0) {
            ofClass.incrementAndGet();
        }
        return true;
    }

    /** A request counted by {@link #begin} or {@link #tryBegin} was never sent. */
    public void cancel(String serviceClass) {
        inFlight.decrementAndGet();
        classInFlight.get(serviceClass).decrementAndGet();
    }

    private static boolean incrementBelow(AtomicInteger n, int limit) {
        int now;
        do {
            now = n.get();
            if (now >= limit) {
                return false;
            }
        } while (!n.compareAndSet(now, now + 1));
        return true;
    }

    /** The request has ended; its latency and outcome update the class record. */
    public void end(String serviceClass, long latencyMicros, boolean error, long nowNanos) {
        inFlight.decrementAndGet();
        classInFlight.get(serviceClass).decrementAndGet();
        served.incrementAndGet();
        record(serviceClass).add(latencyMicros, error, nowNanos);
    }

    /** A health check (or a failed connection) said the node is down: out of rotation at once. */
    public synchronized void markDown(String problem) {
        consecutiveOk = 0;
        healthy = false;
        lastHealthProblem = problem;
    }

    /** A health check succeeded; after {@code rise} in a row the node is back in rotation. */
    public synchronized void markUp(int rise) {
        consecutiveOk++;
        if (consecutiveOk >= rise) {
            healthy = true;
            lastHealthProblem = null;
        }
    }
}
