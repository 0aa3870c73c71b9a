package org.qoscluster.replication.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides when a warm-up has done its work: each source (a replica's lag, the master's slowest
 * commit) is told what it measured and when, in nanoseconds from the warm-up's start; the warm-up
 * has settled once at least {@code minSeconds} whole seconds have passed and, in each of the last
 * {@code quietSeconds} whole seconds, every source measured something and nothing above its bound.
 * A source that measured nothing in a second (a poller stuck behind a slow statement) does not
 * count as quiet. Pure: no clock of its own, safe for several threads.
 */
public final class Settling {

    private static final long SECOND = 1_000_000_000L;
    private final Map<String, Long> bounds;
    private final int minSeconds;
    private final int quietSeconds;
    /** Per source, the worst value measured in each second so far (-1: nothing measured). */
    private final Map<String, long[]> worst = new HashMap<>();

    /**
     * @param bounds       the highest value (nanoseconds) each source may measure in a quiet second
     * @param minSeconds   the fewest whole seconds before the warm-up may end (at least {@code quietSeconds})
     * @param quietSeconds how many whole seconds in a row must be quiet (at least 1)
     */
    public Settling(Map<String, Long> bounds, int minSeconds, int quietSeconds) {
        if (bounds.isEmpty() || quietSeconds < 1 || minSeconds < quietSeconds) {
            throw new IllegalArgumentException("settling needs a source, quietSeconds >= 1 and minSeconds >= quietSeconds; got "
                    + bounds.keySet() + ", " + quietSeconds + ", " + minSeconds);
        }
        this.bounds = Map.copyOf(bounds);
        this.minSeconds = minSeconds;
        this.quietSeconds = quietSeconds;
        bounds.keySet().forEach(s -> worst.put(s, new long[0]));
    }

    /** {@code source} measured {@code valueNanos} at {@code atNanos} from the start. */
    public synchronized void measured(String source, long atNanos, long valueNanos) {
        long[] w = worst.get(source);
        if (w == null) {
            throw new IllegalArgumentException("unknown source " + source + "; known: " + bounds.keySet());
        }
        int second = (int) (Math.max(0, atNanos) / SECOND);
        if (second >= w.length) {
            long[] grown = java.util.Arrays.copyOf(w, Math.max(second + 1, w.length * 2));
            java.util.Arrays.fill(grown, w.length, grown.length, -1);
            worst.put(source, grown);
            w = grown;
        }
        w[second] = Math.max(w[second], Math.max(0, valueNanos));
    }

    /** Whether the warm-up has settled at {@code nowNanos} from the start. */
    public synchronized boolean settled(long nowNanos) {
        int whole = (int) (Math.max(0, nowNanos) / SECOND);
        if (whole < minSeconds) {
            return false;
        }
        for (Map.Entry<String, long[]> e : worst.entrySet()) {
            long bound = bounds.get(e.getKey());
            long[] w = e.getValue();
            for (int s = whole - quietSeconds; s < whole; s++) {
                if (s >= w.length || w[s] < 0 || w[s] > bound) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Per source, the worst value (milliseconds) of each whole second before {@code nowNanos}, -1
     * where it measured nothing: for the warm-up's report.
     */
    public synchronized Map<String, List<Long>> worstMillis(long nowNanos) {
        int whole = (int) (Math.max(0, nowNanos) / SECOND);
        Map<String, List<Long>> out = new LinkedHashMap<>();
        new java.util.TreeMap<>(worst).forEach((source, w) -> {
            List<Long> l = new java.util.ArrayList<>();
            for (int s = 0; s < whole; s++) {
                l.add(s < w.length && w[s] >= 0 ? w[s] / 1_000_000 : -1);
            }
            out.put(source, List.copyOf(l));
        });
        return out;
    }
}
