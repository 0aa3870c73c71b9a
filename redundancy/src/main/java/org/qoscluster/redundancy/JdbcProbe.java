package org.qoscluster.redundancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Probes a database copy the way a writer reaches it: a JDBC connection and one query,
 * {@code VALUES 1}.
 * <p>
 * A new connection costs a Derby server some 3-5 ms of CPU (the session, the authentication),
 * and a heartbeat every 300 ms on every copy made that a steady share of a small copy's CPU. So
 * the probe keeps its connection and asks on it, and opens a new one at least every
 * {@code freshEvery}: a server that stopped accepting connections (while it still answers the
 * ones it has) fails a probe within that time. A process that died resets the kept connection,
 * and a stopped one (whose kernel still completes a TCP handshake) does not answer on it, as
 * before. When the kept connection fails, the same look tries a new connection before it fails:
 * a copy that restarted answers the first probe after it, and a failed probe always means a new
 * connection failed too (or did not answer within the monitor's time-out).
 * <p>
 * The monitor runs one look of a probe at a time; {@link #close} may come from another thread,
 * also while a look waits on a copy that does not answer.
 */
public final class JdbcProbe implements Probe {

    /** How long a probe asks on the same connection before it opens a new one. */
    public static final Duration FRESH_EVERY = Duration.ofSeconds(2);

    private final String url;
    private final String user;
    private final String password;
    private final long freshEveryNanos;
    private final LongSupplier nanoTime;
    private final AtomicReference<Connection> kept = new AtomicReference<>();
    private final AtomicLong opened = new AtomicLong();
    private long openedAt;
    private volatile boolean closed;

    public JdbcProbe(String url, String user, String password) {
        this(url, user, password, FRESH_EVERY, System::nanoTime);
    }

    JdbcProbe(String url, String user, String password, Duration freshEvery, LongSupplier nanoTime) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.freshEveryNanos = freshEvery.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public void check() throws Exception {
        Connection c = kept.get();
        if (c != null && nanoTime.getAsLong() - openedAt < freshEveryNanos) {
            try {
                ask(c);
                return;
            } catch (SQLException | RuntimeException e) {
                // a new connection decides
            }
        }
        drop();
        c = DriverManager.getConnection(url, user, password);
        opened.incrementAndGet();
        try {
            ask(c);
        } catch (SQLException | RuntimeException e) {
            quietly(c);
            throw e;
        }
        openedAt = nanoTime.getAsLong();
        kept.set(c);
        if (closed) {
            drop(); // closed while this look ran: keep nothing
        }
    }

    private void ask(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("VALUES 1")) {
            if (!r.next()) {
                throw new SQLException(url + " answered VALUES 1 with no row");
            }
        }
    }

    /** How many connections this probe has opened. */
    long connectionsOpened() {
        return opened.get();
    }

    @Override
    public void close() {
        closed = true;
        drop();
    }

    private void drop() {
        Connection c = kept.getAndSet(null);
        if (c != null) {
            quietly(c);
        }
    }

    private static void quietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // a connection that failed has nothing left to release
        }
    }

    @Override
    public String toString() {
        return "JdbcProbe[" + url + "]";
    }
}
