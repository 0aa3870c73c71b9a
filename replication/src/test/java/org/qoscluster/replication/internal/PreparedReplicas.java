package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.qoscluster.replication.TableSpec;

/** Embedded Derby databases made into a replica for the tests of this package. */
final class PreparedReplicas {

    private PreparedReplicas() {
    }

    /** Creates a table with {@code ddl}, then prepares {@code c} as a replica of it; returns its description. */
    static List<TableSpec> withTable(Connection c, DerbyDialect dialect, String table, String ddl) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(ddl);
        }
        List<TableSpec> tables = dialect.describe(c, List.of(table));
        dialect.prepareReplica(c, tables);
        return tables;
    }
}
