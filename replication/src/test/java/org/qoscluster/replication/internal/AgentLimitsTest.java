package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.replication.internal.TestSql.exec;
import static org.qoscluster.replication.internal.TestSql.rows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationAgent;
import org.qoscluster.replication.ReplicationException;

/**
 * What an application's data or the agent's own process may throw at the agent, end to end on
 * Derby: a transaction that changed more rows of a table than one JDBC batch of Derby's client
 * driver may hold, binary character columns, a column type it cannot copy, and an {@link Error}
 * in a round.
 */
class AgentLimitsTest {

    private static Connection open(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    /**
     * Ships rounds, at most {@code rounds}, until {@code query} on the replica at {@code replica}
     * answers {@code expected}; returns its last answer.
     */
    private static List<String> shipUntil(ReplicationAgent agent, String replica, String query, List<String> expected,
                                          int rounds) throws SQLException {
        List<String> got = List.of();
        for (int round = 0; round < rounds && !got.equals(expected); round++) {
            agent.shipOnce();
            try (Connection r = open(replica)) {
                got = rows(r, query);
            }
        }
        return got;
    }

    /**
     * One transaction that inserts 66,000 rows of a table (Derby's client driver refuses a batch
     * of more than 65,534 statements) reaches the replica whole, through the client driver as on
     * a cluster, and what is written after it follows.
     */
    @Test
    void shouldApplyATransactionThatChangedMoreRowsOfATableThanOneJdbcBatchMayHold() throws Exception {
        int n = 66_000;
        try (NetworkDerby server = NetworkDerby.start()) {
            String master = server.url("memory:limits-big-master;create=true");
            String replica = server.url("memory:limits-big-replica;create=true");
            try (Connection m = open(master)) {
                exec(m, "CREATE TABLE LINE (ID INT NOT NULL PRIMARY KEY, QTY INT)");
            }
            open(replica).close();
            try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), Map.of("r1", () -> open(replica)),
                    List.of("LINE"))) {
                agent.install();
                agent.shipOnce(); // the replica's initial copy, of no rows
                // The server runs in this JVM: its database is written here directly, which is faster.
                try (Connection m = open("jdbc:derby:memory:limits-big-master")) {
                    m.setAutoCommit(false);
                    try (PreparedStatement insert = m.prepareStatement("INSERT INTO LINE VALUES (?, 1)")) {
                        for (int i = 0; i < n; i++) {
                            insert.setInt(1, i);
                            insert.addBatch();
                            if (i % 5_000 == 4_999) {
                                insert.executeBatch();
                            }
                        }
                        insert.executeBatch();
                    }
                    m.commit(); // one transaction
                    m.setAutoCommit(true);
                    exec(m, "INSERT INTO LINE VALUES (-1, 7)");
                }
                List<String> expected = List.of(n + 7 + "|" + (n + 1));
                assertEquals(expected, shipUntil(agent, replica, "SELECT SUM(QTY), COUNT(*) FROM LINE", expected, 20),
                        "the replica's total and row count");
            }
        }
    }

    /**
     * A replica copied while writes went on holds the master's rows of a moment later than its
     * watermark, and replays the changes since over them. Readied (given the master's unique
     * constraints) before the replay is over, a replayed change that puts a value back on a row
     * while another row of the copy already holds it in its later state breaks one: the agent
     * drops the replica's unique constraints, and the replica goes on and reaches the master's
     * rows (it used to fail that apply every round, for good).
     */
    @Test
    void shouldGoOnApplyingWhenAReplayMeetsAUniqueConstraintAReadyingAddedToo() throws Exception {
        String master = "jdbc:derby:memory:limits-unique-master;create=true";
        String first = "jdbc:derby:memory:limits-unique-r1;create=true";
        String second = "jdbc:derby:memory:limits-unique-r2;create=true";
        try (Connection m = open(master)) {
            exec(m, "CREATE TABLE ACCOUNT (ID INT NOT NULL PRIMARY KEY, EMAIL VARCHAR(20) NOT NULL,"
                            + " CONSTRAINT ACCOUNT_EMAIL UNIQUE (EMAIL))",
                    "CREATE TABLE OTHER (ID INT NOT NULL PRIMARY KEY, N INT)",
                    "INSERT INTO ACCOUNT VALUES (1, 'a'), (2, 'b')", "INSERT INTO OTHER VALUES (1, 0)");
        }
        open(first).close();
        open(second).close();
        Map<String, ReplicationAgent.ConnectionFactory> one = new java.util.LinkedHashMap<>();
        one.put("r1", () -> open(first));
        // One change row a read: the replay after the copy takes a round a transaction.
        try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), one, List.of("ACCOUNT", "OTHER"), 1,
                (r, w) -> { })) {
            agent.install();
            for (int i = 0; i < 3; i++) {
                agent.shipOnce();
            }
            try (Connection m = open(master)) { // what r1 has not got yet, in commit order
                exec(m, "UPDATE OTHER SET N = 1 WHERE ID = 1",
                        "UPDATE ACCOUNT SET EMAIL = 'v' WHERE ID = 1", // row 1 takes v
                        "UPDATE ACCOUNT SET EMAIL = 's2' WHERE ID = 1", // and gives it up
                        "UPDATE ACCOUNT SET EMAIL = 'v' WHERE ID = 2"); // row 2 takes v
            }
            Map<String, ReplicationAgent.ConnectionFactory> two = new java.util.LinkedHashMap<>(one);
            two.put("r2", () -> open(second));
            agent.replicas(two);
            agent.shipOnce(); // r2 copied: identifiers from r1 (before all four), rows from the master (after)
            agent.readyReplicas(); // as the agent's readying does about a second after a copy
            try (Connection r2 = open(second)) {
                assertEquals(List.of("ACCOUNT_EMAIL"), rows(r2, "SELECT CONSTRAINTNAME FROM SYS.SYSCONSTRAINTS WHERE TYPE = 'U'"),
                        "the readying gave r2 the master's unique constraint mid-replay");
            }
            try (Connection m = open(master)) {
                exec(m, "INSERT INTO ACCOUNT VALUES (3, 'c')");
            }
            List<String> expected;
            try (Connection m = open(master)) {
                expected = rows(m, "SELECT * FROM ACCOUNT ORDER BY ID");
            }
            assertEquals(expected, shipUntil(agent, second, "SELECT * FROM ACCOUNT ORDER BY ID", expected, 30),
                    "r2 reaches the master's rows");
            agent.readyReplicas();
            try (Connection r2 = open(second)) {
                assertEquals(List.of("ACCOUNT_EMAIL"), rows(r2, "SELECT CONSTRAINTNAME FROM SYS.SYSCONSTRAINTS WHERE TYPE = 'U'"),
                        "the next readying gives r2 the constraint back, its rows now the master's");
            }
        }
    }

    /**
     * A backlog of large objects is read in windows of about the read's bytes, not of its rows
     * (5,000 rows of 100 KB would not fit in the agent's heap), each transaction whole, and the
     * windows one after the other hold every transaction once.
     */
    @Test
    void shouldReadABacklogOfLargeObjectsInWindowsOfAboutTheReadsBytes() throws Exception {
        String master = "jdbc:derby:memory:limits-lobs-master;create=true";
        try (Connection m = open(master)) {
            exec(m, "CREATE TABLE DOC (ID INT NOT NULL PRIMARY KEY, BODY BLOB(1M))");
        }
        try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), Map.of(), List.of("DOC"))) {
            agent.install();
        }
        DerbyDialect dialect = new DerbyDialect();
        Link link = new Link(() -> open(master));
        try (Connection m = open(master)) {
            List<org.qoscluster.replication.TableSpec> tables = dialect.describe(m, List.of("DOC"));
            long from = dialect.horizon(m, tables).nextSequence();
            try (PreparedStatement insert = m.prepareStatement("INSERT INTO DOC VALUES (?, ?)")) {
                for (int i = 0; i < 20; i++) { // each its own transaction
                    insert.setInt(1, i);
                    insert.setBytes(2, new byte[100_000]);
                    insert.executeUpdate();
                }
            }
            Dialect.Horizon horizon = dialect.horizon(m, tables);
            long first = from;
            List<String> read = new ArrayList<>();
            for (int window = 0; window < 20 && from < horizon.nextSequence(); window++) {
                Changes.Batch b = Changes.read(link, dialect, tables, from, horizon, 5_000, 350_000, java.util.Set.of());
                assertTrue(!b.transactions().isEmpty() && b.transactions().size() <= 4,
                        "a window of about 350 KB holds 1 to 4 rows of 100 KB: " + b.transactions().size());
                b.transactions().forEach(tx -> read.add(tx.id()));
                from = b.completeBelow();
            }
            assertEquals(20, read.size(), "every transaction read: " + read);
            assertEquals(20, new java.util.HashSet<>(read).size(), "once: " + read);
            assertEquals(20, Changes.read(link, dialect, tables, first, horizon, 5_000, java.util.Set.of()).transactions().size(),
                    "within the agent's own bound (" + Changes.READ_BYTES + " bytes), one window");
        } finally {
            link.reset();
        }
    }

    /** Columns of {@code CHAR(n) FOR BIT DATA} and {@code VARCHAR(n) FOR BIT DATA}, which Derby's metadata names {@code CHAR () FOR BIT DATA}. */
    @Test
    void shouldReplicateBinaryCharacterColumns() throws Exception {
        String master = "jdbc:derby:memory:limits-bits-master;create=true";
        String replica = "jdbc:derby:memory:limits-bits-replica;create=true";
        try (Connection m = open(master)) {
            exec(m, "CREATE TABLE T (ID INT NOT NULL PRIMARY KEY, B CHAR(4) FOR BIT DATA, V VARCHAR(8) FOR BIT DATA)");
        }
        open(replica).close();
        try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), Map.of("r1", () -> open(replica)), List.of("T"))) {
            agent.install();
            agent.shipOnce();
            try (Connection m = open(master)) {
                exec(m, "INSERT INTO T VALUES (1, X'01020304', X'0A0B')");
            }
            agent.shipOnce();
            try (Connection r = open(replica)) {
                assertEquals(List.of("1|01020304|0a0b"), rows(r, "SELECT * FROM T"));
            }
        }
    }

    /** A column of a type the agent cannot copy is refused when capture is installed, naming the table and the column. */
    @Test
    void shouldRefuseAColumnItCannotCopyNamingTheTableAndTheColumn() throws Exception {
        String master = "jdbc:derby:memory:limits-xml-master;create=true";
        try (Connection m = open(master)) {
            exec(m, "CREATE TABLE DOC (ID INT NOT NULL PRIMARY KEY, BODY XML)");
        }
        try (ReplicationAgent agent = ReplicationAgent.derby(() -> open(master), Map.of(), List.of("DOC"))) {
            ReplicationException e = assertThrows(ReplicationException.class, agent::install);
            assertTrue(e.getMessage().contains("table DOC: column BODY is of type XML, which replication does not support"),
                    e.getMessage());
        }
    }

    /**
     * A round that fails with an {@link Error} (out of memory, say) tells whoever started the
     * agent, so that its process can end and be replaced, instead of the schedule dying silently.
     */
    @Test
    void shouldTellItsStarterWhenARoundFailsWithAnError() throws Exception {
        String master = "jdbc:derby:memory:limits-error-master;create=true";
        String replica = "jdbc:derby:memory:limits-error-replica;create=true";
        try (Connection m = open(master)) {
            exec(m, "CREATE TABLE ITEM (ID INT NOT NULL PRIMARY KEY, N INT)");
        }
        open(replica).close();
        Dialect derby = Dialect.derby();
        AtomicBoolean fail = new AtomicBoolean();
        OutOfMemoryError thrown = new OutOfMemoryError("a batch too large for the agent's heap");
        Dialect failing = (Dialect) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Dialect.class}, (proxy, method, args) -> {
                    if (method.getName().equals("horizon") && fail.getAndSet(false)) {
                        throw thrown;
                    }
                    try {
                        return method.invoke(derby, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ReplicationAgent.Settings s = ReplicationAgent.Settings.derby(() -> open(master), Map.of("r1", () -> open(replica)),
                List.of("ITEM"));
        CompletableFuture<Error> told = new CompletableFuture<>();
        try (ReplicationAgent agent = new ReplicationAgent(new ReplicationAgent.Settings(s.master(), s.replicas(), s.tables(),
                failing, s.clock(), s.batchRows(), s.listener(), s.epoch(), s.tailStart()))) {
            agent.install();
            agent.shipOnce();
            fail.set(true);
            agent.start(Duration.ofMillis(20), told::complete);
            assertSame(thrown, told.get(60, TimeUnit.SECONDS));
        }
    }
}
