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
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.LauncherException;

/** Waits until a part answers, and fails early when the process died meanwhile. */
public final class Readiness {

    private static final Duration POLL = Duration.ofMillis(100);
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

    /**
     * Waits until every table of {@code tables} exists in the user's schema of the database at
     * {@code jdbcUrl} (the application's tables, which the nodes' JPA layer creates when it
     * deploys), or until {@code stop} says to wait no longer or {@code deadline} has passed.
     * Returns whether they all exist.
     */
    public boolean awaitTables(String jdbcUrl, List<String> tables, BooleanSupplier stop, Instant deadline) {
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, dbPassword)) {
                while (true) {
                    if (missingTables(c, tables).isEmpty()) {
                        return true;
                    }
                    if (stop.getAsBoolean() || clock.instant().isAfter(deadline)) {
                        return false;
                    }
                    pause("the tables " + tables);
                }
            } catch (SQLException e) {
                if (stop.getAsBoolean() || clock.instant().isAfter(deadline)) {
                    return false;
                }
                pause("the tables " + tables);
            }
        }
    }

    private static List<String> missingTables(Connection c, List<String> tables) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = c.getSchema();
        List<String> missing = new ArrayList<>();
        for (String t : tables) {
            try (ResultSet r = md.getTables(null, schema, t.toUpperCase(Locale.ROOT), new String[] {"TABLE"})) {
                if (!r.next()) {
                    missing.add(t);
                }
            }
        }
        return missing;
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

    /**
     * Waits, at most until {@code limit}, until the group's status as one of {@code statusUris}
     * (a node's {@code /qos-group/status}, asked with {@code adminToken}) tells it shows each of
     * {@code replicas} readied for a promotion ({@link GroupStatusView#replicasReadied}): until then a
     * replica's applies wait behind its first readying's DDL, seconds each on a cold server.
     * Returns null once they are, else the last thing that was missing; never fails the start.
     */
    public String awaitReplicasReadied(List<URI> statusUris, String adminToken, List<String> replicas, Instant limit) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        ObjectMapper json = new ObjectMapper();
        String missing = "no node answered";
        while (true) {
            for (URI uri : statusUris) {
                try {
                    HttpRequest r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                            .header("Authorization", "Bearer " + adminToken).GET().build();
                    HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() != 200) {
                        missing = uri + " answered " + answer.statusCode();
                        continue;
                    }
                    if (GroupStatusView.replicasReadied(json.readTree(answer.body()), replicas)) {
                        return null;
                    }
                    missing = "a replica not readied for a promotion yet";
                    break;
                } catch (IOException e) {
                    missing = uri + ": " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted";
                }
            }
            if (clock.instant().isAfter(limit)) {
                return missing;
            }
            pause("the replicas' readying");
        }
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
            pause(part);
        }
    }

    private static void pause(String waitingFor) {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for " + waitingFor, e);
        }
    }
}
