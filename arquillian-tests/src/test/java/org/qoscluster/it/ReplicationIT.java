package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationException;
import org.qoscluster.replication.internal.DerbyDialect;
import org.qoscluster.testing.TestRuntime;

/**
 * The replication engine over real Derby network servers (a master and three replicas; the third
 * joins late): capture by triggers, hidden row identifiers, shipping of committed transactions,
 * atomic apply with the watermark in the replica, catch-up of a replica that was down, a new
 * replica from empty, {@code kill -9} of the agent process and of a replica mid-apply.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationIT {

    private static final List<String> TABLES = List.of("ACCOUNT", "ENTRY");
    private static final int SMALL_READS = 40;
    private static Cluster databases;
    private static ReplicationAgent agent;
    /** The epoch the promotion of test 11 started (replica-1 master). */
    private static ReplicationAgent.Epoch epochTwo;

    @BeforeAll
    static void start() throws SQLException {
        // The agents here ship the test's own tables only: no session table (no nodes, no sessions).
        ClusterConfig config = TestRuntime.freePortConfig(1, 3, Map.of("qos.replication.tables", "ACCOUNT,ENTRY",
                "qos.replication.interval-ms", "20", "qos.session.table.enabled", "false"));
        databases = Cluster.startDatabases(config, TestRuntime.layout(), TestRuntime.stateDir(ReplicationIT.class),
                Duration.ofMinutes(2));
        try (Connection c = open("master"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ACCOUNT (ID BIGINT NOT NULL PRIMARY KEY, OWNER VARCHAR(40), BALANCE DECIMAL(12,2),"
                    + " OPENED TIMESTAMP)");
            s.execute("CREATE TABLE ENTRY (ACCOUNT_ID BIGINT NOT NULL, CODE VARCHAR(10) NOT NULL, AMOUNT INTEGER,"
                    + " NOTE VARCHAR(100), PRIMARY KEY (ACCOUNT_ID, CODE))");
            s.execute("CREATE TABLE NOKEY (V INTEGER)");
            // Rows from before capture is installed get row identifiers too, and reach the replicas.
            s.execute("INSERT INTO ACCOUNT (ID, OWNER, BALANCE) VALUES (1, 'before', 1.00), (2, 'before', 2.00)");
        }
        // Reads of at most 40 change rows per table: transactions are often cut by a read window
        // and completed past it.
        agent = ReplicationAgent.derby(() -> open("master"),
                Map.of("replica-1", () -> open("replica-1"), "replica-2", () -> open("replica-2")), TABLES,
                SMALL_READS, (replica, w) -> { });
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (databases != null) {
            databases.close();
        }
    }

    private static Connection open(String copy) throws SQLException {
        // As the nodes and the agent process: user qos, schema QOS.
        return DriverManager.getConnection(databases.jdbcUrl(copy), ClusterConfig.DB_USER, databases.dbPassword());
    }

    @Test
    @Order(1)
    void shouldRefuseAnUnknownTableAndATableWithoutPrimaryKeyNamingBoth() {
        ReplicationAgent bad = ReplicationAgent.derby(() -> open("master"), Map.of(), List.of("ACCOUNT", "NO_SUCH", "NOKEY"));
        ReplicationException e = assertThrows(ReplicationException.class, bad::install);
        assertTrue(e.getMessage().contains("table NO_SUCH: no such table"), e.getMessage());
        assertTrue(e.getMessage().contains("table NOKEY: has no primary key"), e.getMessage());
    }

    /**
     * Two writers that lock each other's row: one of them is rolled back as a deadlock victim
     * within seconds (the cluster's Derby servers look for cycles after 1 s; Derby's default, 20
     * s, held both that long) and the other then commits.
     */
    @Test
    @Order(1)
    void shouldRollBackOneWriterOfALockCycleWithinSecondsAndLetTheOtherCommit() throws Exception {
        try (Connection setup = open("master"); Statement s = setup.createStatement()) {
            s.execute("CREATE TABLE LOCK_CYCLE (ID INTEGER NOT NULL PRIMARY KEY, V INTEGER)");
            s.execute("INSERT INTO LOCK_CYCLE VALUES (1, 0), (2, 0)");
        }
        ExecutorService both = Executors.newFixedThreadPool(2);
        try (Connection a = open("master"); Connection b = open("master")) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            update(a, "UPDATE LOCK_CYCLE SET V = 1 WHERE ID = ?", 1);
            update(b, "UPDATE LOCK_CYCLE SET V = 2 WHERE ID = ?", 2);
            long t0 = System.nanoTime();
            List<Future<String>> ends = List.of(
                    both.submit(() -> secondLock(a, 2)), both.submit(() -> secondLock(b, 1)));
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : ends) {
                outcomes.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            outcomes.sort(null);
            assertEquals(List.of("40001", "committed"), outcomes, "one victim, one commit");
            assertTrue(seconds < 10, "the cycle ended after " + seconds + " s, under Derby's default 20 s");
        } finally {
            both.shutdownNow();
            try (Connection c = open("master"); Statement s = c.createStatement()) {
                s.execute("DROP TABLE LOCK_CYCLE");
            }
        }
    }

    /**
     * A table that grows past Derby's threshold (100 rows) gets index statistics on the cluster's
     * Derby servers once a statement is compiled on it, as Derby does by default: without them
     * the optimizer plans a grown table's statements blind (with them turned off, the agent's
     * reads and applies on tables of a few hundred thousand rows took 100 ms and more each).
     */
    @Test
    @Order(1)
    void shouldMakeIndexStatisticsForATableThatGrows() throws Exception {
        try (Connection c = open("master"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE GROWTH_PARENT (ID INTEGER NOT NULL PRIMARY KEY)");
            s.execute("INSERT INTO GROWTH_PARENT VALUES (0), (1), (2), (3)");
            s.execute("CREATE TABLE GROWTH (ID INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                    + " PARENT_ID INTEGER NOT NULL REFERENCES GROWTH_PARENT, V INTEGER)");
        }
        try {
            for (int parent = 0; parent < 4; parent++) {
                assertEquals(List.of(), writeGrowth(parent, 100), "writes refused");
            }
            try (Connection c = open("master"); Statement s = c.createStatement()) {
                long until = System.nanoTime() + 60_000_000_000L;
                int statistics = 0;
                while (statistics == 0 && System.nanoTime() < until) {
                    // A statement compiled anew, as an application's reads are: where Derby looks
                    // whether the table's statistics are missing or stale.
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM GROWTH WHERE PARENT_ID = 1 AND V >= "
                            + (System.nanoTime() % 50))) {
                        r.next();
                    }
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM SYS.SYSSTATISTICS S JOIN SYS.SYSTABLES T"
                            + " ON S.TABLEID = T.TABLEID WHERE T.TABLENAME = 'GROWTH'")) {
                        r.next();
                        statistics = r.getInt(1);
                    }
                    Thread.sleep(200);
                }
                assertTrue(statistics > 0, "Derby made no index statistics for GROWTH (400 rows) within 60 s");
            }
        } finally {
            try (Connection c = open("master"); Statement s = c.createStatement()) {
                for (String drop : List.of("TABLE GROWTH", "TABLE GROWTH_PARENT")) {
                    s.execute("DROP " + drop);
                }
            }
        }
    }

    /** Inserts {@code rows} rows of {@code parent} into GROWTH, a transaction each; what was refused. */
    private static List<String> writeGrowth(int parent, int rows) throws SQLException {
        List<String> refused = new ArrayList<>();
        try (Connection c = open("master")) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                try {
                    update(c, "INSERT INTO GROWTH (PARENT_ID, V) VALUES (?, ?)", parent, i);
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    refused.add(e.getSQLState() + " " + e.getMessage());
                }
            }
        }
        return refused;
    }

    /** Locks row {@code id} second: "committed", or the SQL state the writer was refused with. */
    private static String secondLock(Connection c, int id) throws SQLException {
        try {
            update(c, "UPDATE LOCK_CYCLE SET V = V + 10 WHERE ID = ?", id);
            c.commit();
            return "committed";
        } catch (SQLException e) {
            c.rollback();
            return e.getSQLState();
        }
    }

    @Test
    @Order(2)
    void shouldMakeEveryCopyIdenticalAfterRandomTransactionsIncludingRollbacks() throws Exception {
        agent.install();
        // ENTRY had no row at install: its capture triggers are compiled all the same, so its
        // first concurrent writers do not compile them (Derby: lock time-outs, "too much
        // contention on sequence"), and the made-up row that compiled them left nothing behind.
        try (Connection c = open("master"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT CAST(T.TRIGGERNAME AS VARCHAR(128)), S.VALID FROM SYS.SYSTRIGGERS T"
                     + " JOIN SYS.SYSSTATEMENTS S ON T.ACTIONSTMTID = S.STMTID WHERE T.TRIGGERNAME LIKE 'QOS_%'")) {
            Map<String, Boolean> compiled = new java.util.TreeMap<>();
            while (r.next()) {
                compiled.put(r.getString(1), r.getBoolean(2));
            }
            assertEquals(Map.of("QOS_D_ACCOUNT", true, "QOS_D_ENTRY", true, "QOS_I_ACCOUNT", true, "QOS_I_ENTRY", true,
                    "QOS_U_ACCOUNT", true, "QOS_U_ENTRY", true), compiled, "every capture trigger compiled at install");
        }
        assertEquals(0, rowCount("master", "ENTRY"), "the made-up row is gone");
        assertEquals(0L, pendingChanges("master"), "and left no change row");
        agent.start(Duration.ofMillis(20));
        ExecutorService writers = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                long seed = 42L + w;
                done.add(writers.submit(() -> randomTransactions(new Random(seed), 150)));
            }
            int committed = 0;
            for (Future<Integer> f : done) {
                committed += f.get();
            }
            assertTrue(committed > 100, "enough transactions committed: " + committed);
        } finally {
            writers.shutdown();
        }
        awaitConverged();
        assertEquals(contents("master"), contents("replica-1"));
        assertEquals(contents("master"), contents("replica-2"));
        // A write's own change sequence, read inside its transaction (as the write path does):
        // once a replica's watermark passes it, the write is on that replica.
        long seq;
        try (Connection c = open("master"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO ACCOUNT (ID, OWNER) VALUES (500, 'watermark')");
            try (ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM QOS_CHG_ACCOUNT WHERE QOS_TX = QOS_TXID()")) {
                r.next();
                seq = r.getLong(1);
            }
            c.commit();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (agent.watermark("replica-2").map(w -> w.sequence() <= seq).orElse(true)) {
            assertTrue(System.nanoTime() < deadline, "replica-2's watermark passes the write within 5 s");
            Thread.sleep(5);
        }
        try (Connection c = open("replica-2"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT OWNER FROM ACCOUNT WHERE ID = 500")) {
            assertTrue(r.next(), "the write is on replica-2 once its watermark (" + agent.watermark("replica-2")
                    + ") passed the write's sequence " + seq);
        }
    }

    @Test
    @Order(3)
    void shouldKeepRowIdentifiersOutOfSelectStarAndTheSameOnEveryCopy() throws Exception {
        for (String copy : List.of("master", "replica-1", "replica-2")) {
            try (Connection c = open(copy); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT * FROM ACCOUNT")) {
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    columns.add(r.getMetaData().getColumnName(i));
                }
                assertEquals(List.of("ID", "OWNER", "BALANCE", "OPENED"), columns, "SELECT * on " + copy);
            }
        }
        Map<Long, String> ids = rowIds("replica-1");
        assertEquals(contents("master").stream().filter(row -> row.startsWith("ID=")).count(), ids.size(),
                "every account row has one row identifier");
        assertEquals(keysOf(contents("master")), Set.copyOf(ids.values()), "at the row's key");
        assertTrue(ids.keySet().stream().allMatch(rid -> rid > 1L << 40 && rid < 2L << 40),
                "the master (copy 1) hands out identifiers from its own block: " + ids.keySet());
        assertEquals(ids, rowIds("replica-2"));
        assertEquals(0L, identifiedBelow("master"), "the master keeps no identifiers while its replicas hold them");
    }

    @Test
    @Order(4)
    void shouldReplicateAStatementThatShiftsPrimaryKeysOntoEachOther() throws Exception {
        Map<Long, String> before = rowIds("replica-2");
        try (Connection c = open("master"); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE ACCOUNT SET ID = ID + 1");
        }
        awaitConverged();
        assertEquals(contents("master"), contents("replica-1"));
        assertEquals(contents("master"), contents("replica-2"));
        Map<Long, String> after = rowIds("replica-2");
        before.forEach((rid, id) -> assertEquals(String.valueOf(Long.parseLong(id) + 1), after.get(rid),
                "row " + rid + " keeps its identifier when its key moves"));
        assertEquals(after, rowIds("replica-1"));
    }

    @Test
    @Order(5)
    void shouldQueueChangesForAReplicaThatIsDownAndCatchItUpWhenItReturns() throws Exception {
        databases.kill("derby-replica-2");
        randomTransactions(new Random(7), 60);
        awaitEqual("replica-1", "the live replica keeps up");
        assertTrue(pendingChanges("master") > 0, "changes wait on the master for the missing replica");

        databases.restart("derby-replica-2", Duration.ofMinutes(1));
        awaitConverged();
        assertEquals(contents("master"), contents("replica-2"), "the returning replica caught up");
    }

    @Test
    @Order(6)
    void shouldRestartTheAgentWithoutWaitingOnAnOpenApplicationTransaction() throws Exception {
        agent.close();
        try (Connection writer = open("master")) {
            writer.setAutoCommit(false);
            update(writer, "UPDATE ACCOUNT SET OWNER = 'held' WHERE ID = (SELECT MIN(ID) FROM ACCOUNT)");
            // A restarted agent finds capture in place and makes nothing: re-running CREATE TRIGGER
            // would wait for this transaction's lock on the table (60 s, then fail).
            agent = ReplicationAgent.derby(() -> open("master"),
                    Map.of("replica-1", () -> open("replica-1"), "replica-2", () -> open("replica-2")), TABLES,
                    SMALL_READS, (replica, w) -> { });
            // Returns while the writer still holds its lock: waiting for it would end in Derby's
            // lock time-out, an exception here.
            agent.install();
            writer.commit();
        }
        agent.start(Duration.ofMillis(20));
        awaitConverged();
        assertEquals(contents("master"), contents("replica-1"), "the held write replicated once committed");
    }

    @Test
    @Order(7)
    void shouldGiveANewReplicaAnInitialCopyWhileWritesGoOnAndThenTheChanges() throws Exception {
        agent.close();
        assertEquals(0, contents("replica-3").size() + tableCount("replica-3"), "replica-3 starts empty");
        // The master keeps no identifiers (test 3): a new replica takes a replica's. With both
        // down, it waits for one rather than give the master's rows identifiers they do not have
        // on the others.
        databases.kill("derby-replica-1");
        databases.kill("derby-replica-2");
        agent = ReplicationAgent.derby(() -> open("master"), Map.of("replica-1", () -> open("replica-1"),
                "replica-2", () -> open("replica-2"), "replica-3", () -> open("replica-3")), TABLES,
                SMALL_READS, (replica, w) -> { });
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> writes = writer.submit(() -> randomTransactions(new Random(99), 200));
            agent.start(Duration.ofMillis(20));
            Thread.sleep(1_500);
            assertTrue(agent.watermark("replica-3").isEmpty(), "replica-3 has no copy while the replicas are down");
            try (Connection c = open("replica-3")) {
                assertTrue(new DerbyDialect().watermark(c).isEmpty(), "and no watermark");
            }
            databases.restart("derby-replica-1", Duration.ofMinutes(1));
            assertTrue(writes.get() > 50);
        } finally {
            writer.shutdown();
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (agent.watermark("replica-3").isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "replica-3 was copied within 30 s of replica-1's return");
            Thread.sleep(50);
        }
        databases.restart("derby-replica-2", Duration.ofMinutes(1));
        awaitConverged();
        assertEquals(contents("master"), contents("replica-3"), "the new replica holds the master's data");
        assertEquals(contents("master"), contents("replica-1"));
        assertEquals(contents("master"), contents("replica-2"));
        assertEquals(rowIds("replica-1"), rowIds("replica-3"), "and the same row identifiers");
        assertEquals(rowIds("replica-1"), rowIds("replica-2"));
        agent.close();
        agent = null;
    }

    /**
     * The agent process under its supervisor (R8): killed (SIGKILL) or hung (SIGSTOP) under
     * writes, it is replaced without an operator; a row written after each fault reaches every
     * replica, and at the end every copy holds the master's rows, each once, with the same
     * identifiers.
     */
    @Test
    @Order(8)
    void shouldResumeShippingWithoutAnOperatorWhenTheAgentProcessIsKilledOrHung() throws Exception {
        if (agent != null) {
            agent.close(); // one agent per group
            agent = null;
        }
        databases.startReplicationAgent();
        List<String> replicas = List.of("replica-1", "replica-2", "replica-3");
        ExecutorService writer = Executors.newSingleThreadExecutor();
        List<String> resumed = new java.util.ArrayList<>();
        try {
            Future<Integer> writes = writer.submit(() -> randomTransactions(new Random(1234), 900));
            long marker = 8_500;
            for (String fault : List.of("kill", "stop", "kill", "stop")) {
                Thread.sleep(700);
                long at = System.nanoTime();
                if (fault.equals("kill")) {
                    databases.kill(Cluster.REPLICATION_AGENT);
                } else {
                    databases.pause(Cluster.REPLICATION_AGENT); // hung, never resumed: the supervisor replaces it
                }
                try (Connection c = open("master")) {
                    update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", ++marker, "after " + fault);
                }
                awaitRow(replicas, marker);
                resumed.add(fault + ": " + (System.nanoTime() - at) / 1_000_000 + " ms");
            }
            assertTrue(writes.get() > 100);
        } finally {
            writer.shutdown();
        }
        System.out.println("agent replaced by its supervisor; a row written after the fault on every replica: " + resumed);
        awaitConverged();
        for (String replica : replicas) {
            assertEquals(contents("master"), contents(replica), replica + " after kill -9 and SIGSTOP of the agent");
            assertEquals(rowIds("replica-1"), rowIds(replica), replica + "'s row identifiers");
        }
    }

    /**
     * The fence of the agent process: once an agent of a later generation has written to a
     * replica, one of an earlier generation (a hung agent that its supervisor replaced, woken up)
     * writes nothing more to it.
     */
    @Test
    @Order(9)
    void shouldRefuseEveryBatchOfAnAgentALaterGenerationReplaced() throws Exception {
        databases.stopReplicationAgent();
        Map<String, ReplicationAgent.ConnectionFactory> replicas = Map.of("replica-1", () -> open("replica-1"),
                "replica-2", () -> open("replica-2"), "replica-3", () -> open("replica-3"));
        // The supervisor counts generations from its start's clock milliseconds: these two come after
        // the agents it started, and before the one it starts when this test is done.
        long generation = System.currentTimeMillis();
        try (ReplicationAgent older = ReplicationAgent.derby(() -> open("master"), replicas, TABLES, SMALL_READS, (r, w) -> { })
                .fencedAs(generation);
             ReplicationAgent later = ReplicationAgent.derby(() -> open("master"), replicas, TABLES, SMALL_READS, (r, w) -> { })
                     .fencedAs(generation + 1)) {
            try (Connection c = open("master")) {
                update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_600L, "older generation");
            }
            shipUntilEverywhere(older, 8_600L);
            try (Connection c = open("master")) {
                update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_601L, "later generation");
            }
            shipUntilEverywhere(later, 8_601L);
            try (Connection c = open("master")) {
                update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_602L, "older generation again");
            }
            for (int round = 0; round < 10; round++) {
                older.shipOnce(); // it would have shipped the row in the first of these rounds before
            }
            for (String replica : replicas.keySet()) {
                assertFalse(contents(replica).stream().anyMatch(row -> row.contains("older generation again")),
                        replica + " took nothing from the replaced generation");
            }
            shipUntilEverywhere(later, 8_602L);
        }
        databases.startReplicationAgent(); // the next generation: later than both
        awaitConverged();
    }

    /** Runs rounds of {@code agent} until account {@code id} is on every replica (at most 50). */
    private static void shipUntilEverywhere(ReplicationAgent agent, long id) throws Exception {
        for (int round = 0; round < 50; round++) {
            agent.shipOnce();
            if (List.of("replica-1", "replica-2", "replica-3").stream().allMatch(r -> {
                try {
                    return contents(r).stream().anyMatch(row -> row.startsWith("ID=" + id + " "));
                } catch (SQLException e) {
                    return false;
                }
            })) {
                return;
            }
        }
        throw new AssertionError("account " + id + " reached every replica within 50 rounds");
    }

    @Test
    @Order(10)
    void shouldApplyATransactionWholeOrNotAtAllWhenTheReplicaIsKilledMidApply() throws Exception {
        int rows = 8_000;
        AtomicBoolean watching = new AtomicBoolean(true);
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        Future<?> watch = reader.submit(() -> {
            try (Connection c = open("replica-2"); Statement s = c.createStatement()) {
                // Derby's default, as the application's replica reads run: a statement at READ
                // COMMITTED is no snapshot, and a scan running while the transaction is applied
                // could count part of it (seen once: 7,920 of 8,000) before the apply locked its
                // tables against readers (R6).
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                while (watching.get()) {
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM ENTRY WHERE NOTE = 'bulk'")) {
                        r.next();
                        seen.add(r.getInt(1));
                    }
                }
            }
            return null;
        });
        try (Connection c = open("master"); PreparedStatement p = c.prepareStatement(
                "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) VALUES (?, ?, ?, 'bulk')")) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                p.setLong(1, 1_000 + i / 100);
                p.setString(2, "b" + (i % 100));
                p.setInt(3, i);
                p.addBatch();
            }
            p.executeBatch();
            c.commit();
        }
        // The agent is reading or applying the batch of 8,000 rows now.
        Thread.sleep(250);
        databases.kill("derby-replica-1");
        databases.restart("derby-replica-1", Duration.ofMinutes(1));
        awaitConverged();
        watching.set(false);
        watch.get();
        reader.shutdown();
        assertEquals(contents("master"), contents("replica-1"), "the killed replica holds the whole transaction once");
        assertEquals(contents("master"), contents("replica-2"));
        assertTrue(seen.contains(rows) && seen.stream().allMatch(n -> n == 0 || n == rows),
                "a reader of replica-2 saw none or all of the 8,000 rows, never part: " + seen);
    }

    @Test
    @Order(11)
    void shouldPurgeShippedChangeRowsWithoutWaitingOnAnOpenWriter() throws Exception {
        awaitConverged(); // the 8,000 rows of the test before have shipped and their change rows are deleted
        try (Connection writer = open("master"); Connection agentSide = open("master")) {
            writer.setAutoCommit(false);
            update(writer, "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) VALUES (?, ?, ?, ?)", 7_777L, "open", 1, "held");
            // Returns while the writer still holds its lock (else Derby's lock time-out throws).
            new DerbyDialect().reclaim(agentSide, "QOS_CHG_ENTRY");
            writer.commit();
        }
        awaitConverged();
        assertEquals(contents("master"), contents("replica-1"), "the writer's row shipped after the reclaim");
        assertEquals(contents("master"), contents("replica-2"));
    }

    @Test
    @Order(12)
    void shouldLetAReplicaThatHoldsWhatThePromotedOneHeldFollowItWithoutACopy() throws Exception {
        databases.stopReplicationAgent();
        DerbyDialect dialect = new DerbyDialect();
        Map<String, ReplicationAgent.ConnectionFactory> replicas = Map.of("replica-1", () -> open("replica-1"),
                "replica-2", () -> open("replica-2"), "replica-3", () -> open("replica-3"));
        agent = ReplicationAgent.derby(() -> open("master"), replicas, TABLES, SMALL_READS, (r, w) -> { });
        agent.start(Duration.ofMillis(20));
        awaitConverged();
        long held;
        try (Connection open = open("master"); Connection writer = open("master")) {
            // An open transaction holds every watermark where it began, so the transactions that
            // commit while it goes on writing (ending before its last change: they cannot have
            // waited for its rows) are applied above the watermarks (QOS_APPLIED).
            open.setAutoCommit(false);
            update(open, "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) VALUES (?, ?, ?, ?)", 8_000L, "open", 1, "held");
            update(writer, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_001L, "t1");
            update(open, "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) VALUES (?, ?, ?, ?)", 8_000L, "open-2", 1, "held");
            awaitRow(List.of("replica-1", "replica-2", "replica-3"), 8_001L);
            databases.kill("derby-replica-3");
            update(writer, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_002L, "t2");
            update(open, "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) VALUES (?, ?, ?, ?)", 8_000L, "open-3", 1, "held");
            awaitRow(List.of("replica-1", "replica-2"), 8_002L);
            agent.readyReplicas(); // what the agent does by itself every 3 s
            agent.close();
            agent = null;
            open.rollback();
            databases.restart("derby-replica-3", Duration.ofMinutes(1));
            Map<String, Set<String>> applied = new java.util.TreeMap<>();
            Set<Long> lows = new java.util.HashSet<>();
            for (String r : replicas.keySet()) {
                try (Connection c = open(r)) {
                    long low = dialect.watermark(c).orElseThrow();
                    lows.add(low);
                    applied.put(r, dialect.appliedFrom(c, low));
                }
            }
            assertEquals(1, lows.size(), "the three replicas stopped at one watermark: " + lows);
            held = lows.iterator().next();
            assertEquals(2, applied.get("replica-1").size(), "t1 and t2 applied above it: " + applied);
            assertEquals(applied.get("replica-1"), applied.get("replica-2"));
            assertEquals(1, applied.get("replica-3").size(), "replica-3 has t1 only: " + applied);
        }
        // A row that only a copy would remove: replica-2 must keep it, replica-3 must not.
        for (String r : List.of("replica-2", "replica-3")) {
            try (Connection c = open(r)) {
                update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_100L, "only here");
            }
        }
        // Every replica carries capture, switched off: compiled triggers that wrote nothing for the
        // agent's applies, nor for the row written by hand.
        for (String r : List.of("replica-1", "replica-2")) {
            assertEquals(Map.of("QOS_D_ACCOUNT", true, "QOS_D_ENTRY", true, "QOS_I_ACCOUNT", true, "QOS_I_ENTRY", true,
                    "QOS_U_ACCOUNT", true, "QOS_U_ENTRY", true), captureTriggers(r), r + " carries compiled capture triggers");
            assertEquals(0L, pendingChanges(r), r + " captured nothing");
            assertEquals(0, rowCount(r, "QOS_CAPTURING"), r + " has capture switched off");
        }
        epochTwo = new ReplicationAgent.Epoch(2, "replica-1", held);
        try (Connection c = open("replica-1")) {
            ReplicationAgent.promote(c, dialect, TABLES, epochTwo);
        }
        try (Connection writer = open("replica-1")) {
            update(writer, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_003L, "after");
            update(writer, "UPDATE ACCOUNT SET OWNER = ? WHERE ID = ?", "t2, later", 8_002L);
            // The promotion switched capture on: the new master's changes are numbered from the
            // epoch's first sequence on, as the watermarks of the new epoch expect.
            try (Statement s = writer.createStatement();
                 ResultSet r = s.executeQuery("SELECT MIN(QOS_SEQ), COUNT(*) FROM QOS_CHG_ACCOUNT")) {
                r.next();
                assertTrue(r.getLong(1) >= held, "first change " + r.getLong(1) + " at or above the epoch's first sequence " + held);
                assertEquals(2, r.getLong(2), "both writes captured on the promoted copy");
            }
        }
        agent = shippingInEpochTwo(TABLES);
        awaitRow(List.of("replica-2", "replica-3"), 8_003L);
        awaitConverged("replica-1");
        List<String> expected = contents("replica-1");
        List<String> second = contents("replica-2");
        assertTrue(second.removeIf(row -> row.startsWith("ID=8100 ")), "replica-2 was not copied: its own row is still there");
        assertEquals(expected, second, "replica-2 followed the new master without a copy and holds its data");
        assertEquals(expected, contents("replica-3"), "replica-3 (t2 missing) was copied afresh");
        assertEquals(rowIds("replica-2"), rowIds("replica-3"));
    }

    @Test
    @Order(13)
    void shouldGiveTheReplicasTheRowsOfATableAddedToCaptureLater() throws Exception {
        // The group of test 11: replica-1 master (epoch 2), replica-2 and replica-3 following.
        agent.close();
        agent = null;
        try (Connection c = open("replica-1"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE LATER (ID BIGINT NOT NULL PRIMARY KEY, NOTE VARCHAR(40))");
            for (int i = 1; i <= 120; i++) {
                update(c, "INSERT INTO LATER (ID, NOTE) VALUES (?, ?)", (long) i, "before capture " + i);
            }
            // Large objects, in the initial copy and in changes (EclipseLink stores a serialized
            // attribute, java.time.Instant for one, as a BLOB).
            s.execute("CREATE TABLE DOC (ID BIGINT NOT NULL PRIMARY KEY, BODY BLOB, TEXT CLOB)");
            insertDoc(c, 1, 70_000);
        }
        List<String> withLater = List.of("ACCOUNT", "ENTRY", "LATER", "DOC");
        agent = shippingInEpochTwo(withLater);
        try (Connection writer = open("replica-1")) {
            update(writer, "UPDATE LATER SET NOTE = ? WHERE ID = ?", "changed after", 7L);
            update(writer, "DELETE FROM LATER WHERE ID = ?", 8L);
            update(writer, "INSERT INTO LATER (ID, NOTE) VALUES (?, ?)", 500L, "after capture");
            insertDoc(writer, 2, 3);
            insertDoc(writer, 3, 40_000);
            update(writer, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_200L, "marks the end");
        }
        awaitRow(List.of("replica-2", "replica-3"), 8_200L);
        awaitConverged("replica-1");
        List<String> later = contentsOf("replica-1", "SELECT * FROM LATER ORDER BY ID");
        assertEquals(120, later.size(), "119 rows from before capture and one after");
        for (String r : List.of("replica-2", "replica-3")) {
            assertEquals(later, contentsOf(r, "SELECT * FROM LATER ORDER BY ID"),
                    r + " holds LATER's rows from before its capture, and the changes after");
            assertEquals(contents("replica-1"), contents(r), r + " still holds the other tables' data");
        }
        Map<Long, String> docs = docs("replica-1");
        assertEquals(3, docs.size(), docs.keySet().toString());
        for (String r : List.of("replica-2", "replica-3")) {
            assertEquals(docs, docs(r), r + " holds every large object, copied and changed, byte for byte");
        }
        Map<Long, String> ids = ridsOf("replica-2", "LATER");
        assertEquals(later.stream().map(row -> row.substring(3, row.indexOf(' '))).collect(java.util.stream.Collectors.toSet()),
                Set.copyOf(ids.values()), "every LATER row has its identifier on replica-2");
        assertEquals(120, ids.size());
        assertEquals(ids, ridsOf("replica-3", "LATER"), "replica-3 has the same");
        // The copies took the identifiers the master gave every row (no replica had LATER's); the
        // master stops keeping them once its replicas have changes past them.
        try (Connection writer = open("replica-1")) {
            update(writer, "UPDATE ACCOUNT SET OWNER = ? WHERE ID = ?", "past the copies", 8_200L);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (identifiedBelow("replica-1") != 0) {
            assertTrue(System.nanoTime() < deadline, "the master stopped keeping identifiers within 30 s");
            Thread.sleep(50);
        }
    }

    @Test
    @Order(14)
    void shouldKeepTheIdentifiersOnAMasterWithoutReplicasAndCopyACopyAddedLaterFromIt() throws Exception {
        // The group of test 12 reduced to its master, replica-1 (epoch 2).
        agent.close();
        agent = ReplicationAgent.derby(() -> open("replica-1"), Map.of(), TABLES, SMALL_READS, (r, w) -> { }, epochTwo,
                (copy, epoch) -> java.util.OptionalLong.empty());
        agent.install();
        agent.start(Duration.ofMillis(20));
        try (Connection writer = open("replica-1")) {
            update(writer, "UPDATE ACCOUNT SET ID = ID + 100 WHERE ID < 100");
            update(writer, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", 8_300L, "alone");
            update(writer, "DELETE FROM ACCOUNT WHERE ID = ?", 8_003L);
        }
        awaitConverged("replica-1");
        assertTrue(identifiedBelow("replica-1") > 0, "a master without replicas keeps the identifiers");
        Map<Long, String> alone = rowIds("replica-1");
        assertEquals(keysOf(contents("replica-1")), Set.copyOf(alone.values()), "one for every row, at its key");
        assertTrue(alone.containsValue("8300") && !alone.containsValue("8003"));

        // A member added then (its watermark forgotten, as the coordinator does) gets its copy,
        // identifiers included, from the master while writes go on.
        try (Connection c = open("replica-3"); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM QOS_WATERMARK");
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> writes = writer.submit(() -> {
                try (Connection c = open("replica-1")) {
                    for (long id = 9_000; id < 9_300; id++) {
                        update(c, "INSERT INTO ACCOUNT (ID, OWNER) VALUES (?, ?)", id, "while copied");
                        update(c, "UPDATE ACCOUNT SET BALANCE = ? WHERE ID = ?", BigDecimal.ONE, id - 1);
                    }
                }
                return null;
            });
            Thread.sleep(100);
            agent.replicas(Map.of("replica-3", () -> open("replica-3")));
            writes.get();
        } finally {
            writer.shutdown();
        }
        awaitConverged("replica-1");
        assertEquals(contents("replica-1"), contents("replica-3"), "the added member holds the master's data");
        Map<Long, String> copied = rowIds("replica-3");
        assertEquals(keysOf(contents("replica-3")), Set.copyOf(copied.values()), "and an identifier for every row");
        alone.forEach((rid, id) -> assertEquals(id, copied.get(rid), "the identifiers the master had: " + rid));
    }

    /** The primary keys of the ACCOUNT rows among {@code rows} ({@link #contents}). */
    private static Set<String> keysOf(List<String> rows) {
        return rows.stream().filter(row -> row.startsWith("ID=")).map(row -> row.substring(3, row.indexOf(' ')))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** An agent for {@link #epochTwo} (replica-1 master) shipping {@code tables} to replica-2 and replica-3. */
    private static ReplicationAgent shippingInEpochTwo(List<String> tables) {
        ReplicationAgent a = ReplicationAgent.derby(() -> open("replica-1"),
                Map.of("replica-2", () -> open("replica-2"), "replica-3", () -> open("replica-3")), tables,
                SMALL_READS, (r, w) -> { }, epochTwo, (copy, epoch) -> java.util.OptionalLong.empty());
        a.install();
        a.start(Duration.ofMillis(20));
        return a;
    }

    /** Waits until ACCOUNT {@code id} is on every one of {@code copies}. */
    private static void awaitRow(List<String> copies, long id) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (String copy : copies) {
            while (true) {
                try (Connection c = open(copy); PreparedStatement p = c.prepareStatement("SELECT 1 FROM ACCOUNT WHERE ID = ?")) {
                    p.setLong(1, id);
                    try (ResultSet r = p.executeQuery()) {
                        if (r.next()) {
                            break;
                        }
                    }
                } catch (SQLException e) {
                    // not there yet: a copy under way, or the server starting
                }
                assertTrue(System.nanoTime() < deadline, "account " + id + " reached " + copy + " within 30 s");
                Thread.sleep(50);
            }
        }
    }

    /** {@code QOS_IDENTIFIED} on {@code copy}: below which its identifier tables reflect every change, 0 if not kept. */
    private static long identifiedBelow(String copy) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT QOS_BELOW FROM QOS_IDENTIFIED")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Row identifier to primary key (as text) of every ACCOUNT row on {@code copy}. */
    private static Map<Long, String> rowIds(String copy) throws SQLException {
        return ridsOf(copy, "ACCOUNT");
    }

    /** Row identifier to primary key (as text) of every row of {@code table} (key {@code ID}) on {@code copy}. */
    private static Map<Long, String> ridsOf(String copy, String table) throws SQLException {
        Map<Long, String> ids = new java.util.TreeMap<>();
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT QOS_RID, ID FROM QOS_RID_" + table)) {
            while (r.next()) {
                ids.put(r.getLong(1), r.getString(2));
            }
        }
        return ids;
    }

    private static int rowCount(String copy, String table) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            r.next();
            return r.getInt(1);
        }
    }

    private static int tableCount(String copy) throws SQLException {
        try (Connection c = open(copy)) {
            return tableCountOn(c);
        }
    }

    private static int tableCountOn(Connection c) throws SQLException {
        try (ResultSet r = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            int n = 0;
            while (r.next()) {
                n++;
            }
            return n;
        }
    }

    /** Random inserts, updates (also of key columns) and deletes, a fifth of them rolled back; returns commits. */
    private static int randomTransactions(Random random, int count) throws SQLException {
        int committed = 0;
        try (Connection c = open("master")) {
            c.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                int statements = 1 + random.nextInt(4);
                try {
                    for (int k = 0; k < statements; k++) {
                        randomStatement(c, random);
                    }
                    if (random.nextInt(5) == 0) {
                        c.rollback();
                    } else {
                        c.commit();
                        committed++;
                    }
                } catch (SQLException e) {
                    try {
                        c.rollback(); // a duplicate key or a lock time-out between writers: nothing happened
                    } catch (SQLException lost) {
                        lost.addSuppressed(e); // the connection closed: say why
                        throw lost;
                    }
                }
            }
        }
        return committed;
    }

    private static void randomStatement(Connection c, Random random) throws SQLException {
        long account = 1L + random.nextInt(40);
        String code = "c" + random.nextInt(6);
        switch (random.nextInt(7)) {
            case 0, 1 -> update(c, "INSERT INTO ACCOUNT (ID, OWNER, BALANCE, OPENED) SELECT ?, ?, ?, ? FROM SYSIBM.SYSDUMMY1"
                    + " WHERE NOT EXISTS (SELECT 1 FROM ACCOUNT WHERE ID = ?)", account, random.nextBoolean() ? "o" + account : null,
                    BigDecimal.valueOf(random.nextInt(100_000), 2), new Timestamp(1_700_000_000_000L + random.nextInt(1_000_000)), account);
            case 2 -> update(c, "UPDATE ACCOUNT SET BALANCE = BALANCE + ?, OWNER = ? WHERE ID = ?",
                    BigDecimal.valueOf(random.nextInt(1000) - 500, 2), "p" + random.nextInt(9), account);
            case 3 -> update(c, "DELETE FROM ACCOUNT WHERE ID = ?", account);
            case 4 -> update(c, "INSERT INTO ENTRY (ACCOUNT_ID, CODE, AMOUNT, NOTE) SELECT ?, ?, ?, ? FROM SYSIBM.SYSDUMMY1"
                    + " WHERE NOT EXISTS (SELECT 1 FROM ENTRY WHERE ACCOUNT_ID = ? AND CODE = ?)",
                    account, code, random.nextInt(500), random.nextBoolean() ? "n" : null, account, code);
            case 5 -> update(c, "UPDATE ENTRY SET CODE = ?, AMOUNT = AMOUNT + 1 WHERE ACCOUNT_ID = ? AND CODE = ?"
                    + " AND NOT EXISTS (SELECT 1 FROM ENTRY E2 WHERE E2.ACCOUNT_ID = ? AND E2.CODE = ?)",
                    code + "x", account, code, account, code + "x");
            default -> update(c, "DELETE FROM ENTRY WHERE ACCOUNT_ID = ? AND CODE LIKE ?", account, code + "%");
        }
    }

    /** A DOC row whose BLOB and CLOB hold {@code size} bytes and characters made from its id. */
    private static void insertDoc(Connection c, long id, int size) throws SQLException {
        byte[] body = new byte[size];
        StringBuilder text = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            body[i] = (byte) (id * 31 + i);
            text.append((char) ('a' + (id + i) % 26));
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO DOC (ID, BODY, TEXT) VALUES (?, ?, ?)")) {
            p.setLong(1, id);
            p.setBytes(2, body);
            p.setString(3, text.toString());
            p.executeUpdate();
        }
    }

    /** Each DOC row of {@code copy}: its BLOB's and CLOB's lengths and hashes, or "null". */
    private static Map<Long, String> docs(String copy) throws SQLException {
        Map<Long, String> docs = new java.util.TreeMap<>();
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT ID, BODY, TEXT FROM DOC")) {
            while (r.next()) {
                byte[] body = r.getBytes(2);
                String text = r.getString(3);
                docs.put(r.getLong(1), (body == null ? "null" : body.length + "/" + java.util.Arrays.hashCode(body)) + " "
                        + (text == null ? "null" : text.length() + "/" + text.hashCode()));
            }
        }
        return docs;
    }

    private static void update(Connection c, String sql, Object... values) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] == null) {
                    p.setNull(i + 1, p.getParameterMetaData().getParameterType(i + 1));
                } else {
                    p.setObject(i + 1, values[i]);
                }
            }
            p.executeUpdate();
        }
    }

    private static void awaitConverged() throws Exception {
        awaitConverged("master");
    }

    private static void awaitConverged(String master) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (pendingChanges(master) > 0) {
            assertTrue(System.nanoTime() < deadline, "every change reached every replica within 30 s");
            Thread.sleep(50);
        }
    }

    /** Waits until {@code copy} holds what the master holds (the master's writers are idle). */
    private static void awaitEqual(String copy, String what) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!contents("master").equals(contents(copy))) {
            assertTrue(System.nanoTime() < deadline, what + ": " + copy + " holds what the master holds within 30 s");
            Thread.sleep(50);
        }
    }

    /** Each capture trigger of {@code copy} and whether Derby holds its action compiled. */
    private static Map<String, Boolean> captureTriggers(String copy) throws SQLException {
        Map<String, Boolean> compiled = new java.util.TreeMap<>();
        try (Connection c = open(copy); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT CAST(T.TRIGGERNAME AS VARCHAR(128)), S.VALID FROM SYS.SYSTRIGGERS T"
                     + " JOIN SYS.SYSSTATEMENTS S ON T.ACTIONSTMTID = S.STMTID WHERE T.TRIGGERNAME LIKE 'QOS_%'")) {
            while (r.next()) {
                compiled.put(r.getString(1), r.getBoolean(2));
            }
        }
        return compiled;
    }

    private static long pendingChanges(String master) throws SQLException {
        long n = 0;
        try (Connection c = open(master); Statement s = c.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_CHG_" + t)) {
                    r.next();
                    n += r.getLong(1);
                }
            }
        }
        return n;
    }

    /** Every row of every replicated table, in key order, as text: equal lists mean identical copies. */
    private static List<String> contents(String copy) throws SQLException {
        return contentsOf(copy, "SELECT * FROM ACCOUNT ORDER BY ID", "SELECT * FROM ENTRY ORDER BY ACCOUNT_ID, CODE");
    }

    /** The rows {@code queries} return on {@code copy}, as text (none on a replica without tables). */
    private static List<String> contentsOf(String copy, String... queries) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = open(copy); Statement s = c.createStatement()) {
            if (!copy.equals("master") && tableCountOn(c) == 0) {
                return rows;
            }
            for (String sql : queries) {
                try (ResultSet r = s.executeQuery(sql)) {
                    ResultSetMetaData md = r.getMetaData();
                    while (r.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.append(md.getColumnName(i)).append('=').append(r.getString(i)).append(' ');
                        }
                        rows.add(row.toString());
                    }
                }
            }
        }
        return rows;
    }
}
