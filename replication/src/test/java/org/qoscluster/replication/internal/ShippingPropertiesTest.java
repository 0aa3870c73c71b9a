package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Timestamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/**
 * The shipping rules ({@link Shipping}) over generated interleavings: transactions on a simulated
 * master begin, write rows under row locks, commit (some listed open for a while after their
 * commit, as Derby does, for as many rounds as it takes) or roll back, between any two phases of the agent's rounds; the agent
 * restarts at random points with nothing but the replicas' stored watermarks; replicas go down and
 * come back, and an apply may commit on a replica whose answer is lost. After every step, each
 * replica's data is that of a commit-order prefix of the master's committed transactions, each
 * applied once; and once every transaction has ended and every replica answers, each replica
 * converges to the master.
 *
 * <p>JUnit with a seeded {@link Random}: a failure names its seed; {@code -Dshipping.seed=N}
 * replays one case, {@code -Dshipping.cases=N} runs more.
 */
class ShippingPropertiesTest {

    private static final int CASES = Integer.getInteger("shipping.cases", 400);
    private static final int STEPS = 400;
    private static final List<TableSpec> TABLES = List.of(table("A"), table("B"));
    private static final Timestamp AT = new Timestamp(0);

    private static TableSpec table(String name) {
        return new TableSpec(name, List.of(new TableSpec.Column("ID", "INT")), List.of("ID"));
    }

    @Test
    void shouldKeepEveryReplicaACommitOrderPrefixAppliedOnceAndConvergeToTheMaster() {
        Long only = Long.getLong("shipping.seed");
        long base = only != null ? only : new Random().nextLong();
        int cases = only != null ? 1 : CASES;
        long steps = 0;
        for (int i = 0; i < cases; i++) {
            long seed = base + i;
            try {
                steps += new Run(new Random(seed)).play();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("shipping property failed with seed " + seed + " (replay: -Dshipping.seed=" + seed + "): "
                        + e.getMessage(), e);
            }
        }
        System.out.println("ShippingPropertiesTest: " + cases + " interleavings from seed " + base + ", " + steps + " steps");
    }

    /** A transaction on the simulated master. */
    private static final class Tx {
        final String id;
        final Set<Integer> keys = new LinkedHashSet<>();
        boolean open = true;
        boolean committed;

        Tx(String id) {
            this.id = id;
        }
    }

    /** One captured change row: its sequence, transaction, table and the row key it wrote. */
    private record Row(long seq, String tx, int table, int key) {
    }

    /** The master: change rows read uncommitted, row locks, commit order, Derby's listing. */
    private static final class Master {
        final List<String> trace = new ArrayList<>();
        long nextSeq = 1;
        final TreeMap<Long, Row> rows = new TreeMap<>();
        final Map<String, Tx> txs = new LinkedHashMap<>();
        final List<String> committed = new ArrayList<>();
        final Map<Integer, String> locks = new HashMap<>();
        /**
         * Committed, yet still listed as open until a later step marks it idle (Derby's
         * postComplete: the committing thread may be held up between the release of its locks
         * and the idle mark, across whole rounds of the agent).
         */
        final Set<String> lingering = new LinkedHashSet<>();
        int made;

        List<Tx> open() {
            return txs.values().stream().filter(t -> t.open).toList();
        }

        /** What Derby lists as not IDLE: open transactions that wrote, and those just committed. */
        Set<String> listed() {
            Set<String> listed = new HashSet<>(lingering);
            open().stream().filter(t -> !t.keys.isEmpty()).forEach(t -> listed.add(t.id));
            return listed;
        }

        /** The first half of a horizon: the highest change sequence (read uncommitted), plus one. */
        long next() {
            return (rows.isEmpty() ? 0 : rows.lastKey()) + 1;
        }

        /** The second half, read after {@code next}: writers may commit in between. */
        Dialect.Horizon horizon(long next) {
            Dialect.Horizon h = new Dialect.Horizon(next, listed());
            trace.add("horizon " + h);
            return h;
        }

