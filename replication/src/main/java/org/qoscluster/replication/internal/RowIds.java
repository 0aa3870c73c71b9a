package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/**
 * Row identifiers (R1), worked out from the changes after the fact. The capture triggers only
 * record each change (one trigger per event: keeping an identifier table from triggers took a
 * second trigger on inserts and deletes and a look-up in every one, which cost Derby writers about
 * a third of their throughput). An insert's identifier is its change sequence plus the block of
 * the epoch whose master made it ({@code epoch * 2^40}); an update or delete takes the identifier
 * of the row at its old key in the identifier table {@code QOS_RID_T}. The block is the epoch's,
 * not the copy's: a promoted master numbers its changes from its watermark, below sequence values
 * that a copy drew when it was master before and whose identifiers rows still hold (rows there
 * before capture or re-identified have no change row to move a watermark on, and transactions
 * reach replicas above their watermark). Each epoch has one master, whose sequence only rises.
 * <p>
 * Each replica works out the identifiers of the changes it applies from its own identifier table
 * ({@link #derive}) and moves it on in the same transaction. Applied in the same order for every
 * key, the replicas' tables stay equal, and the master writes nothing per change beyond its
 * capture row (writing each change's identifier into its change row cost the master more than
 * the capture triggers themselves). The master's agent moves the master's table on
 * ({@link #identify}, only what inserts, deletes and key moves change) only while the group has no
 * replica: with replicas, a new one starts from a replica's table, and keeping the master's cost
 * the master about as much as the triggers (identify read, key look-up, identifier row).
 * <p>
 * A statement that shifts keys ({@code SET ID = ID + 1}) passes through duplicate keys: for a
 * moment two rows are at one key, the one that was there and the one that just moved in. The
 * one that was there is the one whose change comes next from that key (the other cannot move
 * twice in one statement), so each key holds its rows first in, first out.
 */
public final class RowIds {

    private static final Logger LOG = Logger.getLogger(RowIds.class.getName());

    /** Each epoch's master hands out row identifiers from the epoch's own block of 2^40. */
    public static final long BLOCK = 1L << 40;
    public static final long MAX_EPOCH = Long.MAX_VALUE / BLOCK - 1;

    private RowIds() {
    }

    /** The first identifier of epoch {@code epoch}'s block. */
    public static long base(long epoch) {
        if (epoch < 1 || epoch > MAX_EPOCH) {
            throw new IllegalArgumentException("epoch " + epoch + " is not in 1.." + MAX_EPOCH);
        }
        return epoch * BLOCK;
    }

    /** A change without its identifier yet: sequence, operation, key before and after. */
    record Pending(long seq, char op, List<Object> oldKey, List<Object> newKey) {

        /** Whether it changes the identifier table: an insert, a delete, an update to another key. */
        boolean moves() {
            return op != 'U' || !newKey.equals(oldKey);
        }
    }

    /**
     * The identifiers of a table's changes and the identifier table's edits: {@code remove} the
     * identifiers to delete, {@code place} the identifiers to (re)insert at a key.
     * {@code crowdedFrom}: when the changes end with a key holding two rows (in the middle of a
     * statement that shifts keys), the sequence of the change from which on that was so;
     * {@code Long.MAX_VALUE} otherwise. The identifier table keeps no order among the rows of one
     * key, so only a table where no key holds two rows can be written and taken up again.
     */
    record Resolution(Map<Long, Long> ridBySeq, List<Long> remove, Map<Long, List<Object>> place, long crowdedFrom) {
    }

