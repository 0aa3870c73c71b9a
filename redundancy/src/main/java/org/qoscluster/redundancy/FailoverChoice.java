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
 * copies held is lost with them: two failures). A candidate that published a higher watermark than
 * was read from it (an apply committed between the two reads) is never promoted from the lower
 * one: the decision waits for a read that agrees.
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
        // A candidate's watermark is what was read from it, or what it published since if that is
        // higher: the old agent may still apply (a master that refuses the heartbeat's new
        // connections but serves the agent's) between the read and the look at the published ones.
        String best = null;
        long bestLow = -1;
        long bestMark = -1;
        for (Map.Entry<String, Long> c : candidates.entrySet()) {
            long mark = Math.max(c.getValue(), published.getOrDefault(c.getKey(), -1L));
            if (mark > bestMark) {
                best = c.getKey();
                bestLow = c.getValue();
                bestMark = mark;
            }
        }
        if (bestMark > bestLow) {
            // Promoted from what was read, it would start the epoch below writes it has (and a
            // request may have been answered for), and a copy at the read value would carry on
            // without them. Read again next round, once its applies have stopped.
            return new Wait(best + " published every change below " + bestMark + " after it was read at " + bestLow
                    + ": reading the candidates again");
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
