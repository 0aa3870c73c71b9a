package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationException;
import org.qoscluster.replication.TableSpec;
import org.qoscluster.replication.derby.DerbyFunctions;

/**
 * Derby 10.16. Capture: a sequence {@code QOS_SEQ} (changes; a row identifier is a value of it
 * plus the copy's block, {@code copy * 2^40}), a function {@code QOS_TXID()} ({@link DerbyFunctions}, on the server's class
 * path), and per table a row-identifier table {@code QOS_RID_T} and a change table
 * {@code QOS_CHG_T} (sequence, transaction, operation, time, row identifier, the row's columns,
 * the old primary key), both kept by AFTER INSERT/UPDATE/DELETE row triggers. Derby has neither
 * updatable views nor INSTEAD OF triggers, so the identifier lives beside the row rather than in
 * it (R2): the application's table, its {@code SELECT *} and its writes stay as they were.
 * Horizon: the highest change sequence read uncommitted, then the non-idle rows of
 * {@code SYSCS_DIAG.TRANSACTION_TABLE}.
 */
public final class DerbyDialect implements Dialect {

    /** Derby: "object already exists". */
    private static final Set<String> EXISTS = Set.of("X0Y32", "X0Y68");
    private static final Set<String> SIZED = Set.of("CHAR", "VARCHAR", "CHAR FOR BIT DATA", "VARCHAR FOR BIT DATA");
    private static final Set<String> SCALED = Set.of("DECIMAL", "NUMERIC");
    /** Column prefix of a change row's old primary key. */
    public static final String OLD = "QOS_OLD_";
    /** Each copy hands out row identifiers from its own block of 2^40. */
    static final long RID_BLOCK = 1L << 40;
    static final int MAX_COPY = (int) (Long.MAX_VALUE / RID_BLOCK) - 1;

