package org.qoscluster.replication.internal;

import java.util.concurrent.TimeUnit;

import org.apache.derby.drda.NetworkServerControl;

/** A Derby network server on 127.0.0.1 for a test class, reached through the client driver as the agent's links are. */
final class NetworkDerby implements AutoCloseable {

    private final NetworkServerControl server;
    private final int port;

    private NetworkDerby(NetworkServerControl server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts one on a free port and waits (at most a minute) until it answers. */
    static NetworkDerby start() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NetworkServerControl server = new NetworkServerControl(java.net.InetAddress.getLoopbackAddress(), port);
        server.start(new java.io.PrintWriter(java.io.PrintWriter.nullWriter()));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                server.ping();
                return new NetworkDerby(server, port);
            } catch (Exception notYet) {
                if (System.nanoTime() > end) {
                    throw notYet;
                }
                Thread.sleep(50);
            }
        }
    }

    /** The client driver's URL of the database {@code name} (e.g. {@code memory:x;create=true}) on this server. */
    String url(String name) {
        return "jdbc:derby://127.0.0.1:" + port + "/" + name;
    }

    @Override
    public void close() throws java.sql.SQLException {
        try {
            server.shutdown();
        } catch (Exception e) {
            throw new java.sql.SQLException("the Derby network server did not shut down: " + e, e);
        }
    }
}
