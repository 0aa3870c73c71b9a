package org.qoscluster.replication.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/**
 * Row identifiers (R1), given to captured changes by the agent, on the master, after the fact.
 * The capture triggers only record each change (one trigger per event: keeping an identifier
 * table from triggers took a second trigger on inserts and deletes and a look-up in every one,
 * which cost Derby writers about a third of their throughput). The agent reads the changes not
 * yet identified, in sequence order per table, and works their identifiers out from the
 * master's identifier table {@code QOS_RID_T} (which only it writes): an insert's identifier is
 * its change sequence plus the copy's block ({@code copy * 2^40}, unique across copies); an
 * update or delete takes the identifier of the row at its old key. It writes them into the change
 * rows and moves the identifier table on, in one master transaction.
 * <p>
 * A statement that shifts keys ({@code SET ID = ID + 1}) passes through duplicate keys: for a
 * moment two rows are at one key, the one that was there and the one that just moved in. The
 * one that was there is the one whose change comes next from that key (the other cannot move
 * twice in one statement), so each key holds its rows first in, first out.
 */
public final class RowIds {

    private static final Logger LOG = Logger.getLogger(RowIds.class.getName());

    /** Each copy hands out row identifiers from its own block of 2^40. */
    public static final long BLOCK = 1L << 40;
    public static final int MAX_COPY = (int) (Long.MAX_VALUE / BLOCK) - 1;

    private RowIds() {
    }

    /** The first identifier of copy {@code copyNumber}'s block. */
    public static long base(int copyNumber) {
        if (copyNumber < 1 || copyNumber > MAX_COPY) {
            throw new IllegalArgumentException("copy number " + copyNumber + " is not in 1.." + MAX_COPY);
        }
        return copyNumber * BLOCK;
    }

    /** A change without its identifier yet: sequence, operation, key before and after. */
    record Pending(long seq, char op, List<Object> oldKey, List<Object> newKey) {
    }

    /**
     * The identifiers of a table's changes and the identifier table's edits: {@code remove} the
     * identifiers to delete, {@code place} the identifiers to (re)insert at a key.
     */
    record Resolution(Map<Long, Long> ridBySeq, List<Long> remove, Map<Long, List<Object>> place) {
    }

    /**
     * Works out the identifiers of {@code changes} (one table's, in sequence order), asking
     * {@code lookup} for the identifiers a key holds in the identifier table.
     */
    static Resolution resolve(List<Pending> changes, long base, Function<List<Object>, List<Long>> lookup) {
        Map<List<Object>, Deque<Long>> at = new HashMap<>();
        Map<Long, List<Object>> before = new HashMap<>();
        Function<List<Object>, Deque<Long>> occupants = key -> at.computeIfAbsent(key, k -> {
            Deque<Long> rows = new ArrayDeque<>(lookup.apply(k));
            rows.forEach(rid -> before.put(rid, k));
            return rows;
        });
        Map<Long, Long> ridBySeq = new LinkedHashMap<>();
        for (Pending c : changes) {
            long rid;
            if (c.op() == 'I') {
                rid = c.seq() + base;
                occupants.apply(c.newKey()).addLast(rid);
            } else {
                Deque<Long> from = occupants.apply(c.oldKey());
                Long found = from.peekFirst();
                boolean moves = c.op() == 'D' || !c.newKey().equals(c.oldKey());
                if (found == null) {
                    // Cannot happen while only the agent writes the identifier table; were it
                    // edited by hand, the row carries on under a new identifier (replicas find it
                    // by key) rather than stopping replication.
                    LOG.warning("no row identifier at key " + c.oldKey() + " for change " + c.seq() + "; giving it a new one");
                    rid = c.seq() + base;
                    if (!moves) {
                        from.addLast(rid);
                    }
                } else {
                    rid = found;
                    if (moves) {
                        from.pollFirst();
                    }
                }
                if (c.op() == 'U' && moves) {
                    occupants.apply(c.newKey()).addLast(rid);
                }
            }
            ridBySeq.put(c.seq(), rid);
        }
        Map<Long, List<Object>> after = new HashMap<>();
        at.forEach((key, rows) -> rows.forEach(rid -> after.put(rid, key)));
        List<Long> remove = new ArrayList<>();
        before.forEach((rid, key) -> {
            if (!key.equals(after.get(rid))) {
                remove.add(rid);
            }
        });
        Map<Long, List<Object>> place = new LinkedHashMap<>();
        after.forEach((rid, key) -> {
            if (!key.equals(before.get(rid))) {
                place.put(rid, key);
            }
        });
        return new Resolution(ridBySeq, remove, place);
    }

