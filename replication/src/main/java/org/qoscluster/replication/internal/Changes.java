package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/**
 * Reading captured changes from the master, consolidating them, applying them to a replica and
 * deleting them once every replica has them. All values travel as bound parameters; names come
 * from the catalogue and are quoted.
 */
public final class Changes {

    private Changes() {
    }

    /** One captured row change. {@code values} by column name; {@code oldKey} the primary key before it. */
    public record Change(TableSpec table, long seq, String tx, char op, Map<String, Object> values, List<Object> oldKey) {

        List<Object> newKey() {
            return table.primaryKey().stream().map(values::get).toList();
        }
    }

    /** A committed transaction: its changes in sequence order. */
    public record Transaction(String id, List<Change> changes) {

        long firstSeq() {
            return changes.get(0).seq();
        }

        public long lastSeq() {
            return changes.get(changes.size() - 1).seq();
        }
    }

    /**
     * The committed transactions waiting on the master, in an order that respects every
     * dependency (by their last change: a transaction that touched a row after another committed
     * has a later last change), at most {@code limit} change rows per table.
     */
    public static List<Transaction> pending(Connection master, Dialect dialect, List<TableSpec> tables,
                                            Dialect.Horizon horizon, int limit) throws SQLException {
        Map<String, List<Change>> byTx = new HashMap<>();
        for (TableSpec t : tables) {
            try (Statement s = master.createStatement()) {
                s.setMaxRows(limit);
                try (ResultSet r = s.executeQuery("SELECT * FROM " + dialect.quote(t.changeTable()) + " ORDER BY QOS_SEQ")) {
                    while (r.next()) {
                        Map<String, Object> values = new LinkedHashMap<>();
                        for (String c : t.columnNames()) {
                            values.put(c, r.getObject(c));
                        }
                        List<Object> oldKey = new ArrayList<>();
                        for (String k : t.primaryKey()) {
                            oldKey.add(r.getObject("QOS_OLD_" + k));
                        }
                        Change change = new Change(t, r.getLong("QOS_SEQ"), r.getString("QOS_TX"),
                                r.getString("QOS_OP").charAt(0), values, oldKey);
                        byTx.computeIfAbsent(change.tx(), k -> new ArrayList<>()).add(change);
                    }
                }
            }
        }
        List<Transaction> committed = new ArrayList<>();
        for (Map.Entry<String, List<Change>> e : byTx.entrySet()) {
            List<Change> changes = e.getValue();
            changes.sort(Comparator.comparingLong(Change::seq));
            Transaction tx = new Transaction(e.getKey(), changes);
            if (!horizon.openTransactions().contains(tx.id()) && tx.firstSeq() < horizon.nextSequence()) {
                committed.add(tx);
            }
        }
        committed.sort(Comparator.comparingLong(Transaction::lastSeq));
        return committed;
    }

    /** The transactions of {@code candidates} a replica has already applied. */
    public static java.util.Set<String> applied(Connection replica, Collection<Transaction> candidates) throws SQLException {
        java.util.Set<String> done = new java.util.HashSet<>();
        try (PreparedStatement p = replica.prepareStatement("SELECT 1 FROM QOS_APPLIED WHERE QOS_TX = ?")) {
            for (Transaction tx : candidates) {
                p.setString(1, tx.id());
                try (ResultSet r = p.executeQuery()) {
                    if (r.next()) {
                        done.add(tx.id());
                    }
                }
            }
        }
        return done;
    }

    /**
     * Applies {@code batch} to a replica in one transaction, with its position (each transaction's
     * id in {@code QOS_APPLIED}) in the same commit, so a crash at any point neither loses nor
     * repeats a change. Consolidated first (R4): per row only its final state is written.
     */
    public static void apply(Connection replica, Dialect dialect, List<Transaction> batch, java.sql.Timestamp now)
            throws SQLException {
        boolean auto = replica.getAutoCommit();
        replica.setAutoCommit(false);
        try {
            for (RowState row : consolidate(batch)) {
                row.write(replica, dialect);
            }
            try (PreparedStatement p = replica.prepareStatement(
                    "INSERT INTO QOS_APPLIED (QOS_TX, QOS_SEQ, QOS_APPLIED_AT) VALUES (?, ?, ?)")) {
                for (Transaction tx : batch) {
                    p.setString(1, tx.id());
                    p.setLong(2, tx.lastSeq());
                    p.setTimestamp(3, now);
                    p.addBatch();
                }
                p.executeBatch();
            }
            replica.commit();
        } catch (SQLException | RuntimeException e) {
            replica.rollback();
            throw e;
        } finally {
            replica.setAutoCommit(auto);
        }
    }

