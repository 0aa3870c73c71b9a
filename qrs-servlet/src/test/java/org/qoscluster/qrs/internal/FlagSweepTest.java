package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.StateChangeFlag;

class FlagSweepTest {

    private static final long NOW = 1_700_000_000_000L;
    private final FlagSweep sweep = new FlagSweep(60_000);

    @Test
    void shouldKeepAFreshFlagWhoseWriteAReplicaLacks() {
        assertFalse(sweep.removable(flag(42, NOW - 59_999), NOW, FlagSweepTest::nothingReplicated));
        assertFalse(sweep.removable(flag(42, NOW - 1_000), NOW, seq -> seq < 42), "the replicas stop just short of it");
    }

    @Test
    void shouldRemoveAFlagOnceEveryReplicaHasTheWrite() {
        assertTrue(sweep.removable(flag(42, NOW - 1_000), NOW, seq -> seq <= 42));
    }

    @Test
    void shouldRemoveAFlagPastTheStalenessBoundWhateverTheReplicas() {
        assertTrue(sweep.removable(flag(42, NOW - 60_000), NOW, FlagSweepTest::nothingReplicated));
        assertTrue(sweep.removable(flag(42, 0), NOW, FlagSweepTest::nothingReplicated));
    }

    @Test
    void shouldRemoveAValueThatIsNotAFlag() {
        assertTrue(sweep.removable("garbage", NOW, FlagSweepTest::nothingReplicated));
        assertTrue(sweep.removable("node-1|x|1", NOW, FlagSweepTest::nothingReplicated));
    }

    @Test
    void shouldListExactlyTheFlagsThatMayGo() {
        Map<String, String> flags = new TreeMap<>();
        flags.put("covered", flag(5, NOW));
        flags.put("fresh", flag(50, NOW));
        flags.put("stale", flag(50, NOW - 120_000));
        flags.put("broken", "|");
        assertEquals(List.of("broken", "covered", "stale"), sweep.removable(flags, NOW, seq -> seq < 10));
    }

    @Test
    void shouldRefuseANonPositiveBound() {
        assertThrows(IllegalArgumentException.class, () -> new FlagSweep(0));
    }

    private static String flag(long sequence, long epochMillis) {
        return new StateChangeFlag("node-1", sequence, epochMillis).encode();
    }

    private static boolean nothingReplicated(long sequence) {
        return false;
    }
}
