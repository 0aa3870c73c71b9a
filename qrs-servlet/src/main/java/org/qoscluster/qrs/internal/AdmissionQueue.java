package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The requests waiting for a node's place ({@code qos.router.max-queue-wait-ms}): a request that
 * finds no node with room for its class waits here rather than being shed at once, until it is
 * admitted or its own deadline (kept by the caller) takes it out. When a place frees, the
 * waiters are offered it in order, the highest priority first and, within a priority, the
 * longest waiting first; each takes it only if its class is
 * admitted there (a low-priority class still finds no room where only a higher one would), so
 * the order of shedding stays the classes' order. At most {@code capacity} wait: a newcomer that
 * ranks before the last waiter takes that one's place (which is then shed), any other is shed
 * itself.
 *
 * <p>No I/O and no clock: the caller keeps each waiter's deadline. Thread-safe; an offer of a
 * place when none waits reads one volatile field.
 *
 * @param <T> what waits (the router's exchange; anything in tests), compared by identity
 */
public final class AdmissionQueue<T> {

    private record Waiter<T>(T item, int priority, long seq) {
    }

    /** Higher priority first, then arrival. */
    private static final Comparator<Waiter<?>> ORDER = Comparator.<Waiter<?>>comparingInt(w -> -w.priority())
            .thenComparingLong(Waiter::seq);

    /** What an {@link #add} did: whether the newcomer waits, and whom it displaced (to be shed). */
    public record Added<T>(boolean queued, Optional<T> displaced) {
    }

    private final int capacity;
    private final TreeSet<Waiter<T>> waiting = new TreeSet<>(ORDER);
    private final IdentityHashMap<T, Waiter<T>> byItem = new IdentityHashMap<>();
    private long nextSeq;
    private volatile int size;

    /** A queue holding at most {@code capacity} waiters. */
    public AdmissionQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("an admission queue of " + capacity + " waiters must hold at least one");
        }
        this.capacity = capacity;
    }

    /**
     * {@code item} waits with {@code priority} (until it is admitted or {@link #remove}d: its
     * deadline is the caller's); see the class comment for a full queue. An item already waiting
     * is not added again.
     */
    public synchronized Added<T> add(T item, int priority) {
        if (byItem.containsKey(item)) {
            return new Added<>(true, Optional.empty());
        }
        Waiter<T> w = new Waiter<>(item, priority, nextSeq++);
        Optional<T> displaced = Optional.empty();
        if (waiting.size() >= capacity) {
            Waiter<T> last = waiting.last();
            if (ORDER.compare(w, last) >= 0) {
                return new Added<>(false, Optional.empty());
            }
            take(last);
            displaced = Optional.of(last.item());
        }
        waiting.add(w);
        byItem.put(item, w);
        size = waiting.size();
        return new Added<>(true, displaced);
    }

    /** Takes {@code item} out of the queue; whether it was waiting. */
    public synchronized boolean remove(T item) {
        Waiter<T> w = byItem.get(item);
        if (w == null) {
            return false;
        }
        take(w);
        return true;
    }

    /**
     * Offers the places that freed to the waiters in order: {@code tryAdmit} takes a place for
     * one if its class is admitted on a node now (and gives the node), else empty. Returns those
     * admitted, in order, with their nodes, out of the queue; the others wait on.
     */
    public <R> List<Map.Entry<T, R>> admit(Function<T, Optional<R>> tryAdmit) {
        if (size == 0) {
            return List.of();
        }
        List<Map.Entry<T, R>> admitted = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Waiter<T>> i = waiting.iterator(); i.hasNext();) {
                Waiter<T> w = i.next();
                Optional<R> place = tryAdmit.apply(w.item());
                if (place.isPresent()) {
                    i.remove();
                    byItem.remove(w.item());
                    admitted.add(Map.entry(w.item(), place.get()));
                }
            }
            size = waiting.size();
        }
        return admitted;
    }

    /** How many wait now. */
    public int size() {
        return size;
    }

    private void take(Waiter<T> w) {
        waiting.remove(w);
        byItem.remove(w.item());
        size = waiting.size();
    }
}