    @Override
    public String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public List<TableSpec> describe(Connection c, List<String> tables) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = c.getSchema();
        List<String> problems = new ArrayList<>();
        List<TableSpec> specs = new ArrayList<>();
        for (String requested : tables) {
            String name = requested.toUpperCase(Locale.ROOT);
            List<TableSpec.Column> columns = new ArrayList<>();
            try (ResultSet r = md.getColumns(null, schema, name, null)) {
                while (r.next()) {
                    columns.add(new TableSpec.Column(r.getString("COLUMN_NAME"), type(r)));
                }
            }
            if (columns.isEmpty()) {
                problems.add("table " + requested + ": no such table in schema " + schema);
                continue;
            }
            Map<Short, String> key = new TreeMap<>();
            try (ResultSet r = md.getPrimaryKeys(null, schema, name)) {
                while (r.next()) {
                    key.put(r.getShort("KEY_SEQ"), r.getString("COLUMN_NAME"));
                }
            }
            if (key.isEmpty()) {
                problems.add("table " + requested + ": has no primary key, which replication needs to find its rows");
                continue;
            }
            specs.add(new TableSpec(name, columns, List.copyOf(key.values())));
        }
        if (!problems.isEmpty()) {
            throw new ReplicationException(problems);
        }
        return specs;
    }

    private static String type(ResultSet column) throws SQLException {
        String type = column.getString("TYPE_NAME").toUpperCase(Locale.ROOT);
        if (SIZED.contains(type)) {
            String base = type.replace(" FOR BIT DATA", "");
            return base + "(" + column.getInt("COLUMN_SIZE") + ")" + (type.endsWith("FOR BIT DATA") ? " FOR BIT DATA" : "");
        }
        if (SCALED.contains(type)) {
            return type + "(" + column.getInt("COLUMN_SIZE") + "," + column.getInt("DECIMAL_DIGITS") + ")";
        }
        return type;
    }

    @Override
    public void installCapture(Connection master, List<TableSpec> tables, int copyNumber) throws SQLException {
        if (copyNumber < 1 || copyNumber > MAX_COPY) {
            throw new IllegalArgumentException("copy number " + copyNumber + " is not in 1.." + MAX_COPY);
        }
        // One sequence for changes and row identifiers: every sequence a writer's triggers use is
        // one more catalog row Derby must update as its preallocated values run out, and a writer
        // that meets another's update fails ("too much contention on sequence").
        long ridBase = (long) copyNumber * RID_BLOCK;
        try (Statement s = master.createStatement()) {
            create(s, "CREATE SEQUENCE QOS_SEQ AS BIGINT START WITH 1");
            create(s, "CREATE FUNCTION QOS_TXID() RETURNS VARCHAR(64) LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                    + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".transactionId'");
            for (TableSpec t : tables) {
                String table = quote(t.name());
                String chg = quote(t.changeTable());
                String rid = quote(t.rowIdTable());
                String cols = t.columns().stream().map(col -> quote(col.name()) + " " + col.type()).collect(Collectors.joining(", "));
                String oldKey = t.primaryKey().stream().map(k -> quote(OLD + k) + " " + t.typeOf(k)).collect(Collectors.joining(", "));
                create(s, "CREATE TABLE " + chg + " (QOS_SEQ BIGINT NOT NULL PRIMARY KEY, QOS_TX VARCHAR(64) NOT NULL,"
                        + " QOS_OP CHAR(1) NOT NULL, QOS_TS TIMESTAMP NOT NULL, QOS_RID BIGINT, " + cols + ", " + oldKey + ")");
                // No index beyond the sequence: each one is written by every change, and the
                // table holds only the changes not yet on every replica.
                createRowIdTable(s, t, false);

                String names = t.columns().stream().map(col -> quote(col.name())).collect(Collectors.joining(", "));
                String oldNames = t.primaryKey().stream().map(k -> quote(OLD + k)).collect(Collectors.joining(", "));
                String keys = t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", "));
                String insertInto = "INSERT INTO " + chg + " (QOS_SEQ, QOS_TX, QOS_OP, QOS_TS, QOS_RID, " + names
                        + ", " + oldNames + ") VALUES (NEXT VALUE FOR QOS_SEQ, QOS_TXID(), ";
                // Triggers of one event fire in the order they were made, each for every row of the
                // statement before the next: the change row looks the identifier up before the
                // identifier table moves (update) or loses (delete) the row, and after it gained it.
                create(s, "CREATE TRIGGER " + quote("QOS_RI_" + t.name()) + " AFTER INSERT ON " + table
                        + " REFERENCING NEW AS N FOR EACH ROW INSERT INTO " + rid + " (QOS_RID, " + keys
                        + ") VALUES (NEXT VALUE FOR QOS_SEQ + " + ridBase + ", " + refs("N", t.primaryKey()) + ")");
                create(s, "CREATE TRIGGER " + quote("QOS_I_" + t.name()) + " AFTER INSERT ON " + table
                        + " REFERENCING NEW AS N FOR EACH ROW " + insertInto + "'I', CURRENT_TIMESTAMP, " + ridOf(t, "N")
                        + ", " + refs("N", t.columnNames()) + ", " + refs("N", t.primaryKey()) + ")");
                create(s, "CREATE TRIGGER " + quote("QOS_U_" + t.name()) + " AFTER UPDATE ON " + table
                        + " REFERENCING OLD AS O NEW AS N FOR EACH ROW " + insertInto + "'U', CURRENT_TIMESTAMP, " + ridOf(t, "O")
                        + ", " + refs("N", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                // A key change moves the identifier to the new key. It is found through the change
                // row just written (keyed by the old key within this transaction), not by key in
                // the identifier table: a statement that shifts keys (SET ID = ID + 1) passes
                // through duplicates there.
                create(s, "CREATE TRIGGER " + quote("QOS_RU_" + t.name()) + " AFTER UPDATE OF " + keys + " ON " + table
                        + " REFERENCING OLD AS O NEW AS N FOR EACH ROW UPDATE " + rid + " SET "
                        + t.primaryKey().stream().map(k -> quote(k) + " = N." + quote(k)).collect(Collectors.joining(", "))
                        + " WHERE " + keyMatch(t, "O") + " AND QOS_RID = (SELECT C.QOS_RID FROM " + chg + " C WHERE C.QOS_SEQ = (SELECT MAX(QOS_SEQ) FROM " + chg
                        + " WHERE QOS_TX = QOS_TXID() AND QOS_OP = 'U' AND "
                        + t.primaryKey().stream().map(k -> quote(OLD + k) + " = O." + quote(k)).collect(Collectors.joining(" AND "))
                        + "))");
                create(s, "CREATE TRIGGER " + quote("QOS_D_" + t.name()) + " AFTER DELETE ON " + table
                        + " REFERENCING OLD AS O FOR EACH ROW " + insertInto + "'D', CURRENT_TIMESTAMP, " + ridOf(t, "O")
                        + ", " + refs("O", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                create(s, "CREATE TRIGGER " + quote("QOS_RD_" + t.name()) + " AFTER DELETE ON " + table
                        + " REFERENCING OLD AS O FOR EACH ROW DELETE FROM " + rid + " WHERE " + keyMatch(t, "O"));
                // Rows that were there before capture get their identifiers now.
                s.executeUpdate("INSERT INTO " + rid + " (QOS_RID, " + keys + ") SELECT NEXT VALUE FOR QOS_SEQ + " + ridBase + ", "
                        + t.primaryKey().stream().map(k -> "T." + quote(k)).collect(Collectors.joining(", "))
                        + " FROM " + table + " T WHERE NOT EXISTS (SELECT 1 FROM " + rid + " R WHERE "
                        + t.primaryKey().stream().map(k -> "R." + quote(k) + " = T." + quote(k)).collect(Collectors.joining(" AND "))
                        + ")");
            }
        }
        for (TableSpec t : tables) {
            warmUp(master, t);
        }
    }

    /**
     * Fires the new triggers once in a transaction that is rolled back. Derby compiles a trigger's
     * action on its first firing, inside the firing transaction, writing its catalogue; several
     * writers firing a new trigger at once then deadlock on the catalogue or fail with "too much
     * contention on sequence" (reproduced with 8 writers; none once the triggers had fired once).
     * Uses a row of the table (updated to itself, deleted, inserted back): a table with no row, or
     * whose row others reference, stays cold for the operations it could not try.
     */
    private void warmUp(Connection master, TableSpec t) throws SQLException {
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        String cols = t.columnNames().stream().map(this::quote).collect(Collectors.joining(", "));
        String where = Changes.keyWhere(this, t);
        try (Statement s = master.createStatement()) {
            s.setMaxRows(1);
            List<Object> row = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + quote(t.name()))) {
                if (!r.next()) {
                    return;
                }
                for (int i = 1; i <= t.columnNames().size(); i++) {
                    row.add(r.getObject(i));
                }
            }
            List<Object> key = t.primaryKey().stream().map(k -> row.get(t.columnNames().indexOf(k))).toList();
            try (PreparedStatement u = master.prepareStatement("UPDATE " + quote(t.name()) + " SET "
                    + t.primaryKey().stream().map(k -> quote(k) + " = " + quote(k)).collect(Collectors.joining(", "))
                    + " WHERE " + where)) {
                Changes.bind(u, 1, key);
                u.executeUpdate();
            }
            try (PreparedStatement d = master.prepareStatement("DELETE FROM " + quote(t.name()) + " WHERE " + where);
                 PreparedStatement i = master.prepareStatement(Changes.insert(this, t.name(), t.columnNames()))) {
                Changes.bind(d, 1, key);
                d.executeUpdate();
                Changes.bind(i, 1, row);
                i.executeUpdate();
            } catch (SQLException referenced) {
                // the row is referenced by another table's foreign key: delete and insert stay cold
            }
        } finally {
            master.rollback();
            master.setAutoCommit(auto);
        }
    }


    /**
     * {@code QOS_RID}, the row's identifier, and the row's primary key, indexed but not unique (a
     * statement that shifts keys passes through duplicates). Indexed by identifier only on a
     * replica, where the apply looks rows up by it; on the master the triggers look up by key.
     */
    private void createRowIdTable(Statement s, TableSpec t, boolean byIdentifier) throws SQLException {
        create(s, "CREATE TABLE " + quote(t.rowIdTable()) + " (QOS_RID BIGINT NOT NULL" + (byIdentifier ? " PRIMARY KEY" : "") + ", "
                + t.primaryKey().stream().map(k -> quote(k) + " " + t.typeOf(k)).collect(Collectors.joining(", ")) + ")");
        create(s, "CREATE INDEX " + quote("QOS_RIDKEY_" + t.name()) + " ON " + quote(t.rowIdTable()) + " ("
                + t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", ")) + ")");
    }

    private String ridOf(TableSpec t, String alias) {
        return "(SELECT R.QOS_RID FROM " + quote(t.rowIdTable()) + " R WHERE "
                + t.primaryKey().stream().map(k -> "R." + quote(k) + " = " + alias + "." + quote(k)).collect(Collectors.joining(" AND "))
                + ")";
    }

    private String keyMatch(TableSpec t, String alias) {
        return t.primaryKey().stream().map(k -> quote(k) + " = " + alias + "." + quote(k)).collect(Collectors.joining(" AND "));
    }

    private String refs(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + quote(c)).collect(Collectors.joining(", "));
    }

    @Override
    public boolean prepareReplica(Connection replica, List<TableSpec> tables) throws SQLException {
        try (Statement s = replica.createStatement()) {
            for (TableSpec t : tables) {
                String cols = t.columns().stream()
                        .map(col -> quote(col.name()) + " " + col.type() + (t.primaryKey().contains(col.name()) ? " NOT NULL" : ""))
                        .collect(Collectors.joining(", "));
                create(s, "CREATE TABLE " + quote(t.name()) + " (" + cols + ", PRIMARY KEY ("
                        + t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", ")) + "))");
                createRowIdTable(s, t, true);
            }
            create(s, "CREATE TABLE QOS_APPLIED (QOS_TX VARCHAR(64) NOT NULL PRIMARY KEY, QOS_LAST_SEQ BIGINT NOT NULL,"
                    + " QOS_APPLIED_AT TIMESTAMP NOT NULL)");
            create(s, "CREATE TABLE QOS_POSITION (QOS_LOW BIGINT NOT NULL, QOS_AT TIMESTAMP NOT NULL)");
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_POSITION")) {
                r.next();
                return r.getLong(1) == 0;
            }
        }
    }

    @Override
    public String describeOpen(Connection master, Set<String> ids) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement s = master.createStatement();
             ResultSet r = s.executeQuery("SELECT XID, TYPE, STATUS, USERNAME, SQL_TEXT FROM SYSCS_DIAG.TRANSACTION_TABLE"
                     + " WHERE STATUS <> 'IDLE'")) {
            while (r.next()) {
                if (ids.contains(r.getString(1))) {
                    found.add(r.getString(1) + " " + r.getString(2) + " " + r.getString(3) + " user " + r.getString(4)
                            + " statement [" + r.getString(5) + "]");
                }
            }
        }
        return String.join("; ", found);
    }

    @Override
    public String withoutLocks(String select) {
        return select + " WITH UR";
    }

    @Override
    public Horizon horizon(Connection master, List<TableSpec> tables) throws SQLException {
        // Read uncommitted (WITH UR): no lock is taken, so no writer waits for the agent. Peeking
        // at the sequence instead (SYSCS_PEEK_AT_SEQUENCE) made writers fail with "too much
        // contention on sequence QOS_SEQ" when it met a pre-allocation.
        long highest = 0;
        try (Statement s = master.createStatement()) {
            for (TableSpec t : tables) {
                try (ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM " + quote(t.changeTable()) + " WITH UR")) {
                    if (r.next()) {
                        highest = Math.max(highest, r.getLong(1));
                    }
                }
            }
        }
        Set<String> open = new HashSet<>();
        try (Statement s = master.createStatement();
             // An IDLE transaction has written nothing since it began; a committed transaction's id
             // stays listed as IDLE on its connection until the next write (found with a pooled
             // connection, whose last change then never shipped).
             ResultSet r = s.executeQuery("SELECT XID FROM SYSCS_DIAG.TRANSACTION_TABLE WHERE STATUS <> 'IDLE'")) {
            while (r.next()) {
                open.add(r.getString(1));
            }
        }
        return new Horizon(highest + 1, open);
    }

    private static void create(Statement s, String ddl) throws SQLException {
        try {
            s.execute(ddl);
        } catch (SQLException e) {
            if (!EXISTS.contains(e.getSQLState())) {
                throw e;
            }
        }
    }
}
