package org.qoscluster.redundancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Probes a database copy the way a writer reaches it: a new JDBC connection and one query.
 * A new connection each time, so a server that stopped accepting connections (or a stopped
 * process, whose kernel still completes the TCP handshake) fails the probe.
 */
public final class JdbcProbe implements Probe {

    private final String url;
    private final String user;
    private final String password;

    public JdbcProbe(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    @Override
    public void check() throws Exception {
        try (Connection c = DriverManager.getConnection(url, user, password);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("VALUES 1")) {
            if (!r.next()) {
                throw new IllegalStateException(url + " answered VALUES 1 with no row");
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcProbe[" + url + "]";
    }
}
