package org.qoscluster.replication.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.qoscluster.replication.Dialect;

/**
 * The shipping rules as pure decisions, with no JDBC: which captured transactions may ship and in
 * what order, how far each replica's watermark may rise, below which the master's change rows may
 * go, and where a new replica's copy takes its row identifiers from. The replication agent reads
 * the master and the replicas, asks this class, and writes what it answers.
 *
 * <pre>
 *  round:    horizon raised to where the change rows were deleted; the transactions listed open
 *            that the round before did not list are newly open; settled := the highest
 *            remembered horizon none of whose open transactions is open now
 *  read:     a transaction is a candidate iff not listed open, its first change is below the
 *            horizon and the read window's end; it ships iff it also ends below the window's
 *            end, the horizon, the first change read of every listed transaction that is newly
 *            open or gone after the read, and just past the last change read of every other
 *            listed one (held); ordered by last change
 *  replica:  applies the batch's transactions it has not applied (its applied-above set); its
 *            watermark := max(low, min(settled, complete-below)); it keeps the ids of the batch's
 *            transactions that end at or above the new watermark
 *  delete:   below every known replica's watermark (an unknown one: 0); with no replica, below
 *            the settled horizon and the master's identified mark
 *  copy:     identifiers of a reachable, known replica; else the master's while kept; else wait
 *            for a replica that is down and needs no copy; else new identifiers
 * </pre>
 *
 * One instance per agent process: its memory (recent horizons, where rows were deleted) is lost
 * at a restart, and everything a replica needs is in its stored watermark.
 */
public final class Shipping {

    /** Horizons remembered to find the highest one whose open transactions have all ended. */
    static final int HISTORY = 256;

    private final Deque<Dialect.Horizon> history = new ArrayDeque<>();
    private long deletedBelow;

    /**
     * @param firstSequence the epoch's first change sequence: a promoted master's sequences start
     *                      above everything of the epochs before, and so do the watermarks it gives
     *                      its replicas, even before its first change
     */
    public Shipping(long firstSequence) {
        this.deletedBelow = firstSequence;
    }

    /**
     * What a round knows of the master: its horizon (raised to where change rows were deleted),
     * the transactions listed open that the round before did not list, and the settled horizon
     * (every change below it belongs to a transaction that has ended).
     */
    public record Round(Dialect.Horizon horizon, Set<String> newlyOpen, long settled) {
    }

    /** Starts a round from the horizon read on the master. */
    public Round round(Dialect.Horizon read) {
        Dialect.Horizon horizon = read;
        if (horizon.nextSequence() < deletedBelow) {
            // The change tables were emptied up to there: every change below was written.
            horizon = new Dialect.Horizon(deletedBelow, horizon.openTransactions());
        }
        // Listed open now and not at the round before: it may have committed already (heldFrom).
        Set<String> newlyOpen = new HashSet<>(horizon.openTransactions());
        if (!history.isEmpty()) {
            newlyOpen.removeAll(history.peekLast().openTransactions());
        }
        history.addLast(horizon);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        return new Round(horizon, Set.copyOf(newlyOpen), settled(horizon));
    }

    /**
     * The highest remembered horizon none of whose open transactions is open now: every change
     * below it belongs to a transaction that has ended (and, if it committed, has been read by
     * now). Horizons below that are forgotten.
     */
    private long settled(Dialect.Horizon now) {
        long best = 0;
        Iterator<Dialect.Horizon> newestFirst = history.descendingIterator();
        while (newestFirst.hasNext()) {
            Dialect.Horizon h = newestFirst.next();
            if (Collections.disjoint(h.openTransactions(), now.openTransactions())) {
                best = h.nextSequence();
                break;
            }
        }
        while (history.size() > 1 && history.peekFirst().nextSequence() < best) {
            history.removeFirst();
        }
        return best;
    }

    // ---- reading a batch ----

    /**
     * The change rows of one read sorted into transactions: {@code committed}, each not listed
     * open, starting below the horizon and the read window's end; and {@code listed}, the changes
     * read of each transaction the horizon lists as open, by id.
     */
    public record Candidates(List<Changes.Transaction> committed, Map<String, Changes.Transaction> listed) {
    }

