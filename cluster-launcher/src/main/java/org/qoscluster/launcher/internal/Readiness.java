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

import org.qoscluster.launcher.LauncherException;

/** Waits until a part answers, and fails early when the process died meanwhile. */
public final class Readiness {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Clock clock;

    public Readiness(Clock clock) {
        this.clock = clock;
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
            try (Connection c = DriverManager.getConnection(jdbcUrl + ";create=true", "qos", "qos");
                 var label = c.prepareCall("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('qos.copy.name', ?)")) {
                label.setString(1, copyName);
                label.execute();
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    /** Waits until {@code uri} answers 200. */
    public void awaitHttp(String part, URI uri, BooleanSupplier alive, Instant deadline) {
        await(part, alive, deadline, () -> {
            try {
                HttpRequest r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
                return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while waiting for " + part, e);
            }
        });
    }

    private void await(String part, BooleanSupplier alive, Instant deadline, BooleanSupplier ready) {
        while (true) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!alive.getAsBoolean()) {
                throw new LauncherException(part + " exited before it was ready");
            }
            if (clock.instant().isAfter(deadline)) {
                throw new LauncherException(part + " was not ready by " + deadline);
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