    /**
     * Works out the identifiers of {@code changes} (one table's, in sequence order), asking
     * {@code lookup} for the identifiers a key holds in the identifier table.
     */
    static Resolution resolve(List<Pending> changes, long base, Function<List<Object>, List<Long>> lookup) {
        Map<List<Object>, Deque<Long>> at = new HashMap<>();
        Map<Long, List<Object>> before = new HashMap<>();
        int[] crowded = {0}; // keys holding two rows or more
        Function<List<Object>, Deque<Long>> occupants = key -> at.computeIfAbsent(key, k -> {
            Deque<Long> rows = new ArrayDeque<>(lookup.apply(k));
            rows.forEach(rid -> before.put(rid, k));
            if (rows.size() > 1) {
                crowded[0]++;
            }
            return rows;
        });
        java.util.function.BiConsumer<Deque<Long>, Long> arrive = (rows, rid) -> {
            rows.addLast(rid);
            if (rows.size() == 2) {
                crowded[0]++;
            }
        };
        Map<Long, Long> ridBySeq = new LinkedHashMap<>();
        long crowdedFrom = Long.MAX_VALUE;
        for (Pending c : changes) {
            long rid;
            if (c.op() == 'I') {
                rid = c.seq() + base;
                arrive.accept(occupants.apply(c.newKey()), rid);
            } else {
                Deque<Long> from = occupants.apply(c.oldKey());
                Long found = from.peekFirst();
                boolean moves = c.moves();
                if (found == null) {
                    // Cannot happen while only the agent writes the identifier table; were it
                    // edited by hand, the row carries on under a new identifier (replicas find it
                    // by key) rather than stopping replication.
                    // An update in place leaves it without one, as on the master, which only
                    // looks at changes that move rows.
                    LOG.log(Level.WARNING, "change={0} no row identifier at key {1}; giving it a new one",
                            new Object[] {String.valueOf(c.seq()), c.oldKey()});
                    rid = c.seq() + base;
                } else {
                    rid = found;
                    if (moves) {
                        from.pollFirst();
                        if (from.size() == 1) {
                            crowded[0]--;
                        }
                    }
                }
                if (c.op() == 'U' && moves) {
                    arrive.accept(occupants.apply(c.newKey()), rid);
                }
            }
            ridBySeq.put(c.seq(), rid);
            if (crowded[0] == 0) {
                crowdedFrom = Long.MAX_VALUE;
            } else if (crowdedFrom == Long.MAX_VALUE) {
                crowdedFrom = c.seq();
            }
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
        return new Resolution(ridBySeq, remove, place, crowdedFrom);
    }

    /**
     * Moves the master's identifier table on over the changes from {@code from} (every change
     * below it is reflected there; kept in {@code QOS_IDENTIFIED}, in the same transaction): at
     * most about {@code limit} per table, in sequence order, never above {@code settled} (a change
     * can have a sequence below the horizon and still be invisible when read: its writer drew the
     * value and had not inserted the row yet). Only inserts, deletes and updates that move a row to
     * another key change the table, so only they are read (the master filters them out of the
     * change table, so an update in place costs the agent nothing here), up to the first of them
     * that belongs to a transaction still open. Returns the new bound.
     * <p>
     * Nothing is written into the change rows: each replica works the identifiers of the changes
     * it applies out of its own identifier table ({@link #derive}). The agent calls this only
     * while the group has no replica, so that one that joins can start from the master's table.
     */
    public static long identify(Link master, Dialect d, List<TableSpec> tables, Dialect.Horizon horizon, long settled,
                                long from, int limit, long base) throws SQLException {
        return master.inTransaction(c -> {
            for (int rows = limit; ; rows = rows > (1 << 22) ? 0 : rows * 2) {
                Step step = step(master, d, tables, horizon, settled, from, rows, base);
                if (step.below() > from || !step.cut() || rows == 0) {
                    for (Map.Entry<TableSpec, Resolution> e : step.resolutions().entrySet()) {
                        write(master, d, e.getKey(), e.getValue());
                    }
                    if (step.below() > from) {
                        PreparedStatement mark = master.prepare("UPDATE QOS_IDENTIFIED SET QOS_BELOW = ?");
                        mark.setLong(1, step.below());
                        mark.executeUpdate();
                    }
                    return step.below();
                }
                // a statement that shifts keys is cut by the read's end: read further
            }
        });
    }

    /** What {@link #identify} does in one try: up to where, and the edits per table. */
    private record Step(long below, boolean cut, Map<TableSpec, Resolution> resolutions) {
    }

    /**
     * Reads at most {@code limit} changes per table (0: no limit) and resolves those that move
     * rows, up to the horizon's rules and back to where no key holds two rows in any table.
     */
    private static Step step(Link master, Dialect d, List<TableSpec> tables, Dialect.Horizon horizon, long settled,
                             long from, int limit, long base) throws SQLException {
        long bound = Math.min(horizon.nextSequence(), settled);
        boolean cut = false;
        Map<TableSpec, List<Pending>> moving = new LinkedHashMap<>();
        for (TableSpec t : tables) {
            // Only the changes that move a row (Pending.moves): an update in place changes nothing
            // in the identifier table, committed or rolled back, so neither it nor the
            // transaction it belongs to needs to be seen here.
            String moved = t.primaryKey().stream().map(k -> d.quote(k) + " <> " + d.quote(DerbyDialect.OLD + k))
                    .collect(java.util.stream.Collectors.joining(" OR "));
            PreparedStatement read = master.prepare(d.withoutLocks("SELECT QOS_SEQ, QOS_TX, QOS_OP, "
                    + cols(d, t.primaryKey(), "") + ", " + cols(d, t.primaryKey(), DerbyDialect.OLD) + " FROM "
                    + d.quote(t.changeTable()) + " WHERE QOS_SEQ >= ? AND QOS_SEQ < ? AND (QOS_OP <> 'U' OR " + moved
                    + ") ORDER BY QOS_SEQ"));
            read.setMaxRows(limit);
            read.setLong(1, from);
            read.setLong(2, bound);
            List<Pending> pending = new ArrayList<>();
            int rows = 0;
            long last = 0;
            try (ResultSet r = read.executeQuery()) {
                while (r.next()) {
                    rows++;
                    long seq = r.getLong(1);
                    last = seq;
                    if (horizon.openTransactions().contains(r.getString(2))) {
                        bound = Math.min(bound, seq);
                        break;
                    }
                    pending.add(pending(r, t));
                }
            }
            if (limit > 0 && rows >= limit) {
                bound = Math.min(bound, last + 1); // the rest next round
                cut = true;
            }
            moving.put(t, pending);
        }
        Map<TableSpec, Map<List<Object>, List<Long>>> held = new HashMap<>();
        for (Map.Entry<TableSpec, List<Pending>> e : moving.entrySet()) {
            held.put(e.getKey(), e.getValue().isEmpty() ? Map.of() : lookup(master, d, e.getKey(), keysOf(e.getValue())));
        }
        long below = Math.max(from, bound);
        Map<TableSpec, Resolution> resolutions = new LinkedHashMap<>();
        boolean lowered = true;
        while (lowered) {
            lowered = false;
            resolutions.clear();
            for (Map.Entry<TableSpec, List<Pending>> e : moving.entrySet()) {
                long end = below;
                List<Pending> before = e.getValue().stream().filter(p -> p.seq() < end).toList();
                Map<List<Object>, List<Long>> keys = held.get(e.getKey());
                Resolution res = resolve(before, base, key -> keys.getOrDefault(key, List.of()));
                if (res.crowdedFrom() < below) {
                    below = res.crowdedFrom();
                    lowered = true;
                    break;
                }
                resolutions.put(e.getKey(), res);
            }
        }
        return new Step(below, cut, resolutions);
    }

    /**
     * Below which the master's identifier tables reflect every change ({@link #identify}); 0 when
     * they are not kept ({@link #forget}).
     */
    public static long identifiedBelow(Connection master) throws SQLException {
        try (Statement s = master.createStatement(); ResultSet r = s.executeQuery("SELECT QOS_BELOW FROM QOS_IDENTIFIED")) {
            if (!r.next()) {
                throw new SQLException("QOS_IDENTIFIED has no row: change capture is not installed on this copy");
            }
            return r.getLong(1);
        }
    }

    /**
     * Records that the master's identifier tables are no longer kept (0 in {@code QOS_IDENTIFIED}):
     * said before the first change row they do not reflect is deleted, so that no later agent
     * takes them for a copy's starting point. The replicas hold the identifiers.
     */
    public static void forget(Link master) throws SQLException {
        identifiedAt(master.connection(), 0);
    }

    /**
     * Sets where a copy's identifier tables stand ({@code QOS_IDENTIFIED}), when it has that
     * table; part of the caller's transaction. A promoted replica's tables reflect every change
     * of the epochs before, so they stand at the new epoch's first sequence.
     */
    public static void identifiedAt(Connection copy, long below) throws SQLException {
        try (PreparedStatement p = copy.prepareStatement("UPDATE QOS_IDENTIFIED SET QOS_BELOW = ?")) {
            p.setLong(1, below);
            p.executeUpdate();
        } catch (SQLException e) {
            if (!DerbyDialect.NO_TABLE.equals(e.getSQLState())) { // capture was never installed there
                throw e;
            }
        }
    }

    /**
     * Gives every row of the master a new identifier from its block, in one transaction that first
     * keeps writers out of the tables ({@link Dialect#lockAgainstWriters}: it waits for the
     * transactions writing them to end, and they wait for it), and records that the tables now
     * reflect every change below a sequence value drawn last. For a master whose identifier tables
     * were not kept when a copy must start from them and no copy holds any identifiers of this
     * epoch to start from instead: the identifiers are new, but nobody has others. Returns the
     * new bound.
     */
    public static long reidentify(Link master, Dialect d, List<TableSpec> tables, long base) throws SQLException {
        return master.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                for (TableSpec t : tables) {
                    d.lockAgainstWriters(c, t.name());
                }
                for (TableSpec t : tables) {
                    String keys = t.primaryKey().stream().map(d::quote).collect(java.util.stream.Collectors.joining(", "));
                    s.executeUpdate("DELETE FROM " + d.quote(t.rowIdTable()));
                    s.executeUpdate("INSERT INTO " + d.quote(t.rowIdTable()) + " (QOS_RID, " + keys + ") SELECT " + DerbyCapture.NEXT_SEQUENCE
                            + " + " + base + ", " + t.primaryKey().stream().map(k -> "T." + d.quote(k)).collect(java.util.stream.Collectors.joining(", "))
                            + " FROM " + d.quote(t.name()) + " T, QOS_CAPTURING QOS_C");
                }
                long below;
                try (ResultSet r = s.executeQuery("SELECT " + DerbyCapture.NEXT_SEQUENCE + " FROM QOS_CAPTURING QOS_C")) {
                    r.next();
                    below = r.getLong(1);
                }
                identifiedAt(c, below);
                return below;
            }
        });
    }

    /**
     * {@code batch} (a replica's, in the order it applies it) with the row identifier of every
     * change, worked out from the replica's identifier table, which reflects every change the
     * replica holds: an insert's is its sequence plus {@code base}, the block of the epoch
     * whose master made the change; an update or delete takes the identifier of the row at its old key.
     * The order is the master's order for any one key (a row's changes are serialized by its
     * locks), which is all {@link #resolve} depends on.
     */
    static List<Changes.Transaction> derive(Link replica, Dialect d, List<Changes.Transaction> batch, long base)
            throws SQLException {
        Map<TableSpec, List<Pending>> byTable = new LinkedHashMap<>();
        for (Changes.Transaction tx : batch) {
            for (Changes.Change c : tx.changes()) {
                byTable.computeIfAbsent(c.table(), k -> new ArrayList<>()).add(new Pending(c.seq(), c.op(), c.oldKey(), c.newKey()));
            }
        }
        Map<Long, Long> ridBySeq = new HashMap<>();
        for (Map.Entry<TableSpec, List<Pending>> e : byTable.entrySet()) {
            Map<List<Object>, List<Long>> held = lookup(replica, d, e.getKey(), keysOf(e.getValue()));
            ridBySeq.putAll(resolve(e.getValue(), base, key -> held.getOrDefault(key, List.of())).ridBySeq());
        }
        List<Changes.Transaction> identified = new ArrayList<>(batch.size());
        for (Changes.Transaction tx : batch) {
            identified.add(new Changes.Transaction(tx.id(), tx.changes().stream().map(c -> c.withRid(ridBySeq.get(c.seq()))).toList()));
        }
        return identified;
    }

    /** A row of {@link #step}'s read: sequence, transaction, operation, the key, the old key. */
    private static Pending pending(ResultSet r, TableSpec t) throws SQLException {
        int k = t.primaryKey().size();
        List<Object> key = new ArrayList<>(k);
        List<Object> old = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            key.add(r.getObject(4 + i));
            old.add(r.getObject(4 + k + i));
        }
        return new Pending(r.getLong(1), r.getString(3).charAt(0), old, key);
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
     * (IN list, always of that length: {@link Chunks#padded}), a composite one key by key.
     */
    private static Map<List<Object>, List<Long>> lookup(Link master, Dialect d, TableSpec t, Set<List<Object>> keys)
            throws SQLException {
        Map<List<Object>, List<Long>> held = new HashMap<>();
        if (t.primaryKey().size() == 1) {
            String select = "SELECT QOS_RID, " + d.quote(t.primaryKey().get(0)) + " FROM " + d.quote(t.rowIdTable())
                    + " WHERE " + d.quote(t.primaryKey().get(0)) + " IN (";
            // One shape, the list filled up with its last key (a key asked twice is found once).
            Chunks.padded(new ArrayList<>(keys), (n, chunk) -> {
                PreparedStatement p = master.prepare(select + Chunks.marks(n, "?") + ")");
                int i = 1;
                for (List<Object> key : chunk) {
                    i = Changes.bind(p, i, key);
                }
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        List<Long> rids = held.computeIfAbsent(List.of(r.getObject(2)), k -> new ArrayList<>());
                        if (!rids.contains(r.getLong(1))) {
                            rids.add(r.getLong(1));
                        }
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
     * Writes a resolution's edits of the identifier table, {@link Chunks#SIZE} rows per statement:
     * removals ({@code IN} list, always of that length), then placements (multi-row {@code VALUES}).
     */
    private static void write(Link master, Dialect d, TableSpec t, Resolution res) throws SQLException {
        String delete = "DELETE FROM " + d.quote(t.rowIdTable()) + " WHERE QOS_RID IN (";
        Chunks.padded(res.remove(), (n, chunk) -> {
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
