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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationException;
import org.qoscluster.replication.TableSpec;
import org.qoscluster.replication.derby.DerbyFunctions;

/**
 * Derby 10.16. Capture: a sequence {@code QOS_SEQ} (changes; a row identifier is a value of it
 * plus the copy's block, see {@link RowIds}), functions {@code QOS_TXID()} and {@code QOS_MILLIS()}
 * ({@link DerbyFunctions}, on the server's class path), and per table a change table
 * {@code QOS_CHG_T} (sequence, transaction, operation, time in epoch milliseconds,
 * the row's columns, the old primary key) written by one AFTER INSERT, UPDATE and DELETE row
 * trigger each, and a row-identifier table {@code QOS_RID_T} that every copy keeps from the
 * changes ({@link RowIds}; {@code QOS_IDENTIFIED} says how far the master's is); rows there
 * before capture get theirs at install. Derby has neither
 * updatable views nor INSTEAD OF triggers, so the identifier lives beside the row rather than in
 * it (R2): the application's table, its {@code SELECT *} and its writes stay as they were.
 * Horizon: the highest change sequence read uncommitted, then the non-idle rows of
 * {@code SYSCS_DIAG.TRANSACTION_TABLE}.
 */
public final class DerbyDialect implements Dialect {

    /** Derby's SQL states for a table, and a schema, that does not exist. */
    static final String NO_TABLE = "42X05";
    private static final String NO_SCHEMA = "42Y07";
    private static final String EPOCH_TABLE = "CREATE TABLE QOS_EPOCH (QOS_EPOCH BIGINT NOT NULL, QOS_MASTER VARCHAR(64) NOT NULL,"
            + " QOS_AT TIMESTAMP NOT NULL)";
    /** Derby: "object already exists". */
    private static final Set<String> EXISTS = Set.of("X0Y32", "X0Y68");
    private static final Set<String> SIZED = Set.of("CHAR", "VARCHAR", "CHAR FOR BIT DATA", "VARCHAR FOR BIT DATA");
    private static final Set<String> SCALED = Set.of("DECIMAL", "NUMERIC");
    /** Column prefix of a change row's old primary key. */
    public static final String OLD = "QOS_OLD_";

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
                    columns.add(new TableSpec.Column(r.getString("COLUMN_NAME"), type(r),
                            "YES".equals(r.getString("IS_AUTOINCREMENT"))));
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
    public void installCapture(Connection master, List<TableSpec> tables, int copyNumber, long firstSequence)
            throws SQLException {
        // One sequence for changes and row identifiers: every sequence a writer's triggers use is
        // one more catalog row Derby must update as its preallocated values run out, and a writer
        // that meets another's update fails ("too much contention on sequence").
        long ridBase = RowIds.base(copyNumber);
        // Only what is missing is created: a CREATE TRIGGER that fails because the trigger exists
        // has already locked the table and invalidated every statement compiled against it, so
        // each agent restart would stall the writers and make them recompile at once. A table's
        // capture is made in one transaction, which ends by writing its row in QOS_CAPTURED.
        Set<String> have = existing(master);
        if (have.contains("TABLE:QOS_CAPTURED") && !(have.contains("TABLE:QOS_IDENTIFIED") && have.contains("FUNCTION:QOS_MILLIS"))) {
            // Capture made by a version that wrote identifiers into the change rows (no
            // QOS_IDENTIFIED: its identifier tables cannot be taken up from here), or time stamps
            // of type TIMESTAMP (no QOS_MILLIS: its change tables do not take this one's rows).
            throw new ReplicationException("change capture on this copy was installed by an earlier version (no "
                    + (have.contains("TABLE:QOS_IDENTIFIED") ? "QOS_MILLIS" : "QOS_IDENTIFIED")
                    + "); start from fresh databases (remove the state folder, var by default)");
        }
        List<TableSpec> created = new ArrayList<>();
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        try (Statement s = master.createStatement()) {
            create(s, have, "SEQUENCE:QOS_SEQ", "CREATE SEQUENCE QOS_SEQ AS BIGINT START WITH " + Math.max(1, firstSequence));
            createFunctions(s, have);
            create(s, have, "TABLE:QOS_CAPTURED", "CREATE TABLE QOS_CAPTURED (QOS_TABLE VARCHAR(128) NOT NULL PRIMARY KEY,"
                    + " QOS_AT TIMESTAMP NOT NULL)");
            if (!have.contains("TABLE:QOS_IDENTIFIED")) {
                // The identifier tables reflect every change below it (RowIds.identify): a copy's
                // table, once it is master, is as of its watermark, where its sequence starts.
                s.execute("CREATE TABLE QOS_IDENTIFIED (QOS_BELOW BIGINT NOT NULL)");
                s.executeUpdate("INSERT INTO QOS_IDENTIFIED (QOS_BELOW) VALUES (" + Math.max(1, firstSequence) + ")");
            }
            master.commit();
            Set<String> captured = new HashSet<>();
            try (ResultSet r = s.executeQuery("SELECT QOS_TABLE FROM QOS_CAPTURED")) {
                while (r.next()) {
                    captured.add(r.getString(1));
                }
            }
            master.commit();
            for (TableSpec t : tables) {
                if (captured.contains(t.name())) {
                    continue;
                }
                String table = quote(t.name());
                String chg = quote(t.changeTable());
                String rid = quote(t.rowIdTable());
                String keys = t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", "));
                s.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
                createChangeTable(s, have, t);
                createRowIdTable(s, have, t);
                // Rows that were there before capture get their identifiers now, before the triggers
                // compile (a transaction that compiled them cannot draw from the sequence: "too much
                // contention"); the table is locked so that no row comes in between.
                s.executeUpdate("INSERT INTO " + rid + " (QOS_RID, " + keys + ") SELECT NEXT VALUE FOR QOS_SEQ + " + ridBase + ", "
                        + t.primaryKey().stream().map(k -> "T." + quote(k)).collect(Collectors.joining(", "))
                        + " FROM " + table + " T WHERE NOT EXISTS (SELECT 1 FROM " + rid + " R WHERE "
                        + t.primaryKey().stream().map(k -> "R." + quote(k) + " = T." + quote(k)).collect(Collectors.joining(" AND "))
                        + ")");

                String names = t.columns().stream().map(col -> quote(col.name())).collect(Collectors.joining(", "));
                String oldNames = t.primaryKey().stream().map(k -> quote(OLD + k)).collect(Collectors.joining(", "));
                String insertInto = "INSERT INTO " + chg + " (QOS_SEQ, QOS_TX, QOS_TS, QOS_OP, " + names
                        + ", " + oldNames + ") VALUES (NEXT VALUE FOR QOS_SEQ, QOS_TXID(), QOS_MILLIS(), ";
                // One trigger per event: Derby runs each trigger's action as a statement of its own.
                create(s, have, "TRIGGER:QOS_I_" + t.name(), "CREATE TRIGGER " + quote("QOS_I_" + t.name()) + " AFTER INSERT ON " + table
                        + " REFERENCING NEW AS N FOR EACH ROW " + insertInto + "'I', "
                        + refs("N", t.columnNames()) + ", " + refs("N", t.primaryKey()) + ")");
                create(s, have, "TRIGGER:QOS_U_" + t.name(), "CREATE TRIGGER " + quote("QOS_U_" + t.name()) + " AFTER UPDATE ON " + table
                        + " REFERENCING OLD AS O NEW AS N FOR EACH ROW " + insertInto + "'U', "
                        + refs("N", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                create(s, have, "TRIGGER:QOS_D_" + t.name(), "CREATE TRIGGER " + quote("QOS_D_" + t.name()) + " AFTER DELETE ON " + table
                        + " REFERENCING OLD AS O FOR EACH ROW " + insertInto + "'D', "
                        + refs("O", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                try (PreparedStatement done = master.prepareStatement("INSERT INTO QOS_CAPTURED (QOS_TABLE, QOS_AT) VALUES (?, CURRENT_TIMESTAMP)")) {
                    done.setString(1, t.name());
                    done.executeUpdate();
                }
                master.commit();
                created.add(t);
            }
        } catch (SQLException e) {
            master.rollback();
            throw e;
        } finally {
            master.setAutoCommit(auto);
        }
        List<TableSpec> empty = new ArrayList<>();
        for (TableSpec t : created) {
            if (!warmUp(master, t)) {
                empty.add(t);
            }
        }
        warmUpEmpty(master, empty);
    }

    /**
     * Fires new triggers once in a transaction that is rolled back (only new ones: it takes row
     * locks, and an agent restart must not wait on the application's open transactions). Derby
     * recompiles a trigger's action that later DDL invalidated (see {@link #warmUpEmpty}) on its
     * next firing, inside the firing transaction, writing its catalogue; several writers firing
     * it at once then deadlock on the catalogue or fail with "too much contention on sequence"
     * (reproduced with 8 writers; none once the triggers had fired once).
     * Uses a row of the table (updated to itself, deleted, inserted back): a table with no row, or
     * whose row others reference, stays cold for the operations it could not try.
     */
    private boolean warmUp(Connection master, TableSpec t) throws SQLException {
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        String cols = t.columnNames().stream().map(this::quote).collect(Collectors.joining(", "));
        String where = Changes.keyWhere(this, t);
        try (Statement s = master.createStatement()) {
            s.setMaxRows(1);
            List<Object> row = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + quote(t.name()))) {
                if (!r.next()) {
                    return false;
                }
                for (int i = 1; i <= t.columnNames().size(); i++) {
                    row.add(r.getObject(i));
                }
            }
            List<Object> key = keyOf(t, row);
            run(master, updateToItself(t), key);
            try {
                run(master, "DELETE FROM " + quote(t.name()) + " WHERE " + where, key);
                run(master, Changes.insert(this, t.name(), t.columnNames()), row);
            } catch (SQLException referenced) {
                // the row is referenced by another table's foreign key: delete and insert stay cold
            }
        } finally {
            master.rollback();
            master.setAutoCommit(auto);
        }
        return true;
    }