        void act(Random rnd) {
            if (!lingering.isEmpty() && rnd.nextInt(8) == 0) {
                String idle = lingering.iterator().next();
                lingering.remove(idle);
                trace.add(idle + " marked idle");
                return;
            }
            List<Tx> open = open();
            int what = rnd.nextInt(10);
            if (open.isEmpty() || (what < 2 && open.size() < 4)) {
                Tx t = new Tx("t" + made++);
                txs.put(t.id, t);
            } else if (what < 7) {
                write(open.get(rnd.nextInt(open.size())), rnd.nextInt(6));
            } else if (what < 9) {
                end(open.get(rnd.nextInt(open.size())), true, rnd.nextBoolean());
            } else {
                end(open.get(rnd.nextInt(open.size())), false, false);
            }
        }

        void write(Tx t, int key) {
            String owner = locks.get(key);
            if (owner != null && !owner.equals(t.id)) {
                return; // it waits for the lock
            }
            locks.put(key, t.id);
            t.keys.add(key);
            long seq = nextSeq++;
            rows.put(seq, new Row(seq, t.id, key % TABLES.size(), key));
            trace.add(t.id + " writes " + key + " at " + seq);
        }

        void end(Tx t, boolean commit, boolean linger) {
            trace.add(t.id + (commit ? " commits" : " rolls back") + (linger ? " lingering" : ""));
            t.open = false;
            t.keys.forEach(locks::remove);
            if (commit && !t.keys.isEmpty()) {
                t.committed = true;
                committed.add(t.id);
                if (linger) {
                    lingering.add(t.id);
                }
            } else {
                rows.values().removeIf(r -> r.tx().equals(t.id));
            }
        }

        /** The key-to-writer state after every committed transaction. */
        Map<Integer, String> stateAfter() {
            Map<Integer, String> state = new HashMap<>();
            committed.forEach(id -> txs.get(id).keys.forEach(k -> state.put(k, id)));
            return state;
        }

        /** Changes.read over the rows in memory: windows of {@code limit} rows per table, completed past a cut. */
        Changes.Batch read(long from, Dialect.Horizon horizon, int limit, Set<String> newlyOpen) {
            return Shipping.readWhole(limit, (rowLimit, upTo) -> window(from, horizon, rowLimit, upTo, newlyOpen));
        }

        private Shipping.Selection window(long from, Dialect.Horizon horizon, int limit, long upTo, Set<String> newlyOpen) {
            Map<String, List<Changes.Change>> byTx = new HashMap<>();
            Shipping.Window<Integer> window = new Shipping.Window<>(limit, upTo);
            for (int t = 0; t < TABLES.size(); t++) {
                int rowsRead = 0;
                long last = from;
                for (Row r : rows.subMap(from, upTo).values()) {
                    if (r.table() != t) {
                        continue;
                    }
                    if (limit > 0 && rowsRead >= limit) {
                        break;
                    }
                    byTx.computeIfAbsent(r.tx(), k -> new ArrayList<>()).add(change(r));
                    rowsRead++;
                    last = r.seq();
                }
                window.read(t, rowsRead, last);
            }
            Shipping.Candidates candidates = Shipping.candidates(byTx, horizon, window.end());
            long held = Shipping.held(candidates, newlyOpen, this::listed);
            List<Changes.Transaction> committedRead = candidates.committed();
            Map<Integer, Long> cut = window.cut();
            if (!cut.isEmpty() && !committedRead.isEmpty()) {
                List<Changes.Transaction> whole = new ArrayList<>();
                for (Changes.Transaction tx : committedRead) {
                    List<Changes.Change> changes = new ArrayList<>(tx.changes());
                    for (Row r : rows.values()) {
                        Long after = cut.get(r.table());
                        if (after != null && r.seq() > after && r.tx().equals(tx.id())) {
                            changes.add(change(r));
                        }
                    }
                    changes.sort(java.util.Comparator.comparingLong(Changes.Change::seq));
                    whole.add(new Changes.Transaction(tx.id(), changes));
                }
                committedRead = whole;
            }
            return Shipping.select(committedRead, from, horizon, window.end(), held);
        }

        private static Changes.Change change(Row r) {
            return new Changes.Change(TABLES.get(r.table()), r.seq(), r.tx(), 'U', AT, null, Map.of("ID", r.key()), List.of(r.key()));
        }

