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
        // identify looks up beforehand the keys keysOf names, and only those: resolve must ask for no other
        java.util.Set<List<Object>> looked = RowIds.keysOf(List.of(changes));
        Resolution res = RowIds.resolve(List.of(changes), BASE, key -> {
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
        Resolution res = resolve(update(9, 4, 4), delete(10, 4));
        assertEquals(Map.of(9L, BASE + 9, 10L, BASE + 9), res.ridBySeq());
        assertTrue(table.isEmpty());
    }

    @Test
    void shouldRefuseACopyNumberOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> RowIds.base(0));
        assertThrows(IllegalArgumentException.class, () -> RowIds.base(RowIds.MAX_COPY + 1));
        assertEquals(RowIds.BLOCK * 2, RowIds.base(2));
    }
}
