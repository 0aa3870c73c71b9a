package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.TableSpec;

/**
 * A replica is given the master's unique constraints when it is readied for a promotion (on
 * embedded Derby databases): read from the master's catalogue, added once the replica's rows
 * keep them, refused (and tried again) while they do not, so that a promoted replica refuses a
 * second customer with one e-mail address, or a second order with one idempotency key, as the
 * master did.
 */
class DerbyUniqueKeysTest {

    @Test
    void shouldGiveAReadiedReplicaTheMastersUniqueConstraints() throws SQLException {
        try (Connection master = DriverManager.getConnection("jdbc:derby:memory:unique-master;create=true");
             Connection replica = DriverManager.getConnection("jdbc:derby:memory:unique-replica;create=true")) {
            try (Statement s = master.createStatement()) {
                s.execute("CREATE TABLE CUSTOMER (ID BIGINT NOT NULL PRIMARY KEY, EMAIL VARCHAR(40) NOT NULL,"
                        + " CONSTRAINT CUSTOMER_EMAIL UNIQUE (EMAIL))");
                s.execute("CREATE TABLE ORDERS (ID BIGINT NOT NULL PRIMARY KEY, CUSTOMER_ID BIGINT, IDEMPOTENCY_KEY VARCHAR(10),"
                        + " UNIQUE (CUSTOMER_ID, IDEMPOTENCY_KEY))");
                s.execute("CREATE INDEX ORDERS_BY_CUSTOMER ON ORDERS (CUSTOMER_ID)");
            }
            DerbyDialect dialect = new DerbyDialect();
            List<TableSpec> tables = dialect.describe(master, List.of("CUSTOMER", "ORDERS"));
            assertEquals(List.of(new TableSpec.UniqueKey("CUSTOMER_EMAIL", List.of("EMAIL"))), tables.get(0).uniqueKeys());
            assertEquals(1, tables.get(1).uniqueKeys().size(), "the unnamed constraint, not the plain index: " + tables.get(1));
            assertEquals(List.of("CUSTOMER_ID", "IDEMPOTENCY_KEY"), tables.get(1).uniqueKeys().get(0).columns());
            String ordersKey = tables.get(1).uniqueKeys().get(0).name();

            dialect.prepareReplica(replica, tables);
            dialect.writeEpoch(replica, 1, "master");
            assertEquals(List.of(), dialect.describe(replica, List.of("CUSTOMER")).get(0).uniqueKeys(),
                    "a new replica holds primary keys only (its initial copy may be fuzzy)");
            try (Statement s = replica.createStatement()) {
                s.execute("INSERT INTO CUSTOMER VALUES (1, 'ann@example.org'), (2, 'bo@example.org'), (3, 'ann@example.org')");
                s.execute("INSERT INTO ORDERS VALUES (1, 1, NULL), (2, 1, NULL), (3, 1, 'k1')");
            }

            List<String> first = dialect.readyToPromote(replica, tables, 1, true);
            assertTrue(first.contains("unique CUSTOMER_EMAIL not added (23505)"), "rows that break it: " + first);
            assertTrue(first.contains("unique " + ordersKey), first::toString);

            try (Statement s = replica.createStatement()) {
                s.execute("DELETE FROM CUSTOMER WHERE ID = 3");
            }
            List<String> second = dialect.readyToPromote(replica, tables, 1, true);
            assertTrue(second.contains("unique CUSTOMER_EMAIL"), "added once the rows keep it: " + second);
            assertFalse(second.contains("unique " + ordersKey), "added once: " + second);
            assertTrue(dialect.readyToPromote(replica, tables, 1, true).stream().noneMatch(d -> d.startsWith("unique")));

            try (Statement s = replica.createStatement()) {
                SQLException duplicate = assertThrows(SQLException.class,
                        () -> s.execute("INSERT INTO CUSTOMER VALUES (4, 'ann@example.org')"));
                assertEquals("23505", duplicate.getSQLState());
                s.execute("INSERT INTO ORDERS VALUES (4, 1, NULL)"); // several orders without a key
                assertEquals("23505", assertThrows(SQLException.class, () -> s.execute("INSERT INTO ORDERS VALUES (5, 1, 'k1')"))
                        .getSQLState(), "one order per key and customer");
            }
            assertEquals(tables.stream().map(TableSpec::uniqueKeys).toList(),
                    dialect.describe(replica, List.of("CUSTOMER", "ORDERS")).stream().map(TableSpec::uniqueKeys).toList(),
                    "the replica's constraints are the master's, by name and columns");
        }
    }
}
