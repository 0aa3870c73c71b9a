package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.internal.RowIds.Pending;
import org.qoscluster.replication.internal.RowIds.Resolution;

class RowIdsTest {

    private static final long BASE = RowIds.base(1);

    /** The identifier table as a map from identifier to key, edited as {@link RowIds#identify} would. */
    private final Map<Long, List<Object>> table = new TreeMap<>();

    private Resolution resolve(Pending... changes) {
        return resolve(table, List.of(changes));
    }

    /** Resolves {@code changes} against {@code table} and edits it with the resolution. */
    private static Resolution resolve(Map<Long, List<Object>> table, List<Pending> changes) {
        // identify and derive look up beforehand the keys keysOf names, and only those: resolve must ask for no other
        java.util.Set<List<Object>> looked = RowIds.keysOf(changes);
        Resolution res = RowIds.resolve(changes, BASE, key -> {
            assertTrue(looked.contains(key), "resolve asked for key " + key + ", which keysOf does not name: " + looked);
            List<Long> rids = new ArrayList<>();
            table.forEach((rid, k) -> {
                if (k.equals(key)) {
                    rids.add(rid);
                }
            });
            return rids;
        });
        res.remove().forEach(table::remove);
        table.putAll(res.place());
        return res;
    }

    private static Pending insert(long seq, long id) {
        return new Pending(seq, 'I', List.of(id), List.of(id));
    }

    private static Pending update(long seq, long from, long to) {
        return new Pending(seq, 'U', List.of(from), List.of(to));
    }

    private static Pending delete(long seq, long id) {
        return new Pending(seq, 'D', List.of(id), List.of(id));
    }

    @Test
    void shouldGiveAnInsertItsSequenceInTheCopysBlockAndLaterChangesTheSameIdentifier() {
        Resolution res = resolve(insert(10, 1), update(11, 1, 1), update(12, 1, 5), delete(13, 5));
        long rid = BASE + 10;
        assertEquals(Map.of(10L, rid, 11L, rid, 12L, rid, 13L, rid), res.ridBySeq());
        assertTrue(table.isEmpty(), "inserted and deleted in one batch: nothing to keep");
    }

    @Test
    void shouldFollowARowAcrossBatchesThroughTheIdentifierTable() {
        resolve(insert(10, 1), insert(11, 2));
        assertEquals(Map.of(BASE + 10, List.<Object>of(1L), BASE + 11, List.<Object>of(2L)), table);
        Resolution res = resolve(update(20, 2, 7), delete(21, 1));
        assertEquals(Map.of(20L, BASE + 11, 21L, BASE + 10), res.ridBySeq());
        assertEquals(Map.of(BASE + 11, List.<Object>of(7L)), table);
    }

    @Test
    void shouldKeepEachRowsIdentifierWhenOneStatementShiftsKeysOntoEachOtherInAnyOrder() {
        // UPDATE T SET ID = ID + 1 over ids 1, 2, 3: Derby may fire the row triggers in any order.
        for (List<Integer> order : List.of(List.of(1, 2, 3), List.of(3, 2, 1), List.of(2, 1, 3), List.of(2, 3, 1))) {
            table.clear();
            resolve(insert(1, 1), insert(2, 2), insert(3, 3));
            Map<Long, Long> ridOfId = Map.of(1L, BASE + 1, 2L, BASE + 2, 3L, BASE + 3);
            List<Pending> shift = new ArrayList<>();
            long seq = 100;
            for (int id : order) {
                shift.add(update(seq++, id, id + 1));
            }
            Resolution res = resolve(shift.toArray(Pending[]::new));
            for (Pending p : shift) {
                assertEquals(ridOfId.get((Long) p.oldKey().get(0)), res.ridBySeq().get(p.seq()), "order " + order);
            }
            Map<Long, List<Object>> expected = new HashMap<>();
            ridOfId.forEach((id, rid) -> expected.put(rid, List.of(id + 1)));
            assertEquals(expected, table, "order " + order);
        }
    }

    @Test
    void shouldGiveAKeyDeletedAndInsertedAgainANewIdentifier() {
        resolve(insert(1, 1));
        Resolution res = resolve(delete(5, 1), insert(6, 1), update(7, 1, 1));
        assertEquals(Map.of(5L, BASE + 1, 6L, BASE + 6, 7L, BASE + 6), res.ridBySeq());
        assertEquals(Map.of(BASE + 6, List.<Object>of(1L)), table);
    }

