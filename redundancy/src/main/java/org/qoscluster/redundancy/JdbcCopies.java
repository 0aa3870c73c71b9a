package org.qoscluster.redundancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;

/**
 * {@link Coordinator.Copies} over JDBC: a new connection per question (the coordinator asks
 * rarely, and a kept connection to a copy that died would be one more thing to heal).
 *
 * @param urls   each copy's JDBC URL, in configuration order (a copy's number is its place, from 1)
 * @param tables the replicated tables
 */
public record JdbcCopies(Map<String, String> urls, String user, String password, List<String> tables, Dialect dialect)
        implements Coordinator.Copies {

    public JdbcCopies {
        urls = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(urls));
        tables = List.copyOf(tables);
    }

    /** Every copy of {@code config} (Derby, the cluster's database user), replicating {@code tables}. */
    public static JdbcCopies of(org.qoscluster.config.ClusterConfig config, List<String> tables) {
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        config.databases().forEach(db -> urls.put(db.name(), config.jdbcUrl(db)));
        return new JdbcCopies(urls, org.qoscluster.config.ClusterConfig.DB_USER, org.qoscluster.config.ClusterConfig.DB_PASSWORD,
                tables, Dialect.derby());
    }

    @Override
    public Optional<Dialect.CopyEpoch> epoch(String copy) throws SQLException {
        try (Connection c = open(copy)) {
            return dialect.epoch(c);
        }
    }

    @Override
    public OptionalLong lowMark(String copy) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT MAX(QOS_LOW) FROM QOS_POSITION")) {
            if (r.next()) {
                long low = r.getLong(1);
                return r.wasNull() ? OptionalLong.empty() : OptionalLong.of(low);
            }
            return OptionalLong.empty();
        } catch (SQLException e) {
            if ("42X05".equals(e.getSQLState())) {
                return OptionalLong.empty(); // no QOS_POSITION: never a replica
            }
            throw e;
        }
    }

    @Override
    public void promote(String copy, ReplicationAgent.Epoch epoch) throws SQLException {
        try (Connection c = open(copy)) {
            ReplicationAgent.promote(c, dialect, tables, copyNumber(copy), epoch);
        }
    }

    @Override
    public long nextSequence(String master) throws SQLException {
        try (Connection c = open(master)) {
            return dialect.horizon(c, dialect.describe(c, tables)).nextSequence();
        }
    }

    /** A copy's number: its place in the configuration, from 1 (row identifiers are unique per number). */
    public int copyNumber(String copy) {
        int i = 1;
        for (String name : urls.keySet()) {
            if (name.equals(copy)) {
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("no database copy " + copy);
    }

    private Connection open(String copy) throws SQLException {
        String url = urls.get(copy);
        if (url == null) {
            throw new IllegalArgumentException("no database copy " + copy);
        }
        return DriverManager.getConnection(url, user, password);
    }
}
