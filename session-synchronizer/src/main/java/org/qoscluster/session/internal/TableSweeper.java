package org.qoscluster.session.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the session table bounded: every {@value #EVERY_SECONDS} s (the first time after a random
 * part of that, so that nodes started together do not sweep together) deletes through the master
 * path the rows that expired more than {@value #GRACE_MS} ms ago (a grace for clock differences
 * between the members that wrote them and this one). Hazelcast's expiry of a map entry does not
 * reach the {@code MapStore}, so without this an idle session's row would stay. Every node sweeps;
 * the deletes are idempotent and replicate like any other.
 */
final class TableSweeper implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TableSweeper.class.getName());
    static final long EVERY_SECONDS = 60;
    static final long GRACE_MS = 60_000;

    private final ScheduledExecutorService timer;

    TableSweeper(SessionTable table, LongSupplier clock, String node) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qos-session-table-sweep");
            t.setDaemon(true);
            return t;
        });
        var unused = timer.scheduleWithFixedDelay(() -> sweep(table, clock, node),
                ThreadLocalRandom.current().nextLong(EVERY_SECONDS * 1000), EVERY_SECONDS * 1000, TimeUnit.MILLISECONDS);
    }

    private static void sweep(SessionTable table, LongSupplier clock, String node) {
        try {
            int gone = table.sweep(clock.getAsLong() - GRACE_MS);
            LOG.log(gone > 0 ? Level.INFO : Level.FINE, "node={0} session table: {1} expired rows deleted",
                    new Object[] {node, String.valueOf(gone)});
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "node={0} session table: expired rows not deleted (next try in {1} s): {2}",
                    new Object[] {node, String.valueOf(EVERY_SECONDS), e.toString()});
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
