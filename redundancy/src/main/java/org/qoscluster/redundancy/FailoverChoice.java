package org.qoscluster.redundancy;

import java.util.Map;
import java.util.Optional;

/**
 * Which copy a failover promotes (R8), as pure logic: the available replica of the epoch with the
 * highest watermark, unless another copy may hold writes it lacks that were acknowledged.
 *
 * <p>A write acknowledged in synchronous mode is below some replica's published watermark of the
 * group's epoch, so every acknowledged write is below the highest of them ({@code acknowledged}).
 * A candidate whose watermark reaches that has every acknowledged write. One that does not may lack
 * some: while a copy whose watermark is above the candidate's watermark can still be reached (its
 * probe has not failed as often as the retries allow: suspect, not unavailable), the decision
 * waits for it, up to {@code timeoutMs} after the master was found unavailable. After that, or once
 * every such copy is unavailable, the best available candidate is promoted (what only the lost
 * copies held is lost with them: two failures).
 */
final class FailoverChoice {

    private FailoverChoice() {
    }

    /** What to do this round. */
    sealed interface Decision {
    }

    /** Promote {@code copy}, which has every change below {@code low}; {@code lacking}: a lost copy's higher watermark, if any. */
    record Promote(String copy, long low, Optional<String> lacking) implements Decision {
    }

    /** Promote nobody yet: {@code why}. */
    record Wait(String why) implements Decision {
    }

    /**
     * @param master     the master that is unavailable
     * @param candidates watermark of each available replica of the epoch, in preference order
     * @param published  the sequence of each copy's published watermark of the group and epoch
     * @param statuses   the heartbeat's view of every copy
     * @param waitedMs   how long since the master was first found unavailable in this epoch
     * @param timeoutMs  how long a decision may wait for a suspect copy that holds more
     */
    static Decision decide(String master, Map<String, Long> candidates, Map<String, Long> published,
                           Map<String, CopyHealth> statuses, long waitedMs, long timeoutMs) {
        String best = null;
        long bestLow = -1;
        for (Map.Entry<String, Long> c : candidates.entrySet()) {
            if (c.getValue() > bestLow) {
                best = c.getKey();
                bestLow = c.getValue();
            }
        }
        long floor = Math.max(bestLow, 0);
        String holder = null;
        long holderMark = 0;
        String lost = null;
        long lostMark = 0;
        for (Map.Entry<String, Long> p : published.entrySet()) {
            if (p.getKey().equals(master) || p.getValue() <= floor || candidates.containsKey(p.getKey())) {
                continue;
            }
            if (statuses.get(p.getKey()) == CopyHealth.UNAVAILABLE) {
                if (p.getValue() > lostMark) {
                    lost = p.getKey();
                    lostMark = p.getValue();
                }
            } else if (p.getValue() > holderMark) {
                holder = p.getKey();
                holderMark = p.getValue();
            }
        }
        if (holder != null && waitedMs < timeoutMs) {
            return new Wait(holder + " (" + statuses.get(holder) + ") has every change below " + holderMark
                    + (best == null ? ", no available replica has any" : ", " + best + " only below " + bestLow)
                    + ": waiting up to " + timeoutMs + " ms for it");
        }
        if (best == null) {
            return new Wait("no available copy of the epoch can take over");
        }
        if (holder != null && holderMark > lostMark) {
            lost = holder;
            lostMark = holderMark;
        }
        return new Promote(best, bestLow, lost == null ? Optional.empty()
                : Optional.of(lost + " (" + statuses.get(lost) + ") had every change below " + lostMark));
    }
}