        /** Changes.deleteBelow, checking that every row it deletes is on every replica. */
        void deleteBelow(long from, long below, Map<String, Replica> replicas) {
            if (!rows.headMap(from).isEmpty()) {
                fail("change rows below " + from + " are left, though the agent takes them for deleted: " + rows.headMap(from).keySet());
            }
            for (Row r : rows.subMap(from, below).values()) {
                Tx t = txs.get(r.tx());
                if (!t.committed) {
                    fail("change " + r.seq() + " of " + r.tx() + ", still open, deleted below " + below);
                }
                replicas.forEach((name, replica) -> {
                    if (!replica.applied.contains(r.tx())) {
                        fail("change " + r.seq() + " of " + r.tx() + " deleted below " + below + " before " + name + " had it");
                    }
                });
            }
            rows.subMap(from, below).clear();
        }
    }

    /** A replica's stored state: its data, QOS_WATERMARK and QOS_APPLIED. */
    private static final class Replica {
        boolean up = true;
        final List<String> applied = new ArrayList<>();
        final Map<Integer, String> data = new HashMap<>();
        long low = 1;
        final Map<String, Long> appliedRecord = new HashMap<>();

        void apply(Shipping.Step step) {
            for (Changes.Transaction tx : step.apply()) {
                if (applied.contains(tx.id())) {
                    fail(tx.id() + " applied twice (watermark " + low + " -> " + step.low() + ")");
                }
                applied.add(tx.id());
                tx.changes().forEach(c -> data.put((Integer) c.values().get("ID"), tx.id()));
                if (tx.lastSeq() >= step.low()) {
                    appliedRecord.put(tx.id(), tx.lastSeq());
                }
            }
            low = step.low();
            appliedRecord.values().removeIf(last -> last < step.low());
        }
    }

    /** The agent's memory of one replica, as ReplicationAgent.Replica keeps it. */
    private static final class View {
        boolean reachable;
        boolean known;
        long low;
        Set<String> appliedAbove = new HashSet<>();
    }

    /** One generated interleaving. */
    private static final class Run {
        final Random rnd;
        final Master master = new Master();
        final Map<String, Replica> replicas = new LinkedHashMap<>();
        final int limit;
        Shipping shipping;
        Map<String, View> views;
        int phase;
        long next;
        Shipping.Round round;
        Map<Long, Changes.Batch> reads;
        Deque<String> applying;

        Run(Random rnd) {
            this.rnd = rnd;
            this.limit = 1 + rnd.nextInt(6);
            int n = 1 + rnd.nextInt(3);
            for (int i = 1; i <= n; i++) {
                replicas.put("replica-" + i, new Replica());
            }
            restart();
        }

        void restart() {
            shipping = new Shipping(1);
            views = new LinkedHashMap<>();
            replicas.keySet().forEach(name -> views.put(name, new View()));
            phase = 0;
        }

        int play() {
            try {
                return playSteps();
            } catch (AssertionError e) {
                List<String> t = master.trace;
                throw new AssertionError(e.getMessage() + "\nlast steps (limit " + limit + "):\n"
                        + String.join("\n", t.subList(Math.max(0, t.size() - 60), t.size())), e);
            }
        }

        int playSteps() {
            int steps = 0;
            for (; steps < STEPS; steps++) {
                int what = rnd.nextInt(100);
                if (what < 50) {
                    // Sometimes a burst: several writers get on between two reads of the agent.
                    for (int burst = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(10) : 1; burst > 0; burst--) {
                        master.act(rnd);
                    }
                } else if (what < 88) {
                    agentStep(rnd.nextInt(10) == 0);
                } else if (what < 97) {
                    Replica r = List.copyOf(replicas.values()).get(rnd.nextInt(replicas.size()));
                    r.up = !r.up;
                    master.trace.add("replica up/down " + r.up);
                } else {
                    master.trace.add("agent restarts");
                    restart();
                }
                check();
            }
            // Everything ends, every replica answers: each converges to the master.
            master.open().forEach(t -> master.end(t, rnd.nextInt(4) > 0, rnd.nextBoolean()));
            master.lingering.clear();
            replicas.values().forEach(r -> r.up = true);
            int bound = 8 * (master.rows.size() + 4) * (replicas.size() + 4);
            for (int i = 0; i < bound && !converged(); i++, steps++) {
                agentStep(false);
                check();
            }
            replicas.forEach((name, r) -> {
                assertEquals(Set.copyOf(master.committed), Set.copyOf(r.applied), () -> name + " has not converged to the master"
                        + " (its watermark " + r.low + ", change rows left " + master.rows.values() + ")");
                assertEquals(master.stateAfter(), r.data, name + "'s data is not the master's");
            });
            return steps;
        }