    /**
     * Fires the new triggers of tables with no row, with a made-up row per table, inserted,
     * updated to itself and deleted in one transaction that is rolled back. Each CREATE TRIGGER
     * on a table marks the table's earlier triggers invalid (seen in {@code SYS.SYSSTATEMENTS}),
     * a statement that touches no row does not recompile them, and a trigger that fires is
     * recompiled for good, even when its transaction rolls back: without this the first
     * concurrent writers of an empty table compiled them and failed ("too much contention on
     * sequence", lock time-outs). A foreign key takes its values from a row of the parent table,
     * made-up or real, so parents go first; identity columns get given values, so no generated
     * key is used up (a column that refuses them, GENERATED ALWAYS, leaves its table cold, as
     * does any value a constraint refuses).
     */
    private void warmUpEmpty(Connection master, List<TableSpec> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        List<TableSpec> inserted = new ArrayList<>();
        Map<TableSpec, List<Object>> keys = new java.util.HashMap<>();
        try {
            List<TableSpec> waiting = new ArrayList<>(tables);
            boolean progress = true;
            while (progress && !waiting.isEmpty()) {
                progress = false;
                for (java.util.Iterator<TableSpec> it = waiting.iterator(); it.hasNext(); ) {
                    TableSpec t = it.next();
                    Optional<List<Object>> row = madeUpRow(master, t);
                    if (row.isEmpty()) {
                        continue; // a parent without a row yet: maybe after another pass
                    }
                    it.remove();
                    progress = true;
                    try {
                        run(master, Changes.insert(this, t.name(), t.columnNames()), row.get());
                    } catch (SQLException refused) {
                        continue; // a constraint, or a GENERATED ALWAYS column: this table stays cold
                    }
                    inserted.add(t);
                    keys.put(t, keyOf(t, row.get()));
                }
            }
            for (TableSpec t : inserted) {
                try {
                    run(master, updateToItself(t), keys.get(t));
                } catch (SQLException e) {
                    // the update trigger stays cold
                }
            }
            for (int k = inserted.size() - 1; k >= 0; k--) {
                TableSpec t = inserted.get(k);
                try {
                    run(master, "DELETE FROM " + quote(t.name()) + " WHERE " + Changes.keyWhere(this, t), keys.get(t));
                } catch (SQLException e) {
                    // the delete trigger stays cold
                }
            }
        } finally {
            master.rollback();
            master.setAutoCommit(auto);
        }
    }

