package org.qoscluster.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.qoscluster.config.ClusterConfig;

/** Looks straight into the store's master database over the Derby network client. */
public final class StoreDatabase {

    private final String jdbcUrl;
    private final String password;

    /** @param password the cluster's database password ({@code Cluster.dbPassword()}) */
    public StoreDatabase(String jdbcUrl, String password) {
        this.jdbcUrl = jdbcUrl;
        this.password = password;
    }

    /** What a refused request must leave alone. */
    public record Snapshot(long customers, long orders, long orderLines, long totalStock) {
    }

    public Snapshot snapshot() {
        return new Snapshot(number("SELECT COUNT(*) FROM CUSTOMER"), number("SELECT COUNT(*) FROM CUSTOMER_ORDER"),
                number("SELECT COUNT(*) FROM ORDER_LINE"), number("SELECT SUM(STOCK) FROM PRODUCT"));
    }

    public long stock(long productId) {
        return number("SELECT STOCK FROM PRODUCT WHERE ID = " + productId);
    }

    /** Whether {@code table} holds the row with primary key {@code id}. */
    public boolean has(String table, long id) {
        return number("SELECT COUNT(*) FROM " + table + " WHERE ID = " + id) == 1;
    }

    /** The name of the customer with id {@code customerId}, empty if there is none. */
    public String customerName(long customerId) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, password);
             java.sql.PreparedStatement s = c.prepareStatement("SELECT NAME FROM CUSTOMER WHERE ID = ?")) {
            s.setLong(1, customerId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading customer " + customerId + " at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    public long products() {
        return number("SELECT COUNT(*) FROM PRODUCT");
    }

    /** The one number {@code sql} selects (a count, a sum), for tables of applications other than the store. */
    public long number(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, ClusterConfig.DB_USER, password);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on " + jdbcUrl + ": " + sql, e);
        }
    }
}
