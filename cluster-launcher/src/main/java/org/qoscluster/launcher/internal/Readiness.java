package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.LauncherException;

/** Waits until a part answers, and fails early when the process died meanwhile. */
public final class Readiness {

    private static final Duration POLL = Duration.ofMillis(250);
    private final Clock clock;
    private final String dbPassword;

    /** @param dbPassword the password of {@link ClusterConfig#DB_USER} on every Derby server */
    public Readiness(Clock clock, String dbPassword) {
        this.clock = clock;
        this.dbPassword = dbPassword;
    }

    /** Whether nothing listens on {@code host:port} (a server socket can be bound there). */
    public static boolean portFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until a Derby network server accepts a JDBC connection, creating the database, and
     * labels the copy with the database property {@code qos.copy.name} (what the nodes' health
     * page reads back, so the router can check which copy a node reaches).
     */
    public void awaitDatabase(String part, String jdbcUrl, String copyName, BooleanSupplier alive, Instant deadline) {
        await(part, alive, deadline, () -> {
            try (Connection c = DriverManager.getConnection(jdbcUrl + ";create=true", ClusterConfig.DB_USER, dbPassword);
                 var label = c.prepareCall("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('qos.copy.name', ?)")) {
                label.setString(1, copyName);
                label.execute();
                return null;
            } catch (SQLException e) {
                return e.getMessage();
            }
        });
    }

    /**
     * Waits until the Derby server of a copy on another host, started by that host's launcher,
     * accepts a JDBC connection to its database.
     */
    public void awaitRemoteDatabase(String part, String jdbcUrl, Instant deadline) {
        await(part, () -> true, deadline, () -> {
            try (Connection c = DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, dbPassword)) {
                return c.isValid(5) ? null : jdbcUrl + " does not answer";
            } catch (SQLException e) {
                return e.getMessage();
            }
        });
    }

    /**
     * Waits until the replication agent has installed capture on the master and made the initial
     * copy of {@code jdbcUrl}, a replica: its watermark table has its row.
     */
    public void awaitReplicaCopied(String part, String jdbcUrl, BooleanSupplier alive, Instant deadline) {
        await(part, alive, deadline, () -> {
            try (Connection c = DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, dbPassword);
                 var s = c.createStatement();
                 var r = s.executeQuery("SELECT COUNT(*) FROM QOS_WATERMARK")) {
                r.next();
                return r.getLong(1) > 0 ? null : "no initial copy yet";
            } catch (SQLException e) {
                return e.getMessage();
            }
        });
    }

    /** Waits until {@code uri} answers 200. */
    public void awaitHttp(String part, URI uri, BooleanSupplier alive, Instant deadline) {
        // One client per wait, closed connections and all: a probe never reuses a connection
        // that the starting server dropped.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        await(part, alive, deadline, () -> {
            try {
                HttpRequest r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
                HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
                String body = answer.body().strip();
                // The body says why (the router's site page lists its nodes' health).
                return answer.statusCode() == 200 ? null : uri + " answered " + answer.statusCode()
                        + (body.isEmpty() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300) + "..." : body));
            } catch (IOException e) {
                return uri + ": " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while waiting for " + part, e);
            }
        });
    }

    /** Polls {@code probe} (null when ready, else what is wrong) until ready, dead or late. */
    private void await(String part, BooleanSupplier alive, Instant deadline, Supplier<String> probe) {
        while (true) {
            String problem = probe.get();
            if (problem == null) {
                return;
            }
            if (!alive.getAsBoolean()) {
                throw new LauncherException(part + " exited before it was ready (last probe: " + problem + ")");
            }
            if (clock.instant().isAfter(deadline)) {
                throw new LauncherException(part + " was not ready by " + deadline + " (last probe: " + problem + ")");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while waiting for " + part, e);
            }
        }
    }
}
