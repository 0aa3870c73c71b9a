package org.qoscluster.session;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.qoscluster.config.ClusterConfig;

/**
 * The session table ({@link ClusterConfig#SESSION_TABLE}) in the application's database: one row
 * per session record, its UID the primary key (so the replication agent can capture it), its
 * version and expiry as columns (the store's version check and the sweep of expired rows read
 * them without reading the record), and the record's bytes. Made by the launcher on the master
 * before the replication agent starts, and by every node at start-up; both are idempotent.
 */
public final class SessionTableSchema {

    /** The table. */
    public static final String TABLE = ClusterConfig.SESSION_TABLE;
    /** The UID, primary key. */
    public static final String UID = "SESSION_UID";
    /** The record's version ({@link SessionRecord#version()}). */
    public static final String VERSION = "SESSION_VERSION";
    /** When the record stops counting: its last store plus its time-out, epoch ms. */
    public static final String EXPIRES_AT = "EXPIRES_AT";
    /** When the row was written, epoch ms, by the writing member's clock. */
    public static final String STORED_AT = "STORED_AT";
    /** The record's bytes. */
    public static final String RECORD = "RECORD";

    private static final String CREATE = "CREATE TABLE " + TABLE + " (" + UID + " VARCHAR(64) NOT NULL PRIMARY KEY, "
            + VERSION + " BIGINT NOT NULL, " + EXPIRES_AT + " BIGINT NOT NULL, " + STORED_AT + " BIGINT NOT NULL, "
            + RECORD + " BLOB NOT NULL)";
    private static final String INDEX = "CREATE INDEX " + TABLE + "_EXPIRES ON " + TABLE + " (" + EXPIRES_AT + ")";
    /** Derby: the table or index exists already (another node made it meanwhile). */
    private static final String EXISTS = "X0Y32";

    private SessionTableSchema() {
    }

    /**
     * Creates the table and its index on expiry when missing, in {@code c}'s current schema;
     * true when it made the table. Safe to run on several nodes at once.
     */
    public static boolean createIfMissing(Connection c) throws SQLException {
        if (exists(c)) {
            return false;
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute(CREATE);
            s.execute(INDEX);
            return true;
        } catch (SQLException e) {
            if (EXISTS.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (ResultSet r = c.getMetaData().getTables(null, c.getSchema(), TABLE, new String[] {"TABLE"})) {
            return r.next();
        }
    }
}
