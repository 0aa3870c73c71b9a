package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** How far a replica another site ships to is caught up, from the master's readings and its watermark. */
class CaughtUpTest {

    @Test
    void aReplicaIsCaughtUpAsOfTheNewestReadingItsWatermarkReaches() {
        CaughtUp c = new CaughtUp(5_000);
        c.master(1_000, 10);
        c.master(2_000, 20);
        c.master(3_000, 30);
        assertEquals(OptionalLong.of(3_000), c.caughtUpAt(30), "it has every change below 30: all of the newest reading");
        assertEquals(OptionalLong.of(2_000), c.caughtUpAt(29));
        assertEquals(OptionalLong.of(1_000), c.caughtUpAt(10));
        assertEquals(OptionalLong.empty(), c.caughtUpAt(9), "behind every reading kept");
    }

    @Test
    void readingsOlderThanTheKeptTimeAreForgottenAndAClearForgetsAll() {
        CaughtUp c = new CaughtUp(5_000);
        c.master(1_000, 10);
        c.master(7_000, 50);
        assertEquals(OptionalLong.empty(), c.caughtUpAt(10), "the reading at 1 s is more than 5 s older than the newest");
        assertEquals(OptionalLong.of(7_000), c.caughtUpAt(50));
        c.clear();
        assertEquals(OptionalLong.empty(), c.caughtUpAt(50));
    }
}
