package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
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
 * Derby 10.16. Capture: a sequence {@code QOS_SEQ}, a function {@code QOS_TXID()}
 * ({@link DerbyFunctions}, on the server's class path), and per table a change table
 * {@code QOS_CHG_T} (sequence, transaction, operation, time, the row's columns, the old primary
 * key) filled by AFTER INSERT/UPDATE/DELETE row triggers. Horizon: the highest change sequence
 * read uncommitted, then the non-idle rows of {@code SYSCS_DIAG.TRANSACTION_TABLE}.
 */
public final class DerbyDialect implements Dialect {

    /** Derby: "object already exists". */
    private static final Set<String> EXISTS = Set.of("X0Y32", "X0Y68");
    private static final Set<String> SIZED = Set.of("CHAR", "VARCHAR", "CHAR FOR BIT DATA", "VARCHAR FOR BIT DATA");
    private static final Set<String> SCALED = Set.of("DECIMAL", "NUMERIC");

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
    public void installCapture(Connection master, List<TableSpec> tables) throws SQLException {
        try (Statement s = master.createStatement()) {
            create(s, "CREATE SEQUENCE QOS_SEQ AS BIGINT START WITH 1");
            create(s, "CREATE FUNCTION QOS_TXID() RETURNS VARCHAR(64) LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                    + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".transactionId'");
            for (TableSpec t : tables) {
                String cols = t.columns().stream().map(col -> quote(col.name()) + " " + col.type()).collect(Collectors.joining(", "));
                String oldKey = t.primaryKey().stream().map(k -> quote("QOS_OLD_" + k) + " " + typeOf(t, k)).collect(Collectors.joining(", "));
                create(s, "CREATE TABLE " + quote(t.changeTable()) + " (QOS_SEQ BIGINT NOT NULL PRIMARY KEY,"
                        + " QOS_TX VARCHAR(64) NOT NULL, QOS_OP CHAR(1) NOT NULL, QOS_TS TIMESTAMP NOT NULL, "
                        + cols + ", " + oldKey + ")");
                String names = t.columns().stream().map(col -> quote(col.name())).collect(Collectors.joining(", "));
                String oldNames = t.primaryKey().stream().map(k -> quote("QOS_OLD_" + k)).collect(Collectors.joining(", "));
                String insertInto = "INSERT INTO " + quote(t.changeTable()) + " (QOS_SEQ, QOS_TX, QOS_OP, QOS_TS, " + names
                        + ", " + oldNames + ") VALUES (NEXT VALUE FOR QOS_SEQ, QOS_TXID(), ";
                create(s, "CREATE TRIGGER " + quote("QOS_I_" + t.name()) + " AFTER INSERT ON " + quote(t.name())
                        + " REFERENCING NEW AS N FOR EACH ROW " + insertInto + "'I', CURRENT_TIMESTAMP, "
                        + refs("N", t.columnNames()) + ", " + refs("N", t.primaryKey()) + ")");
                create(s, "CREATE TRIGGER " + quote("QOS_U_" + t.name()) + " AFTER UPDATE ON " + quote(t.name())
                        + " REFERENCING OLD AS O NEW AS N FOR EACH ROW " + insertInto + "'U', CURRENT_TIMESTAMP, "
                        + refs("N", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                create(s, "CREATE TRIGGER " + quote("QOS_D_" + t.name()) + " AFTER DELETE ON " + quote(t.name())
                        + " REFERENCING OLD AS O FOR EACH ROW " + insertInto + "'D', CURRENT_TIMESTAMP, "
                        + refs("O", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
            }
        }
    }

    private String refs(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + quote(c)).collect(Collectors.joining(", "));
    }

    private static String typeOf(TableSpec t, String column) {
        return t.columns().stream().filter(c -> c.name().equals(column)).findFirst().orElseThrow().type();
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
            }
            create(s, "CREATE TABLE QOS_APPLIED (QOS_TX VARCHAR(64) NOT NULL PRIMARY KEY, QOS_SEQ BIGINT NOT NULL,"
                    + " QOS_APPLIED_AT TIMESTAMP NOT NULL)");
            create(s, "CREATE TABLE QOS_COPIED (COPIED_AT TIMESTAMP NOT NULL)");
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_COPIED")) {
                r.next();
                return r.getLong(1) == 0;
            }
        }
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
