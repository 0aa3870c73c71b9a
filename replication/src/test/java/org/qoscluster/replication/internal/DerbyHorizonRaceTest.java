package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.TableSpec;

/**
 * The horizon rule against a real Derby: writers commit transactions that each raise one of a
 * few hot counters (so most wait for another's row lock) and insert a row of their own, while an
 * agent loop reads horizons and batches with the dialect's code and applies them to a replica in
 * memory. Every counter change must arrive exactly one above the replica's value (commit order,
 * nothing skipped), and every committed row must arrive once. 5 s of writes by default, longer
 * with {@code -Dhorizon.race.seconds=30} (and {@code horizon.race.writers}, {@code horizon.race.keys}):
 * when a transaction listed at the round before and after the read held nothing back, 5 s on two
 * cores already applied counter changes out of order.
 */
class DerbyHorizonRaceTest {

    private static final int SECONDS = Integer.getInteger("horizon.race.seconds", 5);
    private static final int WRITERS = Integer.getInteger("horizon.race.writers", 16);
    private static final int KEYS = Integer.getInteger("horizon.race.keys", 2);

    @Test
    void shouldShipEveryCommittedChangeOnceAndInCommitOrder() throws Exception {
        String url = System.getProperty("horizon.race.url", "jdbc:derby:memory:horizon-race;create=true");
        try (Connection c = DriverManager.getConnection(url)) {
            DerbyDialect dialect = new DerbyDialect();
            List<TableSpec> tables = captured(c, dialect);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ids = new AtomicLong();
            Set<Long> committed = ConcurrentHashMap.newKeySet();
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                Thread w = new Thread(() -> {
                    try (Connection wc = DriverManager.getConnection(url)) {
                        write(wc, stop, ids, committed);
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "writer-" + i);
                writers.add(w);
                w.start();
            }
            Agent agent = new Agent(dialect, tables, new Link(() -> DriverManager.getConnection(url)), c);
            long end = System.nanoTime() + SECONDS * 1_000_000_000L;
            while (System.nanoTime() < end) {
                agent.round();
            }
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            // Until the replica has everything (a bound only against a hang: it ends as soon as it has).
            long drain = System.nanoTime() + 120_000_000_000L;
            Map<Integer, Long> master = counters(c);
            while (System.nanoTime() < drain && !(agent.counters.equals(master) && agent.rows.containsAll(committed))) {
                agent.round();
            }
            agent.link.close();
            Set<Long> missing = new HashSet<>(committed);
            missing.removeAll(agent.rows);
            System.out.println("DerbyHorizonRaceTest: " + agent.rounds + " rounds, " + agent.shipped + " transactions shipped, "
                    + committed.size() + " committed, " + agent.violations.size() + " out of order, " + missing.size()
                    + " committed rows never shipped, writer failures " + failures.size() + ", watermark " + agent.low
                    + ", replica counters " + agent.counters + ", master's " + master);
            agent.violations.stream().limit(5).forEach(v -> System.out.println("  " + v));
            assertEquals(List.of(), failures);
            assertEquals(Set.of(), missing, "committed rows never shipped");
            assertEquals(0, agent.violations.size(), "counter changes applied out of commit order, first: " + agent.violations.stream().findFirst().orElse(""));
            assertEquals(master, agent.counters, "the replica's counters");
        }
    }

    /** One writer: transactions raising a hot counter and inserting a row, a few rolled back. */
    private static void write(Connection wc, AtomicBoolean stop, AtomicLong ids, Set<Long> committed) throws SQLException {
        wc.setAutoCommit(false);
        try (PreparedStatement raise = wc.prepareStatement("UPDATE CNT SET V = V + 1 WHERE ID = ?");
             PreparedStatement insert = wc.prepareStatement("INSERT INTO EVT (ID, N) VALUES (?, ?)")) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (!stop.get()) {
                long id = ids.incrementAndGet();
                boolean insertFirst = rnd.nextBoolean();
                if (insertFirst) {
                    insert(insert, id);
                }
                raise.setInt(1, rnd.nextInt(KEYS));
                raise.executeUpdate();
                if (!insertFirst) {
                    insert(insert, id);
                }
                if (rnd.nextInt(20) == 0) {
                    wc.rollback();
                } else {
                    wc.commit();
                    committed.add(id);
                }
            }
        }
    }

    private static void insert(PreparedStatement insert, long id) throws SQLException {
        insert.setLong(1, id);
        insert.setLong(2, id);
        insert.executeUpdate();
    }

    /** The agent's round, as ReplicationAgent runs it for one replica, applied to maps. */
    private static final class Agent {
        final DerbyDialect dialect;
        final List<TableSpec> tables;
        final Link link;
        final Connection master;
        final Shipping shipping = new Shipping(1);
        final Map<Integer, Long> counters = new HashMap<>();
        final Set<Long> rows = new HashSet<>();
        final List<String> violations = new ArrayList<>();
        long low = 1;
        Set<String> appliedAbove = Set.of();
        long rounds;
        long shipped;

        Agent(DerbyDialect dialect, List<TableSpec> tables, Link link, Connection master) {
            this.dialect = dialect;
            this.tables = tables;
            this.link = link;
            this.master = master;
            for (int k = 0; k < KEYS; k++) {
                counters.put(k, 0L);
            }
        }

        void round() throws SQLException {
            Shipping.Round now = shipping.round(dialect.horizon(master, tables));
            Changes.Batch batch = Changes.read(link, dialect, tables, low, now.horizon(), 5000, now.newlyOpen());
            Shipping.Step step = Shipping.next(batch, low, appliedAbove, now.settled());
            for (Changes.Transaction tx : step.apply()) {
                for (Changes.Change ch : tx.changes()) {
                    if (ch.table().name().equals("CNT")) {
                        int key = ((Number) ch.values().get("ID")).intValue();
                        long v = ((Number) ch.values().get("V")).longValue();
                        long before = counters.get(key);
                        if (v != before + 1) {
                            violations.add("round " + rounds + ": " + tx.id() + " [" + tx.firstSeq() + ", " + tx.lastSeq() + "] sets "
                                    + key + " to " + v + " over " + before + "; horizon " + now.horizon() + " newly open "
                                    + now.newlyOpen());
                        }
                        counters.put(key, v);
                    } else if (!rows.add(((Number) ch.values().get("ID")).longValue())) {
                        violations.add("round " + rounds + ": row " + ch.values().get("ID") + " shipped twice");
                    }
                }
            }
            shipped += step.apply().size();
            low = step.low();
            appliedAbove = step.appliedAbove();
            rounds++;
        }
    }

    private static List<TableSpec> captured(Connection c, DerbyDialect dialect) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE CNT (ID INT NOT NULL PRIMARY KEY, V BIGINT NOT NULL)");
            s.execute("CREATE TABLE EVT (ID BIGINT NOT NULL PRIMARY KEY, N BIGINT NOT NULL)");
            for (int k = 0; k < KEYS; k++) {
                s.execute("INSERT INTO CNT VALUES (" + k + ", 0)");
            }
        }
        List<TableSpec> tables = dialect.describe(c, List.of("CNT", "EVT"));
        dialect.installCapture(c, tables, 1, 1);
        return tables;
    }

    private static Map<Integer, Long> counters(Connection c) throws SQLException {
        Map<Integer, Long> values = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT ID, V FROM CNT")) {
            while (r.next()) {
                values.put(r.getInt(1), r.getLong(2));
            }
        }
        return values;
    }
}
