package org.qoscluster.launcher.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.OptionalLong;

/**
 * How fresh a replica is, seen from a site that does not ship to it (a group across sites: the
 * master's site ships, another site reads its own copies): from readings of the master's next
 * sequence over time and the replica's watermark. A replica whose watermark reaches a reading's
 * next sequence had every change the master had captured at that reading's time, whichever of the
 * two was read first; the newest such time is how far it is caught up. Pure; the caller reads.
 */
final class CaughtUp {

    private final long keepMillis;
    /** {millis, next sequence}, oldest first. */
    private final Deque<long[]> readings = new ArrayDeque<>();

    /** @param keepMillis how long a reading is kept: a replica further behind is simply not caught up */
    CaughtUp(long keepMillis) {
        this.keepMillis = keepMillis;
    }

    /** The master's next sequence was {@code next} at {@code atMillis}. */
    void master(long atMillis, long next) {
        readings.addLast(new long[] {atMillis, next});
        while (!readings.isEmpty() && atMillis - readings.peekFirst()[0] > keepMillis) {
            readings.removeFirst();
        }
    }

    /** Forgets every reading (the master changed). */
    void clear() {
        readings.clear();
    }

    /** The newest time at which a replica with {@code watermark} had every change of the master; empty if none kept. */
    OptionalLong caughtUpAt(long watermark) {
        for (Iterator<long[]> i = readings.descendingIterator(); i.hasNext();) {
            long[] r = i.next();
            if (r[1] <= watermark) {
                return OptionalLong.of(r[0]);
            }
        }
        return OptionalLong.empty();
    }
}
