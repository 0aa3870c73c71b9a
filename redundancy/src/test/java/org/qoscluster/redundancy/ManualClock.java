package org.qoscluster.redundancy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves: {@code now[0]}, epoch milliseconds, is what it reads. */
final class ManualClock extends Clock {

    /** The time it reads, in epoch milliseconds; tests set or advance {@code now[0]}. */
    final long[] now;

    ManualClock(long startMillis) {
        this.now = new long[] {startMillis};
    }

    @Override
    public ZoneOffset getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(now[0]);
    }
}
