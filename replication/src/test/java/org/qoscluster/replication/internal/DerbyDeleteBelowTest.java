package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.replication.TableSpec;

/**
 * The master's shipped change rows are deleted a bounded number of rows a statement (on an
 * embedded Derby database): a backlog of several thousand rows and a gap of a hundred thousand
 * sequence values (a Derby server's restart loses its preallocated values) go, and nothing at
 * or above the bound.
 */
class DerbyDeleteBelowTest {

    @Test
    void shouldDeleteABacklogAcrossAGapInBoundedSteps() throws SQLException {
        String url = "jdbc:derby:memory:delete-below;create=true";
        TableSpec t = new TableSpec("ITEM", List.of(new TableSpec.Column("ID", "BIGINT", false)), List.of("ID"));
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + t.changeTable() + " (QOS_SEQ BIGINT NOT NULL PRIMARY KEY)");
            }
            List<Long> seqs = new ArrayList<>();
            for (long seq = 1; seq <= 2_500; seq++) {
                seqs.add(seq);
            }
            for (long seq = 200_000; seq < 203_000; seq++) {
                seqs.add(seq);
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO " + t.changeTable() + " VALUES (?)")) {
                for (long seq : seqs) {
                    p.setLong(1, seq);
                    p.addBatch();
                }
                p.executeBatch();
            }
            Link link = new Link(() -> DriverManager.getConnection(url));
            Map<TableSpec, Integer> deleted = Changes.deleteBelow(link, new DerbyDialect(), List.of(t), 1, 202_500);
            assertEquals(Map.of(t, 2_500 + 2_500), deleted);
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*), MIN(QOS_SEQ) FROM " + t.changeTable())) {
                r.next();
                assertEquals(500, r.getLong(1), "the rows at and above the bound stay");
                assertEquals(202_500, r.getLong(2));
            }
            assertEquals(Map.of(t, 0), Changes.deleteBelow(link, new DerbyDialect(), List.of(t), 202_500, 202_500));
            assertEquals(Map.of(t, 10), Changes.deleteBelow(link, new DerbyDialect(), List.of(t), 202_500, 202_510));
            link.close();
        }
    }
}
