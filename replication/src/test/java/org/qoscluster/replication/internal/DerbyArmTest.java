package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.TableSpec;

/** Arming a replica's capture (as each readying for a promotion does) on an embedded Derby database. */
class DerbyArmTest {

    @Test
    void shouldRunNoDdlWhenTheReplicaIsArmedAlready() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:derby:memory:arm-test;create=true")) {
            DerbyDialect dialect = new DerbyDialect();
            List<TableSpec> tables = PreparedReplicas.withTable(c, dialect, "PRODUCT",
                    "CREATE TABLE PRODUCT (ID BIGINT NOT NULL PRIMARY KEY, NAME VARCHAR(40))");
            assertEquals(List.of("PRODUCT"), dialect.armCapture(c, tables));
            assertTrue(DerbyDialect.existing(c).contains("SEQUENCE:QOS_SEQ"), "the capture sequence is listed as existing");

            try (Statement s = c.createStatement()) {
                s.execute("CALL SYSCS_UTIL.SYSCS_EMPTY_STATEMENT_CACHE()");
            }
            assertEquals(List.of(), dialect.armCapture(c, tables));
            // Even a DDL statement that fails on "exists" is compiled, and its end empties the
            // data dictionary's caches: an armed replica must see none, however often it is readied.
            List<String> ddl = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT SQL_TEXT FROM SYSCS_DIAG.STATEMENT_CACHE")) {
                while (r.next()) {
                    String text = r.getString(1).stripLeading().toUpperCase(java.util.Locale.ROOT);
                    if (text.startsWith("CREATE") || text.startsWith("ALTER") || text.startsWith("DROP")) {
                        ddl.add(text);
                    }
                }
            }
            assertEquals(List.of(), ddl);
        }
    }
}
