package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * One captured row change: {@code rid} the row's identifier (null as read from the master; a
     * replica works it out, {@link RowIds#derive}), {@code values} by column name, {@code oldKey}
     * the primary key before it, {@code at} the master's time of the change.
     */
    public record Change(TableSpec table, long seq, String tx, char op, Timestamp at, Long rid,
                         Map<String, Object> values, List<Object> oldKey) {

        List<Object> newKey() {
            return table.primaryKey().stream().map(values::get).toList();
        }

        Change withRid(Long identifier) {
            return new Change(table, seq, tx, op, at, identifier, values, oldKey);
        }

        /** About the bytes its values hold in memory: a large object's whole, a little for any other. */
        long bytes() {
            long n = 64;
            for (Object v : values.values()) {
                n += v instanceof byte[] b ? b.length : v instanceof String str ? 2L * str.length() : 16;
            }
            return n;
        }
    }

    /** A committed transaction: its changes in sequence order. */
    public record Transaction(String id, List<Change> changes) {

        public long firstSeq() {
            return changes.get(0).seq();
        }

        public long lastSeq() {
            return changes.get(changes.size() - 1).seq();
        }

        /** When its first change was made on the master. */
        public Timestamp firstAt() {
            return changes.get(0).at();
        }
    }

    /**
     * The committed transactions read from a watermark, in an order that respects every dependency,
     * and {@code complete}: every committed transaction whose first change is below it is in
     * {@code transactions} (the read stopped there when a table had more rows than one read takes).
     */
    public record Batch(List<Transaction> transactions, long completeBelow) {
    }

    /**
     * The committed transactions whose first change is at or above {@code from}, read without
     * locks, filtered by the horizon rule, at most about {@code limit} change rows per table; a
     * transaction cut by that limit is read whole; which of them ship, and in what order, is
     * {@link Shipping#select}'s decision. {@code newlyOpen}: the transactions the horizon lists
     * as open that the round before did not (see {@link Shipping#heldFrom}).
     */
    public static Batch read(Link master, Dialect dialect, List<TableSpec> tables, long from, Dialect.Horizon horizon,
                             int limit, Set<String> newlyOpen) throws SQLException {
        return read(master, dialect, tables, from, horizon, limit, READ_BYTES, newlyOpen);
    }

    /**
     * {@link #read(Link, Dialect, List, long, Dialect.Horizon, int, Set)}, the values of a read
     * window's rows (its large objects above all) holding about {@code byteLimit} bytes at most:
     * past it, each table's read stops after its next row and the window ends there, as at the
     * row limit. A transaction is still read whole, whatever it holds.
     */
    static Batch read(Link master, Dialect dialect, List<TableSpec> tables, long from, Dialect.Horizon horizon,
                      int limit, long byteLimit, Set<String> newlyOpen) throws SQLException {
        return Shipping.readWhole(limit, (rowLimit, upTo) ->
                readWindow(master, dialect, tables, from, horizon, rowLimit, rowLimit > 0 ? byteLimit : Long.MAX_VALUE, upTo,
                        newlyOpen));
    }

    /**
     * About the most bytes of values one round's read window holds: the agent's heap is 256 MB,
     * and a backlog of large objects read 5,000 rows a table at a time would not fit in it.
     */
    static final long READ_BYTES = 32L << 20;

    /**
     * Reads the change rows from {@code from}: at most {@code limit} per table (0: no limit),
     * about {@code byteLimit} bytes of values in all, and below {@code upTo}; a transaction cut by
     * any of them is completed from the rows past the cut.
     */
    private static Shipping.Selection readWindow(Link master, Dialect dialect, List<TableSpec> tables, long from, Dialect.Horizon horizon,
                                     int limit, long byteLimit, long upTo, Set<String> newlyOpen) throws SQLException {
        long bytes = 0;
        Map<String, List<Change>> byTx = new HashMap<>();
        Shipping.Window<TableSpec> window = new Shipping.Window<>(limit, upTo);
        // Nothing was written from the watermark on when the horizon was read (an idle round): a
        // row a read would find now began past the horizon and would not ship this round, so the
        // batch is the same as from reads that found none, and the master is spared a statement
        // per table every round.
        boolean idle = from >= horizon.nextSequence();
        for (TableSpec t : tables) {
            if (idle) {
                window.read(t, 0, from);
                continue;
            }
            PreparedStatement p = master.prepare(dialect.withoutLocks("SELECT " + changeColumns(dialect, t) + " FROM "
                    + dialect.quote(t.changeTable()) + " WHERE QOS_SEQ >= ? AND QOS_SEQ < ? ORDER BY QOS_SEQ"));
            p.setMaxRows(limit);
            p.setLong(1, from);
            p.setLong(2, upTo);
            int rows = 0;
            long last = from;
            boolean full = false;
            try (ResultSet r = p.executeQuery()) {
                while (!full && r.next()) {
                    Change c = change(t, r);
                    byTx.computeIfAbsent(c.tx(), k -> new ArrayList<>()).add(c);
                    rows++;
                    last = c.seq();
                    bytes += c.bytes();
                    full = bytes >= byteLimit;
                }
            }
            window.read(t, rows, last, full);
        }
        Shipping.Candidates candidates = Shipping.candidates(byTx, horizon, window.end());
        long held = Shipping.held(candidates, newlyOpen, () -> dialect.openTransactions(master.connection()));
        List<Transaction> committed = candidates.committed();
        if (!window.cut().isEmpty() && !committed.isEmpty()) {
            committed = completed(master, dialect, window.cut(), committed);
        }
        return Shipping.select(committed, from, horizon, window.end(), held);
    }

    /**
     * The rest of each transaction's rows in the tables a read window cut: the rows past the cut,
     * kept when they belong to one of {@code transactions}. This reads the rest of the backlog
     * once per round while a replica catches up after a long absence (the change tables carry no
     * index by transaction: every change would pay for it).
     */
    private static List<Transaction> completed(Link master, Dialect dialect, Map<TableSpec, Long> cut,
                                               List<Transaction> transactions) throws SQLException {
        Map<String, List<Change>> byTx = new LinkedHashMap<>();
        transactions.forEach(tx -> byTx.put(tx.id(), new ArrayList<>(tx.changes())));
        for (Map.Entry<TableSpec, Long> e : cut.entrySet()) {
            TableSpec t = e.getKey();
            PreparedStatement p = master.prepare(dialect.withoutLocks("SELECT " + changeColumns(dialect, t) + " FROM "
                    + dialect.quote(t.changeTable()) + " WHERE QOS_SEQ > ?"));
            p.setMaxRows(0);
            p.setLong(1, e.getValue());
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    List<Change> changes = byTx.get(r.getString(2));
                    if (changes != null) {
                        changes.add(change(t, r));
                    }
                }
            }
        }
        List<Transaction> whole = new ArrayList<>();
        byTx.forEach((id, changes) -> {
            changes.sort(Comparator.comparingLong(Change::seq));
            whole.add(new Transaction(id, changes));
        });
        return whole;
    }

    private static String changeColumns(Dialect d, TableSpec t) {
        List<String> cols = new ArrayList<>(List.of("QOS_SEQ", "QOS_TX", "QOS_OP", "QOS_TS"));
        t.columnNames().forEach(c -> cols.add(d.quote(c)));
        t.primaryKey().forEach(k -> cols.add(d.quote(DerbyDialect.OLD + k)));
        return String.join(", ", cols);
    }

    private static Change change(TableSpec t, ResultSet r) throws SQLException {
        Map<String, Object> values = new LinkedHashMap<>();
        int i = 5;
        for (String c : t.columnNames()) {
            values.put(c, value(r, i++));
        }
        List<Object> oldKey = new ArrayList<>(t.primaryKey().size());
        for (int k = 0; k < t.primaryKey().size(); k++) {
            oldKey.add(r.getObject(i++));
        }
        return new Change(t, r.getLong(1), r.getString(2), r.getString(3).charAt(0), new Timestamp(r.getLong(4)),
                null, values, oldKey);
    }

    /**
     * Applies {@code batch} to a replica in one transaction, with its watermark in the same commit
     * (each transaction's id in {@code QOS_APPLIED}, the new watermark in {@code QOS_WATERMARK}), so
     * a crash at any point neither loses nor repeats a change. The changes' row identifiers are
     * worked out from the replica's identifier table ({@link RowIds#derive}; {@code base}: the
     * block of the master that made them), then consolidated (R4): per row only its final state is
     * written.
     */
    public static void apply(Link replica, Dialect dialect, List<Transaction> batch, long low, Timestamp now, long epoch,
                             long base, long generation, boolean lockTables) throws SQLException {
        replica.inTransaction(c -> {
            // The fence of the replication task: the replica's epoch row, locked first,
            // must still name this agent's epoch. An agent of an older epoch (its master declared
            // dead, itself stalled) finds a newer one and writes nothing; a promotion or a new
            // copy that writes the row waits for this transaction.
            PreparedStatement fence = replica.prepare("UPDATE QOS_EPOCH SET QOS_AT = ? WHERE QOS_EPOCH = ?");
            fence.setTimestamp(1, now);
            fence.setLong(2, epoch);
            if (fence.executeUpdate() != 1) {
                throw new SQLException("the replica has moved on from epoch " + epoch + " (promoted, or copied by a newer agent)",
                        "40XQE");
            }
            if (generation > 0) {
                // The agent process's own fence: a replaced agent (hung, then woken up) writes
                // nothing. Kept prepared; the dialect says why when it holds.
                PreparedStatement agent = replica.prepare(dialect.generationFence());
                agent.setLong(1, generation);
                agent.setLong(2, generation);
                if (agent.executeUpdate() != 1) {
                    dialect.fenceGeneration(c, generation);
                }
            }
            Map<TableSpec, List<RowState>> byTable = new LinkedHashMap<>();
            for (RowState row : consolidate(RowIds.derive(replica, dialect, batch, base))) {
                byTable.computeIfAbsent(row.table, k -> new ArrayList<>()).add(row);
            }
            if (lockTables) {
                // R6: a reader at READ COMMITTED is no snapshot, and a scan running beside the
                // writes below can count part of them. With the batch's tables locked (in name
                // order, so two appliers never deadlock) it waits for the commit and sees all.
                for (String table : byTable.keySet().stream().map(TableSpec::name).sorted().toList()) {
                    dialect.lockAgainstReaders(c, table);
                }
            }
            for (Map.Entry<TableSpec, List<RowState>> e : byTable.entrySet()) {
                write(replica, dialect, e.getKey(), e.getValue());
            }
            // Only the transactions that end at or above the new watermark: the watermark stands for
            // the others (the prune below would delete their rows in this same transaction).
            List<Transaction> aboveLow = batch.stream().filter(tx -> tx.lastSeq() >= low).toList();
            if (!aboveLow.isEmpty()) {
                PreparedStatement applied = replica.prepare(
                        "INSERT INTO QOS_APPLIED (QOS_TX, QOS_LAST_SEQ, QOS_APPLIED_AT) VALUES (?, ?, ?)");
                StatementBatch appliedRows = new StatementBatch(applied);
                for (Transaction tx : aboveLow) {
                    applied.setString(1, tx.id());
                    applied.setLong(2, tx.lastSeq());
                    applied.setTimestamp(3, now);
                    appliedRows.add();
                }
                appliedRows.flush();
            }
            PreparedStatement mark = replica.prepare("UPDATE QOS_WATERMARK SET QOS_SEQ = ?, QOS_AT = ?");
            mark.setLong(1, low);
            mark.setTimestamp(2, now);
            mark.executeUpdate();
            PreparedStatement prune = replica.prepare("DELETE FROM QOS_APPLIED WHERE QOS_LAST_SEQ < ?");
            prune.setLong(1, low);
            prune.executeUpdate();
            return null;
        });
    }

    /**
     * One table's final row states, in batched statements: the rows go from every key they had
     * in the batch, the one before it included (where the replica's identifier table had them), so
     * a key shift such as {@code SET ID = ID + 1}, and a replay over a fuzzy initial copy that holds
     * a row at a key it only had for a while, both land right (a key a touched row had can hold no
     * untouched row); the identifiers of those that were there before the batch go; then the
     * surviving rows and their identifiers are inserted.
     */
    private static void write(Link replica, Dialect d, TableSpec t, List<RowState> rows) throws SQLException {
        String where = keyWhere(d, t);
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (RowState row : rows) {
            // Every key the row had in the batch, not only the first and last: a fuzzy initial
            // copy may hold the row at a key it only had for a while.
            keys.add(row.before);
            keys.addAll(row.keys);
            if (row.values != null) {
                keys.add(row.newKey());
            }
        }
        PreparedStatement deleteRows = replica.prepare("DELETE FROM " + d.quote(t.name()) + " WHERE " + where);
        StatementBatch deletes = new StatementBatch(deleteRows);
        for (List<Object> key : keys) {
            bind(deleteRows, 1, key);
            deletes.add();
        }
        deletes.flush();
        // A row inserted in the batch has no identifier row to delete (its insert below would
        // fail on the identifier's primary key if it had).
        PreparedStatement deleteIds = replica.prepare("DELETE FROM " + d.quote(t.rowIdTable()) + " WHERE QOS_RID = ?");
        StatementBatch idDeletes = new StatementBatch(deleteIds);
        for (RowState row : rows) {
            if (!row.inserted) {
                deleteIds.setLong(1, row.rid);
                idDeletes.add();
            }
        }
        idDeletes.flush();
        List<String> cols = t.columnNames();
        PreparedStatement insertRows = replica.prepare(insert(d, t.name(), cols));
        PreparedStatement insertIds = replica.prepare(insert(d, t.rowIdTable(), withRid(t)));
        StatementBatch rowInserts = new StatementBatch(insertRows);
        StatementBatch idInserts = new StatementBatch(insertIds);
        for (RowState row : rows) {
            if (row.values == null) {
                continue;
            }
            bind(insertRows, 1, cols.stream().map(row.values::get).toList());
            rowInserts.add();
            insertIds.setLong(1, row.rid);
            bind(insertIds, 2, row.newKey());
            idInserts.add();
        }
        rowInserts.flush();
        idInserts.flush();
    }

    /** The identifier table's columns: {@code QOS_RID}, then the table's primary key. */
    static List<String> withRid(TableSpec t) {
        List<String> cols = new ArrayList<>();
        cols.add("QOS_RID");
        cols.addAll(t.primaryKey());
        return cols;
    }

    /** {@code K1 = ? AND K2 = ?}: a row by its primary key, bound with {@link #bind}. */
    static String keyWhere(Dialect d, TableSpec t) {
        return t.primaryKey().stream().map(k -> d.quote(k) + " = ?").collect(Collectors.joining(" AND "));
    }

    /** {@code INSERT INTO table (cols) VALUES (?, ...)}. */
    static String insert(Dialect d, String table, List<String> cols) {
        return insert(d, table, cols, 1);
    }

    /** {@code INSERT INTO table (cols) VALUES (?, ...), (?, ...)}: {@code rows} rows of parameters. */
    static String insert(Dialect d, String table, List<String> cols, int rows) {
        return "INSERT INTO " + d.quote(table) + " (" + cols.stream().map(d::quote).collect(Collectors.joining(", "))
                + ") VALUES " + Chunks.marks(rows, "(" + Chunks.marks(cols.size(), "?") + ")");
    }

    /**
     * At most this many sequence values, so at most this many rows of a table, per delete
     * statement of {@link #deleteBelow}: each statement commits on its own and holds its row
     * locks only that long, and none reaches Derby's lock escalation (5,000 row locks of one
     * table in one transaction, when a table lock would keep the writers' capture triggers out
     * until the statement ends).
     */
    static final long DELETE_STEP = 1_000;

    /**
     * Deletes the master's change rows from {@code from} (none is left below it) to below
     * {@code below} (every replica has them), {@link #DELETE_STEP} sequence values a statement;
     * returns how many, per table.
     */
    public static Map<TableSpec, Integer> deleteBelow(Link master, Dialect dialect, List<TableSpec> tables, long from, long below)
            throws SQLException {
        Map<TableSpec, Integer> deleted = new LinkedHashMap<>();
        for (TableSpec t : tables) {
            // The lower bound: the index scan starts there instead of walking the entries of the
            // rows deleted before, which Derby keeps in the index until it purges them (measured
            // apart, deleting 240 rows a statement: 43-52 µs of the master's CPU per transaction
            // of two changes without it, 15-21 with it).
            PreparedStatement p = master.prepare("DELETE FROM " + dialect.quote(t.changeTable())
                    + " WHERE QOS_SEQ >= ? AND QOS_SEQ < ?");
            int rows = 0;
            long lo = from;
            while (lo < below) {
                // A range of at most DELETE_STEP sequence values holds at most that many rows; a
                // wider one (a backlog, or a gap in the sequence) ends before its DELETE_STEP-th row.
                long hi = below - lo <= DELETE_STEP ? below : stepEnd(master, dialect, t, lo, below);
                p.setLong(1, lo);
                p.setLong(2, hi);
                rows += p.executeUpdate();
                lo = hi;
            }
            deleted.put(t, rows);
        }
        return deleted;
    }

    /** The sequence of the {@link #DELETE_STEP}-th change row of {@code t} from {@code lo} on, below {@code below}; else {@code below}. */
    private static long stepEnd(Link master, Dialect dialect, TableSpec t, long lo, long below) throws SQLException {
        PreparedStatement p = master.prepare("SELECT QOS_SEQ FROM " + dialect.quote(t.changeTable())
                + " WHERE QOS_SEQ >= ? AND QOS_SEQ < ? ORDER BY QOS_SEQ OFFSET " + DELETE_STEP + " ROWS FETCH NEXT 1 ROW ONLY");
        p.setLong(1, lo);
        p.setLong(2, below);
        try (ResultSet r = p.executeQuery()) {
            return r.next() ? r.getLong(1) : below;
        }
    }

    /**
     * The final state of each row the batch touched, by row identifier (every change has one by
     * now, {@link RowIds#derive}), in the order rows were first touched. Several changes to one
     * row become one (R4); as the changes are whole rows in commit order, the later change of a
     * field is the one kept.
     */
    static Collection<RowState> consolidate(List<Transaction> batch) {
        Map<List<Object>, RowState> rows = new LinkedHashMap<>();
        for (Transaction tx : batch) {
            for (Change c : tx.changes()) {
                List<Object> before = c.op() == 'I' ? c.newKey() : c.oldKey();
                long rid = java.util.Objects.requireNonNull(c.rid(), "change without a row identifier");
                RowState row = rows.computeIfAbsent(List.of(c.table().name(), rid), k -> new RowState(c.table(), rid, before, c.op() == 'I'));
                row.keys.add(c.oldKey());
                row.keys.add(c.newKey());
                row.values = c.op() == 'D' ? null : c.values();
            }
        }
        return rows.values();
    }

    static int bind(PreparedStatement p, int from, List<Object> values) throws SQLException {
        int i = from;
        for (Object v : values) {
            if (v == null) {
                p.setNull(i, p.getParameterMetaData().getParameterType(i));
            } else if (v instanceof byte[] bytes) {
                // A stream binds to every binary type, BLOB included.
                p.setBinaryStream(i, new java.io.ByteArrayInputStream(bytes), bytes.length);
            } else {
                p.setObject(i, v);
            }
            i++;
        }
        return i;
    }

    /**
     * Column {@code i} of the current row, a LOB read whole: what the driver hands out for a BLOB
     * or CLOB is a locator that is valid only while its result set is open, and bound to another
     * connection it writes NULL.
     */
    static Object value(ResultSet r, int i) throws SQLException {
        Object v = r.getObject(i);
        if (v instanceof java.sql.Blob b) {
            try {
                return b.getBytes(1, Math.toIntExact(b.length()));
            } finally {
                b.free();
            }
        }
        if (v instanceof java.sql.Clob c) {
            try {
                return c.getSubString(1, Math.toIntExact(c.length()));
            } finally {
                c.free();
            }
        }
        return v;
    }

    /**
     * One row's final state in a batch: its key before the batch, every key it had during the
     * batch, and its values at the end (null: deleted).
     */
    static final class RowState {
        final TableSpec table;
        final long rid;
        final List<Object> before;
        /**
         * Inserted in the batch: its identifier (the insert's sequence plus the master's block)
         * is in no identifier table yet, as every change is applied once.
         */
        final boolean inserted;
        final Set<List<Object>> keys = new LinkedHashSet<>();
        Map<String, Object> values;

        RowState(TableSpec table, long rid, List<Object> before, boolean inserted) {
            this.table = table;
            this.rid = rid;
            this.before = before;
            this.inserted = inserted;
        }

        List<Object> newKey() {
            return table.primaryKey().stream().map(values::get).toList();
        }
    }
}