    /**
     * Identifies the changes below the horizon of transactions that are not open, at most about
     * {@code limit} per table, starting from {@code from} (every change below it has its
     * identifier). Returns the new such bound, never above {@code settled}: a change can have a
     * sequence below the horizon and still be invisible when read (its writer drew the value and
     * had not inserted the row yet), so only below a settled horizon is nothing left behind.
     */
    public static long identify(Link master, Dialect d, List<TableSpec> tables, Dialect.Horizon horizon, long settled,
                                long from, int limit, long base) throws SQLException {
        return master.inTransaction(c -> {
            long next = horizon.nextSequence();
            for (TableSpec t : tables) {
                PreparedStatement read = master.prepare(d.withoutLocks("SELECT QOS_SEQ, QOS_TX, QOS_OP, "
                        + cols(d, t.primaryKey(), "") + ", " + cols(d, t.primaryKey(), DerbyDialect.OLD) + " FROM "
                        + d.quote(t.changeTable()) + " WHERE QOS_SEQ >= ? AND QOS_SEQ < ? AND QOS_RID IS NULL ORDER BY QOS_SEQ"));
                read.setMaxRows(limit);
                read.setLong(1, from);
                read.setLong(2, horizon.nextSequence());
                List<Pending> pending = new ArrayList<>();
                int rows = 0;
                long last = 0;
                try (ResultSet r = read.executeQuery()) {
                    while (r.next()) {
                        rows++;
                        long seq = r.getLong(1);
                        last = seq;
                        if (horizon.openTransactions().contains(r.getString(2))) {
                            next = Math.min(next, seq);
                            continue;
                        }
                        int k = t.primaryKey().size();
                        List<Object> key = new ArrayList<>(k);
                        List<Object> old = new ArrayList<>(k);
                        for (int i = 0; i < k; i++) {
                            key.add(r.getObject(4 + i));
                            old.add(r.getObject(4 + k + i));
                        }
                        pending.add(new Pending(seq, r.getString(3).charAt(0), old, key));
                    }
                }
                if (rows >= limit) {
                    next = Math.min(next, last + 1); // the rest next round
                }
                if (!pending.isEmpty()) {
                    Map<List<Object>, List<Long>> held = lookup(master, d, t, keysOf(pending));
                    write(master, d, t, resolve(pending, base, key -> held.getOrDefault(key, List.of())));
                }
            }
            return Math.max(from, Math.min(next, settled));
        });
    }

    /** Every key {@link #resolve} asks about for {@code changes}: where each change finds or puts its row. */
    static Set<List<Object>> keysOf(List<Pending> changes) {
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (Pending c : changes) {
            if (c.op() != 'I') {
                keys.add(c.oldKey());
            }
            if (c.op() != 'D') {
                keys.add(c.newKey());
            }
        }
        return keys;
    }

    /**
     * The identifiers {@code keys} hold in the identifier table, in identifier order; a key that
     * holds none is left out. A one-column key is looked up {@link Chunks#SIZE} keys per statement
     * (IN list), a composite one key by key.
     */
    private static Map<List<Object>, List<Long>> lookup(Link master, Dialect d, TableSpec t, Set<List<Object>> keys)
            throws SQLException {
        Map<List<Object>, List<Long>> held = new HashMap<>();
        if (t.primaryKey().size() == 1) {
            String select = "SELECT QOS_RID, " + d.quote(t.primaryKey().get(0)) + " FROM " + d.quote(t.rowIdTable())
                    + " WHERE " + d.quote(t.primaryKey().get(0)) + " IN (";
            Chunks.each(new ArrayList<>(keys), (n, chunk) -> {
                PreparedStatement p = master.prepare(select + Chunks.marks(n, "?") + ")");
                int i = 1;
                for (List<Object> key : chunk) {
                    i = Changes.bind(p, i, key);
                }
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        held.computeIfAbsent(List.of(r.getObject(2)), k -> new ArrayList<>()).add(r.getLong(1));
                    }
                }
            });
            held.values().forEach(Collections::sort);
            return held;
        }
        PreparedStatement p = master.prepare("SELECT QOS_RID FROM " + d.quote(t.rowIdTable()) + " WHERE " + Changes.keyWhere(d, t)
                + " ORDER BY QOS_RID");
        for (List<Object> key : keys) {
            Changes.bind(p, 1, key);
            List<Long> rids = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    rids.add(r.getLong(1));
                }
            }
            if (!rids.isEmpty()) {
                held.put(key, rids);
            }
        }
        return held;
    }

    /**
     * Writes a resolution, {@link Chunks#SIZE} rows per statement: the identifiers into the change
     * rows (one {@code UPDATE} with a {@code CASE} per chunk), the identifier table's removals
     * ({@code IN} list) and placements (multi-row {@code VALUES}). Statement by statement, the
     * agent's work on the master cost more than the capture triggers themselves.
     */
    private static void write(Link master, Dialect d, TableSpec t, Resolution res) throws SQLException {
        String update = "UPDATE " + d.quote(t.changeTable()) + " SET QOS_RID = CASE";
        Chunks.each(new ArrayList<>(res.ridBySeq().entrySet()), (n, chunk) -> {
            PreparedStatement mark = master.prepare(update + " WHEN QOS_SEQ = ? THEN CAST(? AS BIGINT)".repeat(n)
                    + " END WHERE QOS_SEQ IN (" + Chunks.marks(n, "?") + ")");
            int i = 1;
            for (Map.Entry<Long, Long> e : chunk) {
                mark.setLong(i++, e.getKey());
                mark.setLong(i++, e.getValue());
            }
            for (Map.Entry<Long, Long> e : chunk) {
                mark.setLong(i++, e.getKey());
            }
            mark.executeUpdate();
        });
        String delete = "DELETE FROM " + d.quote(t.rowIdTable()) + " WHERE QOS_RID IN (";
        Chunks.each(res.remove(), (n, chunk) -> {
            PreparedStatement remove = master.prepare(delete + Chunks.marks(n, "?") + ")");
            for (int i = 0; i < n; i++) {
                remove.setLong(i + 1, chunk.get(i));
            }
            remove.executeUpdate();
        });
        Chunks.each(new ArrayList<>(res.place().entrySet()), (n, chunk) -> {
            PreparedStatement place = master.prepare(Changes.insert(d, t.rowIdTable(), Changes.withRid(t), n));
            int i = 1;
            for (Map.Entry<Long, List<Object>> e : chunk) {
                place.setLong(i++, e.getKey());
                i = Changes.bind(place, i, e.getValue());
            }
            place.executeUpdate();
        });
    }

    private static String cols(Dialect d, List<String> names, String prefix) {
        return String.join(", ", names.stream().map(n -> d.quote(prefix + n)).toList());
    }
}
