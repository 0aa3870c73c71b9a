package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.TableSpec;
import org.qoscluster.replication.internal.Changes.Change;
import org.qoscluster.replication.internal.Changes.RowState;
import org.qoscluster.replication.internal.Changes.Transaction;

class ConsolidateTest {

    private static final TableSpec ACCOUNT = new TableSpec("ACCOUNT",
            List.of(new TableSpec.Column("ID", "BIGINT"), new TableSpec.Column("OWNER", "VARCHAR(40)")), List.of("ID"));
    private static final Timestamp AT = new Timestamp(0);

    private static Change change(long seq, char op, long rid, long oldId, long newId, String owner) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("ID", newId);
        values.put("OWNER", owner);
        return new Change(ACCOUNT, seq, "tx" + seq, op, AT, rid, values, List.of(oldId));
    }

    private static List<RowState> consolidate(Change... changes) {
        List<Transaction> txs = new ArrayList<>();
        for (Change c : changes) {
            txs.add(new Transaction(c.tx(), List.of(c)));
        }
        return new ArrayList<>(Changes.consolidate(txs));
    }

    @Test
    void shouldKeepOneFinalStatePerRowWithTheLaterValue() {
        List<RowState> rows = consolidate(change(1, 'I', 7, 5, 5, "a"), change(2, 'U', 7, 5, 5, "b"),
                change(3, 'U', 7, 5, 5, "c"));
        assertEquals(1, rows.size());
        assertEquals("c", rows.get(0).values.get("OWNER"));
        assertEquals(List.of(5L), rows.get(0).before);
    }

    @Test
    void shouldFollowRowsByIdentifierThroughAKeyShift() {
        // UPDATE ACCOUNT SET ID = ID + 1 over rows 1 (rid 10) and 2 (rid 20): by key, "old key 2"
        // would name the row that had just moved there.
        List<RowState> rows = consolidate(change(1, 'U', 10, 1, 2, "first"), change(2, 'U', 20, 2, 3, "second"));
        assertEquals(2, rows.size());
        assertEquals(List.of(1L), rows.get(0).before);
        assertEquals(List.of(2L), rows.get(0).newKey());
        assertEquals("first", rows.get(0).values.get("OWNER"));
        assertEquals(List.of(2L), rows.get(1).before);
        assertEquals(List.of(3L), rows.get(1).newKey());
    }

    @Test
    void shouldEndDeletedWhenTheLastChangeDeletes() {
        List<RowState> rows = consolidate(change(1, 'U', 7, 5, 5, "b"), change(2, 'D', 7, 5, 5, "b"));
        assertEquals(1, rows.size());
        assertNull(rows.get(0).values);
    }

    @Test
    void shouldRememberEveryKeyARowHadSoThatAReplayFindsItWherever() {
        // Moved from 1 to 5, then deleted: a fuzzy initial copy may hold it at 5 without its identifier.
        List<RowState> rows = consolidate(change(1, 'U', 7, 1, 5, "b"), change(2, 'D', 7, 5, 5, "b"));
        assertEquals(1, rows.size());
        assertEquals(List.of(1L), rows.get(0).before);
        assertEquals(java.util.Set.of(List.of(1L), List.of(5L)), rows.get(0).keys);
        assertNull(rows.get(0).values);
    }

    private static Transaction tx(String id, long... seqs) {
        List<Change> changes = new ArrayList<>();
        for (long seq : seqs) {
            changes.add(new Change(ACCOUNT, seq, id, 'U', AT, seq, Map.of("ID", seq, "OWNER", id), List.of(seq)));
        }
        return new Transaction(id, changes);
    }

    @Test
    void shouldKeepOnlyTransactionsThatEndBeforeTheWindowsEnd() {
        // late started (100) before early (101) but touched a row (102) after early committed:
        // with the window ending at 102, early goes (it needs nothing of late), late waits, and
        // the batch is complete below late's start.
        List<Transaction> txs = new ArrayList<>(List.of(tx("x", 90, 95), tx("late", 100, 102), tx("early", 101), tx("next", 103)));
        assertEquals(100, Shipping.commitOrderPrefix(txs, 102));
        assertEquals(List.of("x", "early"), txs.stream().map(Transaction::id).toList());

        List<Transaction> all = new ArrayList<>(List.of(tx("x", 90, 95), tx("late", 100, 102), tx("early", 101)));
        assertEquals(Long.MAX_VALUE, Shipping.commitOrderPrefix(all, Long.MAX_VALUE), "nothing cut: everything goes");
        assertEquals(3, all.size());

        // The window's end is also the horizon: "upd" committed before it was read, but its last
        // change came after, when a transaction it depends on ("ins", which started past the
        // horizon and so is not a candidate) had committed; it waits with it.
        List<Transaction> dependent = new ArrayList<>(List.of(tx("upd", 5, 12), tx("other", 6, 7)));
        assertEquals(5, Shipping.commitOrderPrefix(dependent, 10));
        assertEquals(List.of("other"), dependent.stream().map(Transaction::id).toList());
    }

    @Test
    void shouldHoldBackWhatEndsAfterATransactionListedOpenThatMayHaveCommitted() {
        // "ins" inserted a row (100, 102) and committed, but the horizon still lists it as open
        // (Derby marks a transaction idle after releasing its locks); "upd" updated that row at
        // 104 and committed before the horizon was read. Shipped without "ins", a replica would
        // apply the update of a row it does not have.
        Map<String, Transaction> listed = Map.of("ins", tx("ins", 100, 102));
        assertEquals(100, Shipping.heldFrom(listed, Set.of("ins"), Set.of("ins")), "listed for the first time: held from its first change");
        assertEquals(100, Shipping.heldFrom(listed, Set.of(), Set.of()), "no longer open after the read: held likewise");
        List<Transaction> txs = new ArrayList<>(List.of(tx("before", 97, 99), tx("upd", 101, 104)));
        assertEquals(100, Shipping.commitOrderPrefix(txs, Math.min(110, Shipping.heldFrom(listed, Set.of(), Set.of()))));
        assertEquals(List.of("before"), txs.stream().map(Transaction::id).toList(), "upd waits for a later round, with ins");
    }

    @Test
    void shouldHoldBackWhatEndsAfterTheLastChangeOfATransactionListedAtTheRoundBeforeAndAfterTheRead() {
        // "ins" was open at the round before; its commit released its locks and its thread was
        // held up before the idle mark, so the horizon and the read after it still list "ins",
        // while "upd" updated its row at 104 and committed. "mid" ended before ins's last change,
        // so it cannot depend on it, and goes.
        Map<String, Transaction> listed = Map.of("ins", tx("ins", 100, 102));
        long held = Shipping.heldFrom(listed, Set.of(), Set.of("ins"));
        assertEquals(103, held, "listed before and after the read: held from just past its last change read");
        List<Transaction> txs = new ArrayList<>(List.of(tx("before", 97, 99), tx("mid", 101), tx("upd", 98, 104)));
        assertEquals(98, Shipping.commitOrderPrefix(txs, Math.min(110, held)));
        assertEquals(List.of("before", "mid"), txs.stream().map(Transaction::id).toList(), "upd waits for a later round, with ins");
    }
}