    /** Sorts the rows read ({@code byTx}, by transaction id) into candidates. */
    public static Candidates candidates(Map<String, List<Changes.Change>> byTx, Dialect.Horizon horizon, long windowEnd) {
        List<Changes.Transaction> committed = new ArrayList<>();
        Map<String, Changes.Transaction> listed = new HashMap<>();
        for (Map.Entry<String, List<Changes.Change>> e : byTx.entrySet()) {
            List<Changes.Change> changes = new ArrayList<>(e.getValue());
            changes.sort(Comparator.comparingLong(Changes.Change::seq));
            long first = changes.get(0).seq();
            if (horizon.openTransactions().contains(e.getKey())) {
                listed.put(e.getKey(), new Changes.Transaction(e.getKey(), changes));
            } else if (first < horizon.nextSequence() && first < windowEnd) {
                committed.add(new Changes.Transaction(e.getKey(), changes));
            }
        }
        return new Candidates(committed, listed);
    }

    /** One read window, as {@link #readWhole} asks for it: at most {@code limit} rows per table (0: no limit), below {@code upTo}. */
    @FunctionalInterface
    public interface WindowRead<E extends Exception> {
        Selection read(int limit, long upTo) throws E;
    }

    /**
     * The batch of a round: the window of {@code limit} rows per table, and when every
     * transaction seen crosses that window's end (one larger than the window at the front), a
     * second read up to the end of the one that starts first, unbounded in rows, so that it goes
     * through.
     */
    public static <E extends Exception> Changes.Batch readWhole(int limit, WindowRead<E> window) throws E {
        Selection w = window.read(limit, Long.MAX_VALUE);
        if (w.starvedBelow() != Long.MAX_VALUE) {
            w = window.read(0, w.starvedBelow());
        }
        return w.batch();
    }

    /**
     * Where a read window ends, table by table: a table whose read hit the row limit is cut after
     * its last row read, and the window ends there for every table; a read bounded by
     * {@code upTo} is cut just below it. The transactions the window holds are completed from the
     * rows past each table's cut.
     */
    public static final class Window<T> {
        private final int limit;
        private final long upTo;
        private final Map<T, Long> cut = new LinkedHashMap<>();
        private long end;

        public Window(int limit, long upTo) {
            this.limit = limit;
            this.upTo = upTo;
            this.end = upTo;
        }

        /** Records one table's read: {@code rows} rows, the last at {@code lastSeq}. */
        public void read(T table, int rows, long lastSeq) {
            read(table, rows, lastSeq, false);
        }

        /**
         * Records one table's read: {@code rows} rows, the last at {@code lastSeq}; {@code stopped}:
         * the read stopped there short of its end (the window's bytes), which cuts it as the row
         * limit does.
         */
        public void read(T table, int rows, long lastSeq, boolean stopped) {
            if (stopped || (limit > 0 && rows >= limit)) {
                cut.put(table, lastSeq);
                end = Math.min(end, lastSeq + 1);
            } else if (upTo != Long.MAX_VALUE) {
                cut.put(table, upTo - 1);
            }
        }

        /** The window's end: no transaction starting at or after it is shipped from this read. */
        public long end() {
            return end;
        }

        /** Each cut table's last sequence in the window, in the order read. */
        public Map<T, Long> cut() {
            return cut;
        }
    }

    /**
     * {@link #heldFrom} for {@code candidates}; {@code stillOpen} (the transactions listed open
     * after the read, from the master) is asked only when a listed transaction was read.
     */
    public static <E extends Exception> long held(Candidates candidates, Set<String> newlyOpen,
                                                  ThrowingSupplier<Set<String>, E> stillOpen) throws E {
        return candidates.listed().isEmpty() ? Long.MAX_VALUE
                : heldFrom(candidates.listed(), newlyOpen, stillOpen.get());
    }

    /** A supplier that may fail, as a read of the master does. */
    @FunctionalInterface
    public interface ThrowingSupplier<V, E extends Exception> {
        V get() throws E;
    }