        boolean converged() {
            return replicas.values().stream().allMatch(r -> r.applied.size() == master.committed.size());
        }

        /** One phase of the agent's round, as ReplicationAgent.round runs them. */
        void agentStep(boolean lostAnswer) {
            switch (phase) {
                case 0 -> {
                    next = master.next();
                    phase = 1;
                }
                case 1 -> {
                    round = shipping.round(master.horizon(next));
                    views.forEach((name, v) -> {
                        Replica r = replicas.get(name);
                        if (!v.reachable && r.up) {
                            // readWatermark: everything the agent knows of a replica comes from it.
                            v.low = r.low;
                            v.appliedAbove = new HashSet<>();
                            r.appliedRecord.forEach((id, last) -> {
                                if (last >= r.low) {
                                    v.appliedAbove.add(id);
                                }
                            });
                            v.known = true;
                            v.reachable = true;
                        }
                    });
                    phase = 2;
                }
                case 2 -> {
                    reads = new HashMap<>();
                    views.values().stream().filter(v -> v.reachable)
                            .forEach(v -> reads.computeIfAbsent(v.low, low -> master.read(low, round.horizon(), limit, round.newlyOpen())));
                    applying = new ArrayDeque<>();
                    views.forEach((name, v) -> {
                        if (v.reachable) {
                            applying.add(name);
                        }
                    });
                    phase = 3;
                }
                case 3 -> {
                    if (applying.isEmpty()) {
                        phase = 4;
                        return;
                    }
                    String name = applying.poll();
                    View v = views.get(name);
                    Replica r = replicas.get(name);
                    Shipping.Step step = Shipping.next(reads.get(v.low), v.low, v.appliedAbove, round.settled());
                    if (!r.up) {
                        v.reachable = false;
                        return;
                    }
                    master.trace.add(name + " at " + v.low + " applies " + step.apply().stream().map(Changes.Transaction::id).toList()
                            + " low -> " + step.low() + " settled " + round.settled());
                    if (step.writes()) {
                        r.apply(step);
                    }
                    if (lostAnswer) {
                        v.reachable = false; // committed on the replica; the agent never heard
                        return;
                    }
                    v.low = step.low();
                    v.appliedAbove = new HashSet<>(step.appliedAbove());
                }
                default -> {
                    List<OptionalLong> lows = views.values().stream()
                            .map(v -> v.known ? OptionalLong.of(v.low) : OptionalLong.empty()).toList();
                    OptionalLong below = shipping.deletable(lows, round.settled(), 0);
                    if (below.isPresent()) {
                        master.deleteBelow(shipping.deletedBelow(), below.getAsLong(), replicas);
                        shipping.deleted(below.getAsLong());
                    }
                    phase = 0;
                }
            }
        }

        /**
         * Every replica holds a prefix of a serial order equivalent to the master's commit order,
         * each transaction once: with every transaction it holds, each one that committed before
         * it and wrote a row it wrote (its applied set is closed under those dependencies), and
         * its data is the master's committed transactions of that set applied in commit order.
         */
        void check() {
            replicas.forEach((name, r) -> {
                Set<String> held = Set.copyOf(r.applied);
                if (held.size() != r.applied.size()) {
                    fail(name + " applied a transaction twice: " + r.applied);
                }
                for (String id : r.applied) {
                    Tx t = master.txs.get(id);
                    if (!t.committed) {
                        fail(name + " applied " + id + ", which the master has not committed");
                    }
                    for (String before : master.committed.subList(0, master.committed.indexOf(id))) {
                        if (!held.contains(before) && master.txs.get(before).keys.stream().anyMatch(t.keys::contains)) {
                            fail(name + " applied " + id + " without " + before
                                    + ", which committed before it and wrote a row it wrote (applied " + r.applied
                                    + ", commit order " + master.committed + ")");
                        }
                    }
                }
                Map<Integer, String> expected = new HashMap<>();
                master.committed.stream().filter(held::contains).forEach(id -> master.txs.get(id).keys.forEach(k -> expected.put(k, id)));
                if (!r.data.equals(expected)) {
                    fail(name + " holds " + r.data + ", not the master's data of the transactions it applied " + expected
                            + " (applied " + r.applied + ", commit order " + master.committed + ")");
                }
            });
        }
    }
}