    /**
     * A new replica's initial copy: every row of every table, read from the master at READ
     * COMMITTED while writes go on, written with the copy mark in one replica transaction. The
     * copy may be fuzzy; every change committed meanwhile is still waiting on the master (it is
     * deleted only once this replica has it too) and is replayed after it by idempotent upserts
     * and deletes, so the replica converges. Returns the rows copied.
     */
    public static long copy(Connection master, Connection replica, Dialect dialect, List<TableSpec> tables,
                            java.sql.Timestamp now) throws SQLException {
        boolean auto = replica.getAutoCommit();
        replica.setAutoCommit(false);
        long rows = 0;
        try {
            for (TableSpec t : tables) {
                String cols = t.columnNames().stream().map(dialect::quote).collect(Collectors.joining(", "));
                try (Statement del = replica.createStatement()) {
                    del.executeUpdate("DELETE FROM " + dialect.quote(t.name()));
                }
                try (Statement s = master.createStatement();
                     ResultSet r = s.executeQuery("SELECT " + cols + " FROM " + dialect.quote(t.name()));
                     PreparedStatement p = replica.prepareStatement("INSERT INTO " + dialect.quote(t.name()) + " (" + cols
                             + ") VALUES (" + t.columnNames().stream().map(c -> "?").collect(Collectors.joining(", ")) + ")")) {
                    int n = t.columnNames().size();
                    while (r.next()) {
                        List<Object> values = new ArrayList<>(n);
                        for (int i = 1; i <= n; i++) {
                            values.add(r.getObject(i));
                        }
                        RowState.bind(p, 1, values);
                        p.addBatch();
                        if (++rows % 500 == 0) {
                            p.executeBatch();
                        }
                    }
                    p.executeBatch();
                }
            }
            try (PreparedStatement mark = replica.prepareStatement("INSERT INTO QOS_COPIED (COPIED_AT) VALUES (?)")) {
                mark.setTimestamp(1, now);
                mark.executeUpdate();
            }
            replica.commit();
            return rows;
        } catch (SQLException | RuntimeException e) {
            replica.rollback();
            throw e;
        } finally {
            replica.setAutoCommit(auto);
        }
    }

    /** Deletes the change rows of {@code done} on the master, once every replica has them. */
    public static void delete(Connection master, Dialect dialect, List<TableSpec> tables, Collection<Transaction> done)
            throws SQLException {
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        try {
            for (TableSpec t : tables) {
                try (PreparedStatement p = master.prepareStatement("DELETE FROM " + dialect.quote(t.changeTable())
                        + " WHERE QOS_SEQ = ?")) {
                    boolean any = false;
                    for (Transaction tx : done) {
                        for (Change c : tx.changes()) {
                            if (c.table().equals(t)) {
                                p.setLong(1, c.seq());
                                p.addBatch();
                                any = true;
                            }
                        }
                    }
                    if (any) {
                        p.executeBatch();
                    }
                }
            }
            master.commit();
        } finally {
            master.setAutoCommit(auto);
        }
    }

    /** The final state of each row the batch touched, in the order rows were first touched. */
    static Collection<RowState> consolidate(List<Transaction> batch) {
        Map<List<Object>, RowState> rows = new LinkedHashMap<>();
        for (Transaction tx : batch) {
            for (Change c : tx.changes()) {
                List<Object> oldKey = key(c.table(), c.oldKey());
                List<Object> newKey = key(c.table(), c.newKey());
                if (c.op() == 'U' && !oldKey.equals(newKey)) {
                    // A key change is a delete of the old row and an insert of the new one.
                    rows.computeIfAbsent(oldKey, k -> new RowState(c.table(), c.oldKey())).delete();
                    rows.computeIfAbsent(newKey, k -> new RowState(c.table(), c.newKey())).set(c.values());
                } else if (c.op() == 'D') {
                    rows.computeIfAbsent(oldKey, k -> new RowState(c.table(), c.oldKey())).delete();
                } else {
                    rows.computeIfAbsent(newKey, k -> new RowState(c.table(), c.newKey())).set(c.values());
                }
            }
        }
        return rows.values();
    }

    private static List<Object> key(TableSpec t, List<Object> values) {
        List<Object> k = new ArrayList<>();
        k.add(t.name());
        k.addAll(values);
        return k;
    }

    /** One row's final state in a batch: present with these values, or deleted. */
    static final class RowState {
        private final TableSpec table;
        private final List<Object> key;
        private Map<String, Object> values;

        RowState(TableSpec table, List<Object> key) {
            this.table = table;
            this.key = key;
        }

        void set(Map<String, Object> newValues) {
            values = newValues;
        }

        void delete() {
            values = null;
        }

        Map<String, Object> values() {
            return values;
        }

        /** Upsert or delete by primary key: idempotent, so a replayed change converges. */
        void write(Connection c, Dialect d) throws SQLException {
            String where = table.primaryKey().stream().map(k -> d.quote(k) + " = ?").collect(Collectors.joining(" AND "));
            if (values == null) {
                try (PreparedStatement p = c.prepareStatement("DELETE FROM " + d.quote(table.name()) + " WHERE " + where)) {
                    bind(p, 1, key);
                    p.executeUpdate();
                }
                return;
            }
            List<String> cols = table.columnNames();
            String set = cols.stream().map(col -> d.quote(col) + " = ?").collect(Collectors.joining(", "));
            try (PreparedStatement p = c.prepareStatement("UPDATE " + d.quote(table.name()) + " SET " + set + " WHERE " + where)) {
                int i = bind(p, 1, cols.stream().map(values::get).toList());
                bind(p, i, key);
                if (p.executeUpdate() > 0) {
                    return;
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO " + d.quote(table.name()) + " ("
                    + cols.stream().map(d::quote).collect(Collectors.joining(", ")) + ") VALUES ("
                    + cols.stream().map(col -> "?").collect(Collectors.joining(", ")) + ")")) {
                bind(p, 1, cols.stream().map(values::get).toList());
                p.executeUpdate();
            }
        }

        static int bind(PreparedStatement p, int from, List<Object> values) throws SQLException {
            int i = from;
            for (Object v : values) {
                if (v == null) {
                    p.setNull(i, p.getParameterMetaData().getParameterType(i));
                } else {
                    p.setObject(i, v);
                }
                i++;
            }
            return i;
        }
    }
}
