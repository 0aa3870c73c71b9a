package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.qoscluster.replication.TableSpec;

/**
 * Fires the change-capture triggers a master just got, once each, in transactions that are rolled
 * back, so that concurrent writers never compile them: on Derby a trigger's first firing
 * recompiles its action inside the firing transaction, writing the catalogue, and several writers
 * doing that at once deadlock or fail with "too much contention on sequence". A table with a row
 * is warmed with that row; tables without one with made-up rows, parents first.
 */
final class DerbyWarmUp {

    private final DerbyDialect dialect;

    DerbyWarmUp(DerbyDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Fires new triggers once in a transaction that is rolled back (only new ones: it takes row
     * locks, and an agent restart must not wait on the application's open transactions). Derby
     * recompiles a trigger's action that later DDL invalidated (see {@link #withMadeUpRows}) on its
     * next firing, inside the firing transaction, writing its catalogue; several writers firing
     * it at once then deadlock on the catalogue or fail with "too much contention on sequence"
     * (reproduced with 8 writers; none once the triggers had fired once).
     * Uses a row of the table (updated to itself, deleted, inserted back): a table with no row, or
     * whose row others reference, stays cold for the operations it could not try.
     */
    boolean withARow(Connection master, TableSpec t) throws SQLException {
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        String cols = t.columnNames().stream().map(dialect::quote).collect(Collectors.joining(", "));
        String where = Changes.keyWhere(dialect, t);
        try (Statement s = master.createStatement()) {
            s.setMaxRows(1);
            List<Object> row = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + dialect.quote(t.name()))) {
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
                run(master, "DELETE FROM " + dialect.quote(t.name()) + " WHERE " + where, key);
                run(master, Changes.insert(dialect, t.name(), t.columnNames()), row);
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
    void withMadeUpRows(Connection master, List<TableSpec> tables) throws SQLException {
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
                        run(master, Changes.insert(dialect, t.name(), t.columnNames()), row.get());
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
                    run(master, "DELETE FROM " + dialect.quote(t.name()) + " WHERE " + Changes.keyWhere(dialect, t), keys.get(t));
                } catch (SQLException e) {
                    // the delete trigger stays cold
                }
            }
        } finally {
            master.rollback();
            master.setAutoCommit(auto);
        }
    }

    /**
     * Has each table of {@code tables} with a generated column generate a value once, in an
     * insert of a made-up row (its generated columns {@code DEFAULT}) in a transaction that is
     * rolled back: Derby takes the column's range of values, in a nested transaction that
     * commits, while it builds the row, before it checks a constraint, so an insert that a
     * foreign key or a unique key then refuses warms the column as well (one value of the range
     * is used up). Waits at most {@value #WAIT_SECONDS} s for a lock; a table it cannot warm
     * stays as it was.
     */
    void identities(Connection master, List<TableSpec> tables) throws SQLException {
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        try {
            for (TableSpec t : tables) {
                if (t.columns().stream().noneMatch(TableSpec.Column::generated)) {
                    continue;
                }
                List<Object> values = new ArrayList<>();
                StringBuilder row = new StringBuilder();
                for (TableSpec.Column c : t.columns()) {
                    row.append(row.length() == 0 ? "" : ", ").append(c.generated() ? "DEFAULT" : "?");
                    if (!c.generated()) {
                        values.add(madeUpValue(c.type()));
                    }
                }
                String cols = t.columnNames().stream().map(dialect::quote).collect(Collectors.joining(", "));
                try (PreparedStatement p = master.prepareStatement("INSERT INTO " + dialect.quote(t.name()) + " (" + cols
                        + ") VALUES (" + row + ")")) {
                    p.setQueryTimeout(WAIT_SECONDS);
                    Changes.bind(p, 1, values);
                    p.executeUpdate();
                } catch (SQLException refused) {
                    // a constraint refused the made-up row after its value was generated: warm all the same
                }
                master.rollback();
            }
        } finally {
            master.rollback();
            master.setAutoCommit(auto);
        }
    }

    private static final int WAIT_SECONDS = 5;

    /** {@code UPDATE t SET key = key WHERE key = ?}: fires the update trigger, changes nothing. */
    private String updateToItself(TableSpec t) {
        return "UPDATE " + dialect.quote(t.name()) + " SET "
                + t.primaryKey().stream().map(k -> dialect.quote(k) + " = " + dialect.quote(k)).collect(Collectors.joining(", "))
                + " WHERE " + Changes.keyWhere(dialect, t);
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
            String cols = fk.getValue().stream().map(c -> dialect.quote(c[1])).collect(Collectors.joining(", "));
            try (Statement s = master.createStatement()) {
                s.setMaxRows(1);
                try (ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + dialect.quote(parent))) {
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

    /** A value of the declared SQL type (the declaration as {@link DerbyDialect#describe} reads it). */
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
}