    /** {@code UPDATE t SET key = key WHERE key = ?}: fires the update trigger, changes nothing. */
    private String updateToItself(TableSpec t) {
        return "UPDATE " + quote(t.name()) + " SET "
                + t.primaryKey().stream().map(k -> quote(k) + " = " + quote(k)).collect(Collectors.joining(", "))
                + " WHERE " + Changes.keyWhere(this, t);
    }

    /** The primary key's values in {@code row}, a row of every column of {@code t}. */
    private static List<Object> keyOf(TableSpec t, List<Object> row) {
        return t.primaryKey().stream().map(k -> row.get(t.columnNames().indexOf(k))).toList();
    }

    private static void run(Connection c, String sql, List<Object> values) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            Changes.bind(p, 1, values);
            p.executeUpdate();
        }
    }

    /**
     * A row for {@code t} that its column types accept, its foreign keys taken from a row of each
     * parent; empty when a parent has no row.
     */
    private Optional<List<Object>> madeUpRow(Connection master, TableSpec t) throws SQLException {
        Map<String, Object> values = new java.util.HashMap<>();
        Map<String, List<String[]>> foreign = new java.util.LinkedHashMap<>();
        try (ResultSet r = master.getMetaData().getImportedKeys(null, master.getSchema(), t.name())) {
            while (r.next()) {
                foreign.computeIfAbsent(r.getString("FK_NAME") + "/" + r.getString("PKTABLE_NAME"), f -> new ArrayList<>())
                        .add(new String[] {r.getString("FKCOLUMN_NAME"), r.getString("PKCOLUMN_NAME")});
            }
        }
        for (Map.Entry<String, List<String[]>> fk : foreign.entrySet()) {
            String parent = fk.getKey().substring(fk.getKey().indexOf('/') + 1);
            String cols = fk.getValue().stream().map(c -> quote(c[1])).collect(Collectors.joining(", "));
            try (Statement s = master.createStatement()) {
                s.setMaxRows(1);
                try (ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + quote(parent))) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    for (int i = 0; i < fk.getValue().size(); i++) {
                        values.put(fk.getValue().get(i)[0], r.getObject(i + 1));
                    }
                }
            }
        }
        List<Object> row = new ArrayList<>();
        for (TableSpec.Column c : t.columns()) {
            row.add(values.containsKey(c.name()) ? values.get(c.name()) : madeUpValue(c.type()));
        }
        return Optional.of(row);
    }

    /** A value of the declared SQL type (the declaration as {@link #describe} reads it). */
    private static Object madeUpValue(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        if (t.contains("FOR BIT DATA") || t.startsWith("BLOB")) {
            return new byte[] {0};
        }
        if (t.startsWith("CHAR") || t.startsWith("VARCHAR") || t.startsWith("LONG VARCHAR") || t.startsWith("CLOB")) {
            return "q";
        }
        if (t.startsWith("TIMESTAMP")) {
            return new java.sql.Timestamp(0);
        }
        if (t.startsWith("DATE")) {
            return new java.sql.Date(0);
        }
        if (t.startsWith("TIME")) {
            return new java.sql.Time(0);
        }
        if (t.startsWith("BOOLEAN")) {
            return false;
        }
        return 0; // SMALLINT, INTEGER, BIGINT, DECIMAL, NUMERIC, REAL, DOUBLE, FLOAT
    }


    private void createFunctions(Statement s, Set<String> have) throws SQLException {
        create(s, have, "FUNCTION:QOS_TXID", "CREATE FUNCTION QOS_TXID() RETURNS VARCHAR(64) LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".transactionId'");
        create(s, have, "FUNCTION:QOS_MILLIS", "CREATE FUNCTION QOS_MILLIS() RETURNS BIGINT LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".currentMillis'");
    }

    /**
     * A table's change table. No index beyond the sequence: each one is written by every change,
     * and the table holds only the changes not yet on every replica. Replicas have theirs, empty,
     * from their first preparation on, so that a promotion creates only the sequence and triggers.
     */
    private void createChangeTable(Statement s, Set<String> have, TableSpec t) throws SQLException {
        String cols = t.columns().stream().map(col -> quote(col.name()) + " " + col.type()).collect(Collectors.joining(", "));
        String oldKey = t.primaryKey().stream().map(k -> quote(OLD + k) + " " + t.typeOf(k)).collect(Collectors.joining(", "));
        create(s, have, "TABLE:" + t.changeTable(), "CREATE TABLE " + quote(t.changeTable()) + " (QOS_SEQ BIGINT NOT NULL PRIMARY KEY,"
                + " QOS_TX VARCHAR(64) NOT NULL, QOS_OP CHAR(1) NOT NULL, QOS_TS BIGINT NOT NULL, " + cols + ", "
                + oldKey + ")");
    }

    /**
     * {@code QOS_RID}, the row's identifier (primary key), and the row's primary key, indexed but
     * not unique (a statement that shifts keys passes through duplicates).
     */
    private void createRowIdTable(Statement s, Set<String> have, TableSpec t) throws SQLException {
        create(s, have, "TABLE:" + t.rowIdTable(), "CREATE TABLE " + quote(t.rowIdTable()) + " (QOS_RID BIGINT NOT NULL PRIMARY KEY, "
                + t.primaryKey().stream().map(k -> quote(k) + " " + t.typeOf(k)).collect(Collectors.joining(", ")) + ")");
        create(s, have, "INDEX:QOS_RIDKEY_" + t.name(), "CREATE INDEX " + quote("QOS_RIDKEY_" + t.name()) + " ON " + quote(t.rowIdTable()) + " ("
                + t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", ")) + ")");
    }

    private String refs(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + quote(c)).collect(Collectors.joining(", "));
    }

    @Override
    public boolean prepareReplica(Connection replica, List<TableSpec> tables) throws SQLException {
        Set<String> have = existing(replica);
        try (Statement s = replica.createStatement()) {
            renameOldWatermarkTable(s, have);
            for (TableSpec t : tables) {
                // A generated column is generated here too, but only when no value is given (the
                // agent gives them all), so that a promoted replica goes on generating them.
                String cols = t.columns().stream()
                        .map(col -> quote(col.name()) + " " + col.type()
                                + (col.generated() ? " GENERATED BY DEFAULT AS IDENTITY" : "")
                                + (t.primaryKey().contains(col.name()) ? " NOT NULL" : ""))
                        .collect(Collectors.joining(", "));
                create(s, have, "TABLE:" + t.name(), "CREATE TABLE " + quote(t.name()) + " (" + cols + ", PRIMARY KEY ("
                        + t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", ")) + "))");
                createRowIdTable(s, have, t);
                createChangeTable(s, have, t);
            }
            createFunctions(s, have);
            create(s, have, "TABLE:QOS_APPLIED", "CREATE TABLE QOS_APPLIED (QOS_TX VARCHAR(64) NOT NULL PRIMARY KEY, QOS_LAST_SEQ BIGINT NOT NULL,"
                    + " QOS_APPLIED_AT TIMESTAMP NOT NULL)");
            create(s, have, "TABLE:QOS_WATERMARK", "CREATE TABLE QOS_WATERMARK (QOS_SEQ BIGINT NOT NULL, QOS_AT TIMESTAMP NOT NULL)");
            create(s, have, "TABLE:QOS_COPIED", "CREATE TABLE QOS_COPIED (QOS_TABLE VARCHAR(128) NOT NULL PRIMARY KEY)");
            create(s, have, "TABLE:QOS_EPOCH", EPOCH_TABLE);
            createGenerationTable(s, have);
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_WATERMARK")) {
                r.next();
                return r.getLong(1) == 0;
            }
        }
    }

    @Override
    public void restartIdentities(Connection copy, List<TableSpec> tables) throws SQLException {
        try (Statement s = copy.createStatement()) {
            for (TableSpec t : tables) {
                for (TableSpec.Column col : t.columns()) {
                    if (!col.generated()) {
                        continue;
                    }
                    long next;
                    try (ResultSet r = s.executeQuery("SELECT MAX(" + quote(col.name()) + ") FROM " + quote(t.name()))) {
                        r.next();
                        next = r.getLong(1) + 1;
                    }
                    s.execute("ALTER TABLE " + quote(t.name()) + " ALTER COLUMN " + quote(col.name()) + " RESTART WITH " + next);
                }
            }
        }
    }

    @Override
    public Optional<CopyEpoch> epoch(Connection copy) throws SQLException {
        if (!existing(copy).contains("TABLE:QOS_EPOCH")) {
            return Optional.empty();
        }
        try (Statement s = copy.createStatement();
             ResultSet r = s.executeQuery("SELECT QOS_EPOCH, QOS_MASTER FROM QOS_EPOCH")) {
            return r.next() ? Optional.of(new CopyEpoch(r.getLong(1), r.getString(2))) : Optional.empty();
        }
    }

    @Override
    public OptionalLong watermark(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM QOS_WATERMARK")) {
            long low = r.next() ? r.getLong(1) : 0;
            return r.wasNull() ? OptionalLong.empty() : OptionalLong.of(low);
        } catch (SQLException e) {
            if (!NO_TABLE.equals(e.getSQLState()) && !NO_SCHEMA.equals(e.getSQLState())) {
                throw e;
            }
        }
        Set<String> have = existing(copy);
        if (!have.contains("TABLE:QOS_POSITION")) {
            return OptionalLong.empty(); // never a replica
        }
        try (Statement s = copy.createStatement()) {
            renameOldWatermarkTable(s, have);
        }
        return watermark(copy);
    }


    @Override
    public Set<String> copiedTables(Connection copy) throws SQLException {
        Set<String> copied = new HashSet<>();
        try (Statement s = copy.createStatement(); ResultSet r = s.executeQuery("SELECT QOS_TABLE FROM QOS_COPIED")) {
            while (r.next()) {
                copied.add(r.getString(1));
            }
        } catch (SQLException e) {
            if (NO_TABLE.equals(e.getSQLState()) || NO_SCHEMA.equals(e.getSQLState())) {
                return Set.of(); // never a replica
            }
            throw e;
        }
        return copied;
    }

    @Override
    public Set<String> appliedFrom(Connection copy, long sequence) throws SQLException {
        Set<String> applied = new HashSet<>();
        try (PreparedStatement p = copy.prepareStatement("SELECT QOS_TX FROM QOS_APPLIED WHERE QOS_LAST_SEQ >= ?")) {
            p.setLong(1, sequence);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    applied.add(r.getString(1));
                }
            }
        }
        return applied;
    }

    @Override
    public void forgetApplied(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement()) {
            s.executeUpdate("DELETE FROM QOS_APPLIED");
        }
    }

    @Override
    public void writeEpoch(Connection copy, long epoch, String master) throws SQLException {
        try (Statement s = copy.createStatement()) {
            create(s, existing(copy), "TABLE:QOS_EPOCH", EPOCH_TABLE);
            s.executeUpdate("DELETE FROM QOS_EPOCH");
        }
        try (PreparedStatement p = copy.prepareStatement(
                "INSERT INTO QOS_EPOCH (QOS_EPOCH, QOS_MASTER, QOS_AT) VALUES (?, ?, CURRENT_TIMESTAMP)")) {
            p.setLong(1, epoch);
            p.setString(2, master);
            p.executeUpdate();
        }
    }

    private static void createGenerationTable(Statement s, Set<String> have) throws SQLException {
        if (have.contains("TABLE:QOS_AGENT")) {
            return;
        }
        create(s, have, "TABLE:QOS_AGENT", "CREATE TABLE QOS_AGENT (QOS_GENERATION BIGINT NOT NULL)");
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_AGENT")) {
            r.next();
            if (r.getLong(1) == 0) {
                s.executeUpdate("INSERT INTO QOS_AGENT (QOS_GENERATION) VALUES (0)");
            }
        }
    }

    @Override
    public void fenceGeneration(Connection replica, long generation) throws SQLException {
        try (PreparedStatement p = replica.prepareStatement("UPDATE QOS_AGENT SET QOS_GENERATION = ? WHERE QOS_GENERATION <= ?")) {
            p.setLong(1, generation);
            p.setLong(2, generation);
            if (p.executeUpdate() == 1) {
                return;
            }
        }
        long latest;
        try (Statement s = replica.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_GENERATION) FROM QOS_AGENT")) {
            latest = r.next() ? r.getLong(1) : 0;
        }
        throw new SQLException("the replica takes writes from agent generation " + latest + " now, later than this agent's "
                + generation + " (a supervisor replaced it)", "40XQG");
    }

    @Override
    public long setTailAside(Connection copy, List<TableSpec> tables, long fromSequence, Set<String> reached, long epoch)
            throws SQLException {
        Set<String> have = existing(copy);
        if (!have.contains("TABLE:QOS_CAPTURED")) {
            return 0;
        }
        return Link.inTransaction(copy, c -> {
            long kept = 0;
            try (Statement s = c.createStatement()) {
                for (TableSpec t : tables) {
                    for (String op : List.of("I", "U", "D")) {
                        if (have.contains("TRIGGER:QOS_" + op + "_" + t.name())) {
                            s.execute("DROP TRIGGER " + quote("QOS_" + op + "_" + t.name()));
                        }
                    }
                }
                // A replica has no foreign keys (the master keeps the data consistent), and the
                // agent's copy and changes come in an order they would refuse.
                List<String[]> foreignKeys = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT T.TABLENAME, C.CONSTRAINTNAME FROM SYS.SYSCONSTRAINTS C"
                        + " JOIN SYS.SYSTABLES T ON C.TABLEID = T.TABLEID JOIN SYS.SYSSCHEMAS S ON T.SCHEMAID = S.SCHEMAID"
                        + " WHERE C.TYPE = 'F' AND S.SCHEMANAME = CURRENT SCHEMA")) {
                    while (r.next()) {
                        foreignKeys.add(new String[] {r.getString(1), r.getString(2)});
                    }
                }
                Set<String> names = tables.stream().map(TableSpec::name).collect(Collectors.toSet());
                for (String[] fk : foreignKeys) {
                    if (names.contains(fk[0])) {
                        s.execute("ALTER TABLE " + quote(fk[0]) + " DROP CONSTRAINT " + quote(fk[1]));
                    }
                }
                for (TableSpec t : tables) {
                    for (TableSpec.Column col : t.columns()) {
                        if (col.generated()) {
                            s.execute("ALTER TABLE " + quote(t.name()) + " ALTER COLUMN " + quote(col.name()) + " SET GENERATED BY DEFAULT");
                        }
                    }
                    if (!have.contains("TABLE:" + t.changeTable())) {
                        continue;
                    }
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM " + quote(t.changeTable()) + " WHERE QOS_SEQ < ?")) {
                        p.setLong(1, fromSequence);
                        p.executeUpdate();
                    }
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM " + quote(t.changeTable()) + " WHERE QOS_TX = ?")) {
                        for (String tx : reached) {
                            p.setString(1, tx);
                            p.executeUpdate();
                        }
                    }
                    long rows;
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + quote(t.changeTable()))) {
                        r.next();
                        rows = r.getLong(1);
                    }
                    if (rows == 0) {
                        s.execute("DROP TABLE " + quote(t.changeTable()));
                    } else {
                        s.execute("RENAME TABLE " + quote(t.changeTable()) + " TO " + quote(t.tailTable(epoch)));
                        kept += rows;
                    }
                }
                s.execute("DROP TABLE QOS_CAPTURED");
                if (have.contains("TABLE:QOS_IDENTIFIED")) {
                    s.execute("DROP TABLE QOS_IDENTIFIED");
                }
                s.execute("DROP SEQUENCE QOS_SEQ RESTRICT");
            }
            return kept;
        });
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
    public void reclaim(Connection master, String changeTable) throws SQLException {
        // Purge committed deleted rows, nothing else: defragmenting and truncating take the
        // table's exclusive lock, so they wait for any open writer and every writer then waits
        // for them (up to the lock time-out: no statement time-out shortens that wait).
        try (PreparedStatement p = master.prepareStatement(
                "CALL SYSCS_UTIL.SYSCS_INPLACE_COMPRESS_TABLE(CURRENT SCHEMA, ?, 1, 0, 0)")) {
            p.setString(1, changeTable);
            p.execute();
        }
    }

    @Override
    public void lockAgainstWriters(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + quote(table) + " IN SHARE MODE");
        }
    }

    @Override
    public void lockAgainstReaders(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + quote(table) + " IN EXCLUSIVE MODE");
        }
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
        return new Horizon(highest + 1, openTransactions(master));
    }

    @Override
    public Set<String> openTransactions(Connection master) throws SQLException {
        Set<String> open = new HashSet<>();
        try (Statement s = master.createStatement();
             // An IDLE transaction has written nothing since it began; a committed transaction's id
             // stays listed as IDLE on its connection until the next write (found with a pooled
             // connection, whose last change then never shipped). A committing transaction
             // releases its locks before it turns IDLE (Xact.postComplete: releaseAllLocks, then
             // setIdleState), so for a moment it is listed here although committed.
             ResultSet r = s.executeQuery("SELECT XID FROM SYSCS_DIAG.TRANSACTION_TABLE WHERE STATUS <> 'IDLE'")) {
            while (r.next()) {
                open.add(r.getString(1));
            }
        }
        return open;
    }

    /**
     * The objects of the connection's current schema, as {@code KIND:NAME}; not sequences, whose
     * catalogue a scan must not touch while writers draw from them (Derby: "too much contention").
     */
    /**
     * Renames a replica's watermark table from its former name ({@code QOS_POSITION}, column
     * {@code QOS_LOW}) to {@code QOS_WATERMARK} ({@code QOS_SEQ}), so databases written by earlier
     * versions keep their watermark (without it a replica would get a fresh copy).
     */
    private static void renameOldWatermarkTable(Statement s, Set<String> have) throws SQLException {
        if (have.contains("TABLE:QOS_POSITION") && !have.contains("TABLE:QOS_WATERMARK")) {
            s.execute("RENAME TABLE QOS_POSITION TO QOS_WATERMARK");
            s.execute("RENAME COLUMN QOS_WATERMARK.QOS_LOW TO QOS_SEQ");
            have.remove("TABLE:QOS_POSITION");
            have.add("TABLE:QOS_WATERMARK");
        }
    }

    private static Set<String> existing(Connection c) throws SQLException {
        Set<String> found = new HashSet<>();
        String inSchema = " S ON X.SCHEMAID = S.SCHEMAID WHERE S.SCHEMANAME = CURRENT SCHEMA";
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT 'TABLE:' || X.TABLENAME FROM SYS.SYSTABLES X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'TRIGGER:' || X.TRIGGERNAME FROM SYS.SYSTRIGGERS X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'INDEX:' || X.CONGLOMERATENAME FROM SYS.SYSCONGLOMERATES X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'FUNCTION:' || X.ALIAS FROM SYS.SYSALIASES X JOIN SYS.SYSSCHEMAS" + inSchema)) {
            while (r.next()) {
                found.add(r.getString(1));
            }
        }
        return found;
    }

    /**
     * Runs {@code ddl} unless {@code have} holds {@code key} (a sequence is always tried: its
     * "exists" error comes before any lock); another agent racing to make it is fine.
     */
    private static void create(Statement s, Set<String> have, String key, String ddl) throws SQLException {
        if (have.contains(key)) {
            return;
        }
        try {
            s.execute(ddl);
        } catch (SQLException e) {
            if (!EXISTS.contains(e.getSQLState())) {
                throw e;
            }
        }
    }
}
