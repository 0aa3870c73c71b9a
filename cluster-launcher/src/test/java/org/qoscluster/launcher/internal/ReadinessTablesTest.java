package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;

/** When the launcher starts the replication agent: once the replicated tables exist on the master. */
class ReadinessTablesTest {

    private static final String URL = "jdbc:derby:memory:readiness-tables";
    private final Readiness readiness = new Readiness(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), "secret");

    private static Connection connect(String suffix) throws SQLException {
        return DriverManager.getConnection(URL + suffix, ClusterConfig.DB_USER, "secret");
    }

    @Test
    void shouldWaitUntilEveryTableExistsInTheUsersSchema() throws SQLException {
        try (Connection c = connect(";create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE PRODUCT (ID BIGINT PRIMARY KEY)");
            AtomicInteger asked = new AtomicInteger();
            // A table still missing: it waits, until told to wait no longer.
            assertFalse(readiness.awaitTables(URL, List.of("product", "ORDER_LINE"), () -> asked.incrementAndGet() > 2,
                    Instant.EPOCH.plusSeconds(60)));
            assertTrue(asked.get() > 2, "asked whether to stop " + asked.get() + " times");
            s.execute("CREATE TABLE ORDER_LINE (ID BIGINT PRIMARY KEY)");
            assertTrue(readiness.awaitTables(URL, List.of("product", "ORDER_LINE"), () -> true, Instant.EPOCH.plusSeconds(60)));
        }
    }

    @Test
    void shouldGiveUpAtTheDeadlineWhenTheDatabaseDoesNotAnswer() {
        assertFalse(readiness.awaitTables("jdbc:derby:memory:no-such-database", List.of("PRODUCT"), () -> false,
                Instant.EPOCH.minusSeconds(1)));
    }
}
