package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.qrs.GoalReloader;
import org.qoscluster.qrs.GoalState;

/**
 * Reads the router's own {@code domain.xml} every {@link #PERIOD_MS} ms and, when its bytes
 * changed, hands it to {@link GoalReloader}; the outcome replaces the router's goal state in one
 * step. Payara reads {@code domain.xml} only at boot (its MicroProfile Config source serves the
 * configuration loaded then), so the router reads the file itself. Comparing the bytes, not the
 * modification time, also catches two writes within one clock tick; a file caught half written
 * is refused and read again once its bytes change.
 */
final class GoalWatcher implements AutoCloseable {

    static final long PERIOD_MS = 500;
    private static final Logger LOG = Logger.getLogger(GoalWatcher.class.getName());

    private final Path file;
    private final AtomicReference<GoalState> state;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private byte[] last;
    private String lastProblem;

    GoalWatcher(Path file, AtomicReference<GoalState> state, Clock clock, ThreadFactory threads) {
        this.file = file;
        this.state = state;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(threads);
    }

    void start() {
        var unused = timer.scheduleWithFixedDelay(this::poll, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** One look at the file; runs on the timer's one thread only. */
    void poll() {
        try {
            byte[] now;
            try {
                now = Files.readAllBytes(file);
            } catch (IOException e) {
                String problem = "cannot read " + file + " (" + e + ")";
                if (!problem.equals(lastProblem)) {
                    lastProblem = problem;
                    last = null;
                    apply(GoalReloader.unreadable(state.get(), problem, clock.instant()));
                }
                return;
            }
            lastProblem = null;
            if (last != null && Arrays.equals(last, now)) {
                return;
            }
            boolean first = last == null;
            last = now;
            GoalReloader.Outcome o = GoalReloader.next(state.get(), new String(now, StandardCharsets.UTF_8), clock.instant());
            if (first && o.logLine().isEmpty()) {
                LOG.info(() -> "router goals: watching " + file + " for changed QoS goals");
            }
            apply(o);
        } catch (RuntimeException e) {
            // The timer must keep running whatever one look at the file did.
            LOG.log(Level.WARNING, "router goals: reading " + file + " failed", e);
        }
    }

    private void apply(GoalReloader.Outcome o) {
        state.set(o.state());
        if (!o.logLine().isEmpty()) {
            if (o.error()) {
                LOG.warning(() -> "router goals: " + file + ": " + o.logLine());
            } else {
                LOG.info(() -> "router goals: " + file + ": " + o.logLine());
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
