package org.qoscluster.redundancy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Heartbeats over the copies of one redundancy group (R7): every beat probes each copy, at
 * most one probe per copy at a time, and waits for them at most the time-out. A copy whose
 * probe answered is {@link CopyHealth#AVAILABLE}; one whose probe failed, or had not answered
 * by the time-out (a hung process: {@code SIGSTOP}, a full disk), is
 * {@link CopyHealth#SUSPECT}, and {@link CopyHealth#UNAVAILABLE} after {@code retries} such
 * beats in a row. A late probe is left to finish on its own thread; until it does, each beat
 * counts the copy as failed again rather than start another. Every change of status goes to
 * the listener with its reason.
 */
public final class HeartbeatMonitor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HeartbeatMonitor.class.getName());

    /** Told of every change of a copy's status. */
    @FunctionalInterface
    public interface Listener {
        void changed(String copy, CopyHealth from, CopyHealth to, String reason);
    }

    /** A copy's status, since when, and the failed beats in a row behind it. */
    public record State(CopyHealth status, Instant since, int failures, String reason) {
    }

    private volatile Map<String, Probe> probes;
    private final GroupSettings settings;
    private final Clock clock;
    private final Listener listener;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService probing;
    private ScheduledExecutorService loop;

    public HeartbeatMonitor(Map<String, Probe> probes, GroupSettings settings, Clock clock, Listener listener) {
        this.probes = Collections.unmodifiableMap(new LinkedHashMap<>(probes));
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.probing = Executors.newCachedThreadPool(daemon("qos-heartbeat-probe"));
        Instant now = clock.instant();
        probes.keySet().forEach(m -> states.put(m, new State(CopyHealth.UNKNOWN, now, 0, "not probed yet")));
    }

    /** One beat: probes every copy not still busy with an earlier probe, waits at most the time-out. */
    public void beat() {
        Map<String, Future<?>> started = new LinkedHashMap<>();
        Map<String, Probe> copies = this.probes;
        copies.forEach((copy, probe) -> {
            Future<?> busy = inFlight.get(copy);
            if (busy == null || busy.isDone()) {
                Future<?> f = probing.submit(() -> {
                    probe.check();
                    return null;
                });
                inFlight.put(copy, f);
                started.put(copy, f);
            }
        });
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        for (String copy : copies.keySet()) {
            Future<?> f = started.get(copy);
            if (f == null) {
                failed(copy, "its probe of an earlier beat has not answered yet");
                continue;
            }
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                answered(copy);
            } catch (TimeoutException e) {
                failed(copy, "no answer within " + settings.timeout().toMillis() + " ms");
            } catch (ExecutionException e) {
                failed(copy, String.valueOf(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void answered(String copy) {
        update(copy, CopyHealth.AVAILABLE, 0, "answered");
    }

    private void failed(String copy, String why) {
        State before = states.get(copy);
        int failures = (before == null ? 0 : before.failures()) + 1;
        CopyHealth to = failures >= settings.retries() ? CopyHealth.UNAVAILABLE : CopyHealth.SUSPECT;
        update(copy, to, failures, why + " (" + failures + " in a row)");
    }

    private void update(String copy, CopyHealth to, int failures, String reason) {
        State before = states.get(copy);
        if (before == null) {
            return; // removed meanwhile
        }
        boolean changed = before.status() != to;
        states.put(copy, new State(to, changed ? clock.instant() : before.since(), failures, reason));
        if (changed) {
            LOG.log(Level.INFO, "copy={0} {1} -> {2}: {3}", new Object[] {copy, before.status(), to, reason});
            try {
                listener.changed(copy, before.status(), to, reason);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "copy={0} status listener failed: {1}", new Object[] {copy, e});
            }
        }
    }

    /**
     * Probes {@code now} from the next beat on (copies were added or removed): a copy that
     * stays keeps its state, a new one starts unknown.
     */
    public void copies(Map<String, Probe> now) {
        Instant at = clock.instant();
        now.keySet().forEach(m -> states.putIfAbsent(m, new State(CopyHealth.UNKNOWN, at, 0, "not probed yet")));
        Map<String, Probe> before = probes;
        probes = Collections.unmodifiableMap(new LinkedHashMap<>(now));
        closeUnused(before.values(), now.values());
        states.keySet().retainAll(now.keySet());
        inFlight.keySet().retainAll(now.keySet());
    }

    /**
     * Whether a beat right now may count {@code copy} as failed once more than the beats so far:
     * only while its last probe answered (an extra beat for a copy already failing would count
     * two failures less than a period apart). What an early beat, on a node's word that the
     * master refuses connections, is allowed for.
     */
    public boolean answering(String copy) {
        State st = states.get(copy);
        return st != null && st.status() == CopyHealth.AVAILABLE && st.failures() == 0;
    }

    /** The copies probed now. */
    public Set<String> copies() {
        return probes.keySet();
    }

    /** The current state of every copy, in the order they were given. */
    public Map<String, State> states() {
        Map<String, State> copy = new LinkedHashMap<>();
        probes.keySet().forEach(m -> {
            State st = states.get(m);
            if (st != null) {
                copy.put(m, st);
            }
        });
        return copy;
    }

    /** Beats every period, on a thread of its own, until {@link #close()}. */
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(daemon("qos-heartbeat"));
        var unused = loop.scheduleWithFixedDelay(() -> {
            try {
                beat();
            } catch (RuntimeException e) {
                // A scheduled task that throws is never run again: log and go on.
                LOG.log(Level.WARNING, "copies={0} heartbeat failed: {1}", new Object[] {probes.keySet(), e});
            }
        }, 0, settings.period().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.shutdownNow();
            loop = null;
        }
        probing.shutdownNow();
        closeLater(List.copyOf(probes.values()));
    }

    /** Closes the probes of {@code before} not among {@code now}. */
    private static void closeUnused(Collection<Probe> before, Collection<Probe> now) {
        Set<Probe> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(now);
        closeLater(before.stream().filter(p -> !kept.contains(p)).toList());
    }

    /**
     * Closes {@code unused} on a thread of its own: a probe whose copy does not answer may hold
     * its connection in a read that does not return, and closing it may wait for that read.
     */
    private static void closeLater(List<Probe> unused) {
        if (unused.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> unused.forEach(p -> {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "probe {0} did not close: {1}", new Object[] {p, e});
            }
        }), "qos-heartbeat-probe-close");
        t.setDaemon(true);
        t.start();
    }

    /**
     * How long after a beat that took {@code beatMillis} the next one begins: a period after the
     * last one began, at once when the beat took a period or longer (never several at once to
     * catch up: each failed beat counts as one of the retries, so beats must stay apart).
     */
    public static Duration nextBeatIn(Duration period, long beatMillis) {
        return Duration.ofMillis(Math.max(0, period.toMillis() - Math.max(0, beatMillis)));
    }

    /** How long at most a copy that stops answering stays out of {@code UNAVAILABLE}. */
    public Duration detectionBound() {
        return settings.detectionBound();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