    /**
     * From which change sequence on transactions wait for a later round because a transaction
     * listed open may have committed before them. Derby releases a committing transaction's locks
     * before it marks it idle, so the horizon may list as open a transaction that has committed,
     * and one that waited for its rows may have committed after it, before the horizon was read:
     * shipped alone, that one was applied without the other (seen in {@code bench/replication-lag.sh}:
     * an update of a row without its insert, and the replicas kept the row's older value).
     * Each transaction the horizon lists ({@code listed}, its changes read) holds back from its
     * first change when it is {@code newlyOpen} or no longer {@code stillOpen} after the read, and
     * otherwise from just past its last change read. Being listed again after the read does not
     * mean it still holds its locks: the committing thread can be descheduled between the release
     * and the idle mark for longer than a round (against Derby, 16 writers of two hot rows on two
     * cores: 2,110 of 190,687 transactions applied out of commit order in 30 s). A transaction
     * that depends on a listed one changed something after that one's last change, which was read
     * if it committed before the horizon; so nothing that ends at or below it depends on it. A
     * long transaction that has written therefore holds back what ends past its last change until
     * it ends (the watermark waits for it anyway). {@code Long.MAX_VALUE} when nothing waits.
     */
    public static long heldFrom(Map<String, Changes.Transaction> listed, Set<String> newlyOpen, Set<String> stillOpen) {
        long held = Long.MAX_VALUE;
        for (Changes.Transaction tx : listed.values()) {
            boolean mayHaveCommitted = newlyOpen.contains(tx.id()) || !stillOpen.contains(tx.id());
            held = Math.min(held, mayHaveCommitted ? tx.firstSeq() : tx.lastSeq() + 1);
        }
        return held;
    }

    /**
     * Keeps of {@code candidates} (committed, each read whole) those that end below {@code end},
     * the read window's end (a transaction starting there or later was not read) or the horizon,
     * whichever is lower, and returns below which the batch is complete. A transaction can only
     * depend on one that committed before its last change, that is one that ended before it; so
     * every transaction a kept one depends on was read and is kept too, and a replica never holds
     * a transaction without one that committed before it (applying {@code SET ID = ID + 1} without
     * the earlier move of the row at the new key made two rows one key, and a batch that failed
     * every round). The batch is complete below {@code end} and below the start of every
     * transaction left out.
     */
    static long commitOrderPrefix(List<Changes.Transaction> candidates, long end) {
        long complete = end;
        for (Iterator<Changes.Transaction> it = candidates.iterator(); it.hasNext(); ) {
            Changes.Transaction tx = it.next();
            if (tx.lastSeq() >= end) {
                complete = Math.min(complete, tx.firstSeq());
                it.remove();
            }
        }
        return complete;
    }

    /**
     * A read's outcome: its batch and, when a window cut is all that keeps the batch from moving
     * the watermark on, one past the last change of the transaction left out that starts first
     * ({@code Long.MAX_VALUE} otherwise): the caller then reads up to there without a row limit,
     * and that transaction goes through.
     */
    public record Selection(Changes.Batch batch, long starvedBelow) {
    }

    /**
     * What of {@code whole} (the candidates read from {@code from}, each completed past any
     * window cut) ships, in which order: see {@link #commitOrderPrefix}; {@code held} from
     * {@link #heldFrom}. The read is starved when the transaction at the front crosses the
     * window's end and nothing is left, or the batch is complete only below {@code from} (the
     * watermark): whatever else the window holds, the next read from there would see the same,
     * and once a replica has applied the rest it would get a batch of nothing new every round.
     */
    public static Selection select(List<Changes.Transaction> whole, long from, Dialect.Horizon horizon, long windowEnd,
                                   long held) {
        List<Changes.Transaction> committed = new ArrayList<>(whole);
        // A transaction that ends at or past the horizon waits for a later round, even when it
        // committed before the horizon was read: one it depends on may have started past it, and
        // so not be among these (seen as a replica's update of a row whose insert was not there).
        long completeBelow = commitOrderPrefix(committed, Math.min(Math.min(windowEnd, horizon.nextSequence()), held));
        Optional<Changes.Transaction> front = whole.stream().filter(tx -> !committed.contains(tx))
                .min(Comparator.comparingLong(Changes.Transaction::firstSeq));
        committed.sort(Comparator.comparingLong(Changes.Transaction::lastSeq));
        boolean starved = (committed.isEmpty() || completeBelow <= from) && windowEnd != Long.MAX_VALUE
                && front.isPresent() && front.get().lastSeq() < Math.min(horizon.nextSequence(), held);
        return new Selection(new Changes.Batch(committed, completeBelow), starved ? front.get().lastSeq() + 1 : Long.MAX_VALUE);
    }

    // ---- one replica ----

