package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/** The master's horizon on an embedded Derby database with capture installed on two tables. */
class DerbyHorizonTest {

    @Test
    void shouldBeOnePastTheHighestChangeOfAnyTableCommittedOrNot() throws SQLException {
        String url = "jdbc:derby:memory:horizon-test;create=true";
        try (Connection c = DriverManager.getConnection(url); Connection writer = DriverManager.getConnection(url)) {
            DerbyDialect dialect = new DerbyDialect();
            List<TableSpec> tables = captured(c, dialect);
            long empty = dialect.horizon(c, tables).nextSequence();

            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO CUSTOMER VALUES (1, 'a')");
                s.execute("INSERT INTO PRODUCT VALUES (1, 'p')");
                s.execute("INSERT INTO CUSTOMER VALUES (2, 'b')");
            }
            assertEquals(highest(c, "QOS_CHG_CUSTOMER") + 1, dialect.horizon(c, tables).nextSequence(),
                    "the customer's change is the latest");
            assertTrue(highest(c, "QOS_CHG_CUSTOMER") >= empty);

            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("UPDATE PRODUCT SET NAME = 'q' WHERE ID = 1");
            }
            Dialect.Horizon open = dialect.horizon(c, tables);
            assertEquals(highest(c, "QOS_CHG_PRODUCT") + 1, open.nextSequence(), "an uncommitted change counts too");
            assertEquals(1, open.openTransactions().size(), "the writer's transaction is open");
            writer.commit();
            assertEquals(open.nextSequence(), dialect.horizon(c, tables).nextSequence());
            assertEquals(0, dialect.horizon(c, tables).openTransactions().size());
        }
    }

    @Test
    void shouldReadNothingFromTheHorizonOnAndTheSameWhenAWriterBeginsPastIt() throws SQLException {
        String url = "jdbc:derby:memory:idle-read-test;create=true";
        try (Connection c = DriverManager.getConnection(url); Connection writer = DriverManager.getConnection(url)) {
            DerbyDialect dialect = new DerbyDialect();
            List<TableSpec> tables = captured(c, dialect);
            Dialect.Horizon before = dialect.horizon(c, tables);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO CUSTOMER VALUES (1, 'a')");
                s.execute("INSERT INTO PRODUCT VALUES (1, 'p')");
            }
            Link link = new Link(() -> DriverManager.getConnection(url));
            try {
                Dialect.Horizon h = dialect.horizon(c, tables);
                Changes.Batch all = Changes.read(link, dialect, tables, before.nextSequence(), h, 5000, java.util.Set.of());
                assertEquals(2, all.transactions().size(), "both inserts ship");
                assertEquals(h.nextSequence(), all.completeBelow());

                Changes.Batch idle = Changes.read(link, dialect, tables, h.nextSequence(), h, 5000, java.util.Set.of());
                assertEquals(List.of(), idle.transactions());
                assertEquals(h.nextSequence(), idle.completeBelow());

                writer.setAutoCommit(false);
                try (Statement s = writer.createStatement()) {
                    s.execute("INSERT INTO PRODUCT VALUES (2, 'q')");
                }
                Changes.Batch late = Changes.read(link, dialect, tables, h.nextSequence(), h, 5000, java.util.Set.of());
                assertEquals(idle, late, "a transaction that began past the horizon waits for a later round");
                writer.commit();
                Dialect.Horizon next = dialect.horizon(c, tables);
                Changes.Batch shipped = Changes.read(link, dialect, tables, h.nextSequence(), next, 5000, java.util.Set.of());
                assertEquals(1, shipped.transactions().size(), "the next round ships it");
            } finally {
                link.reset();
            }
        }
    }

    /** Two tables, PRODUCT and CUSTOMER, made on {@code c} with capture installed. */
    private static List<TableSpec> captured(Connection c, DerbyDialect dialect) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE PRODUCT (ID BIGINT NOT NULL PRIMARY KEY, NAME VARCHAR(40))");
            s.execute("CREATE TABLE CUSTOMER (ID BIGINT NOT NULL PRIMARY KEY, NAME VARCHAR(40))");
        }
        List<TableSpec> tables = dialect.describe(c, List.of("PRODUCT", "CUSTOMER"));
        dialect.installCapture(c, tables, 1, 1);
        return tables;
    }

    private static long highest(Connection c, String changeTable) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM " + changeTable + " WITH UR")) {
            r.next();
            return r.getLong(1);
        }
    }
}