    @Test
    void shouldCarryOnUnderANewIdentifierWhenTheTableHasNoneForTheKey() {
        // An update in place does not place it: the master's agent, which looks only at changes
        // that move rows, would not either, and the two tables must stay equal.
        Resolution res = resolve(update(9, 4, 4), update(10, 4, 6));
        assertEquals(Map.of(9L, BASE + 9, 10L, BASE + 10), res.ridBySeq());
        assertEquals(Map.of(BASE + 10, List.<Object>of(6L)), table, "a move places it at the new key");
    }

    @Test
    void shouldKeepTheMastersTableFromInsertsDeletesAndMovesAloneAsAReplicaKeepsItFromEveryChange() {
        for (long seed = 1; seed <= 30; seed++) {
            java.util.Random random = new java.util.Random(seed);
            List<List<Pending>> statements = randomStatements(random, 600);
            List<Pending> changes = statements.stream().flatMap(List::stream).toList();
            // The master's agent (identify) sees only what changes its table, and cuts where it
            // likes, then back to where no key holds two rows: in no case inside a key shift.
            Map<Long, List<Object>> master = new TreeMap<>();
            List<Pending> moving = changes.stream().filter(Pending::moves).toList();
            int cutsInsideAShift = 0;
            for (int from = 0; from < moving.size(); ) {
                int to = Math.min(moving.size(), from + 1 + random.nextInt(40));
                Map<Long, List<Object>> copy = new TreeMap<>(master);
                long crowdedFrom = resolve(copy, moving.subList(from, to)).crowdedFrom();
                if (crowdedFrom != Long.MAX_VALUE) {
                    cutsInsideAShift++;
                    int clean = from;
                    while (clean < to && moving.get(clean).seq() < crowdedFrom) {
                        clean++;
                    }
                    to = clean > from ? clean : moving.size(); // nothing before it: read on
                    copy = new TreeMap<>(master);
                    assertEquals(Long.MAX_VALUE, resolve(copy, moving.subList(from, to)).crowdedFrom(), "seed " + seed);
                }
                master = copy;
                from = to;
            }
            // A replica sees every change, in batches of whole statements (transactions).
            Map<Long, List<Object>> replica = new TreeMap<>();
            Map<Long, Long> derived = new HashMap<>();
            for (int from = 0; from < statements.size(); ) {
                int to = Math.min(statements.size(), from + 1 + random.nextInt(20));
                Resolution res = resolve(replica, statements.subList(from, to).stream().flatMap(List::stream).toList());
                assertEquals(Long.MAX_VALUE, res.crowdedFrom(), "whole statements leave no key with two rows");
                derived.putAll(res.ridBySeq());
                from = to;
            }
            assertEquals(master, replica, "seed " + seed + " (" + cutsInsideAShift + " cuts inside a shift moved back)");
            assertEquals(resolve(new TreeMap<>(), changes).ridBySeq(), derived, "seed " + seed + ": identifiers do not depend on batches");
        }
    }

    /**
     * Statements a table of one-column keys could capture: an insert, delete, or update in place
     * or to a free key, each one change; or a statement that shifts every key by one, a change per
     * row in any order (passing through keys holding two rows).
     */
    private static List<List<Pending>> randomStatements(java.util.Random random, int count) {
        List<Long> keys = new ArrayList<>();
        List<List<Pending>> statements = new ArrayList<>();
        long seq = 1;
        long next = 1;
        for (int changes = 0; changes < count; ) {
            int op = keys.isEmpty() ? 0 : random.nextInt(10);
            List<Pending> statement = new ArrayList<>();
            if (op <= 2) {
                keys.add(next);
                statement.add(insert(seq++, next++));
            } else if (op <= 5) {
                long k = keys.get(random.nextInt(keys.size()));
                statement.add(update(seq++, k, k));
            } else if (op == 6) {
                int i = random.nextInt(keys.size());
                statement.add(update(seq++, keys.get(i), next));
                keys.set(i, next++);
            } else if (op <= 8) {
                statement.add(delete(seq++, keys.remove(random.nextInt(keys.size()))));
            } else {
                List<Long> order = new ArrayList<>(keys);
                java.util.Collections.shuffle(order, random);
                for (long k : order) {
                    statement.add(update(seq++, k, k + 1));
                }
                keys.replaceAll(k -> k + 1);
                next = Math.max(next, keys.stream().mapToLong(Long::longValue).max().orElse(0) + 1);
            }
            statements.add(statement);
            changes += statement.size();
        }
        return statements;
    }

    @Test
    void shouldRefuseAnEpochOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> RowIds.base(0));
        assertThrows(IllegalArgumentException.class, () -> RowIds.base(RowIds.MAX_EPOCH + 1));
        assertEquals(RowIds.BLOCK * 2, RowIds.base(2));
        assertTrue(RowIds.base(RowIds.MAX_EPOCH) + (RowIds.BLOCK - 1) > 0, "the last block's identifiers are longs");
    }
}