    /**
     * What a replica is told next: {@code apply} the transactions of the batch it lacks, in
     * order; its watermark becomes {@code low}, and {@code appliedAbove} the ids it must still
     * know as applied (those that end at or above the new watermark: a transaction can straddle
     * the mark, and its rows above come back in later reads).
     * {@code writes}: whether anything is written to the replica at all.
     */
    public record Step(List<Changes.Transaction> apply, long low, Set<String> appliedAbove, boolean writes) {
    }

    /**
     * The next step of a replica at watermark {@code low} that has applied {@code appliedAbove}
     * above it, given the batch read from its watermark and the round's settled horizon.
     */
    public static Step next(Changes.Batch batch, long low, Set<String> appliedAbove, long settled) {
        long newLow = Math.max(low, Math.min(settled, batch.completeBelow()));
        List<Changes.Transaction> todo = batch.transactions().stream()
                .filter(tx -> !appliedAbove.contains(tx.id())).toList();
        // An id is forgotten once the batch shows the transaction's last change below the new low
        // mark. One applied before and missing from this batch (held back, or past the window,
        // by a round that sees less than the one that applied it: after a restart, say) ends at
        // or above the new watermark, which stops below its first change read: forgotten, it
        // would be applied again from the next batch that has it, over newer rows.
        Set<String> above = new HashSet<>(appliedAbove);
        todo.forEach(tx -> above.add(tx.id()));
        for (Changes.Transaction tx : batch.transactions()) {
            if (tx.lastSeq() < newLow) {
                above.remove(tx.id());
            }
        }
        return new Step(todo, newLow, Set.copyOf(above), !todo.isEmpty() || newLow > low);
    }

    // ---- the master's change rows ----

    /**
     * Below which the master's change rows may be deleted now, given each replica's watermark
     * ({@code lows}: empty for one whose watermark is not known yet, which holds every row), or,
     * with no replica, the master's identified mark: empty when nothing more may go. No change
     * row below {@link #deletedBelow} is left, and none comes later (the result is at most the
     * settled horizon).
     */
    public OptionalLong deletable(Collection<OptionalLong> lows, long settled, long identifiedBelow) {
        // With no replica (a group reduced to its master), nobody needs the changes once the
        // master's identifier tables reflect them: a member that joins later starts from a copy.
        long below = lows.isEmpty() ? Math.min(settled, identifiedBelow) : Long.MAX_VALUE;
        for (OptionalLong low : lows) {
            below = Math.min(below, low.orElse(0));
        }
        return below > deletedBelow && below != Long.MAX_VALUE ? OptionalLong.of(below) : OptionalLong.empty();
    }

    /** Where the change rows were deleted from (none is left below it). */
    public long deletedBelow() {
        return deletedBelow;
    }

    /** Records that the change rows below {@code below} are deleted. */
    public void deleted(long below) {
        deletedBelow = Math.max(deletedBelow, below);
    }

    // ---- a new replica's copy ----

    /** A replica as the copy decision sees it: connected this round, its watermark known, needing a copy. */
    public record Peer(String name, boolean reachable, boolean known, boolean needsCopy) {
    }

    /** Where a copy takes its row identifiers from, or why it waits. */
    public enum Source { REPLICA, MASTER, WAIT, REIDENTIFY }

    /** The decision for one copy: its source and, for REPLICA and WAIT, which replica. */
    public record CopyFrom(Source source, Optional<String> replica) {
    }

    /**
     * Where replica {@code name}'s copy takes its row identifiers from: the first other replica
     * connected this round with a known watermark; else the master's identifier tables while they
     * are kept ({@code identifiedBelow > 0}); else, while a replica that is down (and needs no
     * copy) may hold this epoch's identifiers, it waits for it; else the master's rows get new
     * identifiers.
     */
    public static CopyFrom copyFrom(String name, List<Peer> peers, long identifiedBelow) {
        for (Peer p : peers) {
            if (!p.name().equals(name) && p.reachable() && p.known()) {
                return new CopyFrom(Source.REPLICA, Optional.of(p.name()));
            }
        }
        if (identifiedBelow != 0) {
            return new CopyFrom(Source.MASTER, Optional.empty());
        }
        for (Peer p : peers) {
            if (!p.reachable() && !p.needsCopy()) {
                return new CopyFrom(Source.WAIT, Optional.of(p.name()));
            }
        }
        return new CopyFrom(Source.REIDENTIFY, Optional.empty());
    }
}
