package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.internal.Shipping.CopyFrom;
import org.qoscluster.replication.internal.Shipping.Peer;
import org.qoscluster.replication.internal.Shipping.Source;

/** Examples of the shipping decisions that the property test does not generate. */
class ShippingTest {

    @Test
    void shouldCopyFromAReachableReplicaWithAKnownWatermarkFirst() {
        List<Peer> peers = List.of(new Peer("new", false, false, true), new Peer("down", false, true, false),
                new Peer("up", true, true, false));
        assertEquals(new CopyFrom(Source.REPLICA, Optional.of("up")), Shipping.copyFrom("new", peers, 0));
        assertEquals(new CopyFrom(Source.REPLICA, Optional.of("up")), Shipping.copyFrom("new", peers, 40));
    }

    @Test
    void shouldCopyFromTheMasterWhileItKeepsItsIdentifiersElseWaitForAReplicaThatIsDown() {
        List<Peer> peers = List.of(new Peer("new", false, false, true), new Peer("down", false, true, false));
        assertEquals(new CopyFrom(Source.MASTER, Optional.empty()), Shipping.copyFrom("new", peers, 40));
        assertEquals(new CopyFrom(Source.WAIT, Optional.of("down")), Shipping.copyFrom("new", peers, 0));
    }

    @Test
    void shouldGiveTheMasterNewIdentifiersWhenNoReplicaCanHoldAny() {
        List<Peer> peers = List.of(new Peer("new", false, false, true), new Peer("other", false, false, true));
        assertEquals(new CopyFrom(Source.REIDENTIFY, Optional.empty()), Shipping.copyFrom("new", peers, 0));
        assertEquals(new CopyFrom(Source.REIDENTIFY, Optional.empty()), Shipping.copyFrom("new", List.of(), 0));
    }

    @Test
    void shouldDeleteBelowTheLowestKnownWatermarkAndNothingWhileAWatermarkIsUnknown() {
        Shipping s = new Shipping(1);
        assertEquals(OptionalLong.of(30), s.deletable(List.of(OptionalLong.of(30), OptionalLong.of(50)), 60, 0));
        assertEquals(OptionalLong.empty(), s.deletable(List.of(OptionalLong.of(30), OptionalLong.empty()), 60, 0));
        assertEquals(OptionalLong.of(20), s.deletable(List.of(), 60, 20), "no replica: below the master's identified mark");
        s.deleted(30);
        assertEquals(OptionalLong.empty(), s.deletable(List.of(OptionalLong.of(30)), 60, 0), "nothing new to delete");
    }

    @Test
    void shouldKeepTheIdOfAnAppliedTransactionThatAHeldBackBatchLeavesOut() {
        // t1 (ends at 25) was applied at watermark 11; this round holds it back (a transaction
        // listed open is new after a restart), so the batch is empty and complete below 11.
        Shipping.Step step = Shipping.next(new Changes.Batch(List.of(), 11), 11, Set.of("t1"), 0);
        assertEquals(Set.of("t1"), step.appliedAbove(), "forgotten, it would be applied again next round");
        assertEquals(11, step.low());
    }

    private static Changes.Transaction tx(String id, long... seqs) {
        org.qoscluster.replication.TableSpec t = new org.qoscluster.replication.TableSpec("A",
                List.of(new org.qoscluster.replication.TableSpec.Column("ID", "INT")), List.of("ID"));
        List<Changes.Change> changes = java.util.Arrays.stream(seqs).mapToObj(seq -> new Changes.Change(t, seq, id, 'U',
                new java.sql.Timestamp(0), null, java.util.Map.<String, Object>of("ID", seq), List.<Object>of(seq))).toList();
        return new Changes.Transaction(id, changes);
    }

    @Test
    void shouldReadPastTheWindowWhenTheTransactionAtTheWatermarkCrossesItsEnd() {
        // Watermark 42: "long" starts there and ends at 54, past the window's end (45); "a" and "b"
        // fit in the window and were applied already. Without a read up to 54 the replica would
        // get the same batch of nothing new every round.
        org.qoscluster.replication.Dialect.Horizon horizon = new org.qoscluster.replication.Dialect.Horizon(83, Set.of());
        Shipping.Selection s = Shipping.select(List.of(tx("long", 42, 49, 54), tx("a", 43), tx("b", 44)), 42, horizon, 45,
                Long.MAX_VALUE);
        assertEquals(List.of("a", "b"), s.batch().transactions().stream().map(Changes.Transaction::id).toList());
        assertEquals(42, s.batch().completeBelow());
        assertEquals(55, s.starvedBelow(), "read again up to the end of the transaction at the front");
        Shipping.Selection again = Shipping.select(List.of(tx("long", 42, 49, 54), tx("a", 43), tx("b", 44)), 42, horizon, 55,
                Long.MAX_VALUE);
        assertEquals(55, again.batch().completeBelow(), "then it goes through and the watermark can move on");
    }
}
