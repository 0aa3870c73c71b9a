package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.qoscluster.replication.TableSpec;

/**
 * Turns a deposed master into a replica without touching its capture: capture is switched off
 * (the row of {@code QOS_CAPTURING} goes, so its triggers write nothing and draw nothing from the
 * sequence), and the change rows no replica received (its asynchronous tail) are moved into a
 * table named after the epoch, for an operator to look at; see
 * {@link org.qoscluster.replication.Dialect#setTailAside}. Its triggers, sequence, change and
 * identifier tables stay, compiled: the copy is readied for a later promotion as every replica is,
 * with no DDL on its tables. What a replica must not have goes, once: foreign keys (the agent's
 * copy and changes come in an order they would refuse) and identity columns that refuse given
 * values ({@code GENERATED ALWAYS}); a copy that was a replica before has neither.
 */
final class DerbyDemotion {

    private final DerbyDialect dialect;

    DerbyDemotion(DerbyDialect dialect) {
        this.dialect = dialect;
    }

    long setTailAside(Connection copy, List<TableSpec> tables, long fromSequence, Set<String> reached, long epoch)
            throws SQLException {
        Set<String> have = DerbyDialect.existing(copy);
        if (!have.contains("TABLE:QOS_CAPTURED")) {
            return 0; // capture never installed here
        }
        if (!have.contains("TABLE:QOS_CAPTURING")) {
            // Triggers that capture whatever the copy's role: they cannot be switched off.
            throw new SQLException("change capture on this copy was installed by an earlier version (no QOS_CAPTURING);"
                    + " start from fresh databases (remove the state folder, var by default)");
        }
        if (!DerbyCapture.capturing(copy)) {
            return 0; // a replica, or a former master whose tail is already set aside
        }
        return Link.inTransaction(copy, c -> {
            long kept = 0;
            try (Statement s = c.createStatement()) {
                // Off first: a writer the fences missed waits for this row, then captures nothing.
                s.executeUpdate("DELETE FROM QOS_CAPTURING");
                RowIds.identifiedAt(c, 0); // its identifier tables are a master's no more
                dropForeignKeys(s, tables);
                acceptGivenValues(s, tables);
                for (TableSpec t : tables) {
                    if (have.contains("TABLE:" + t.changeTable())) {
                        kept += moveTail(c, s, have, t, fromSequence, reached, epoch);
                    }
                }
            }
            return kept;
        });
    }

    /**
     * Moves {@code t}'s change rows from {@code fromSequence} on, but those of the transactions in
     * {@code reached}, into its tail table of {@code epoch} (made with the change table's columns,
     * when there is any), and empties the change table; returns how many rows it kept.
     */
    private long moveTail(Connection c, Statement s, Set<String> have, TableSpec t, long fromSequence, Set<String> reached,
                          long epoch) throws SQLException {
        String chg = dialect.quote(t.changeTable());
        try (PreparedStatement p = c.prepareStatement("DELETE FROM " + chg + " WHERE QOS_SEQ < ?")) {
            p.setLong(1, fromSequence);
            p.executeUpdate();
        }
        try (PreparedStatement p = c.prepareStatement("DELETE FROM " + chg + " WHERE QOS_TX = ?")) {
            for (String tx : reached) {
                p.setString(1, tx);
                p.executeUpdate();
            }
        }
        long rows;
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + chg)) {
            r.next();
            rows = r.getLong(1);
        }
        if (rows > 0) {
            String tail = dialect.quote(t.tailTable(epoch));
            // A new table of its own: no lock on, and nothing recompiled of, the captured table.
            DerbyDialect.create(s, have, "TABLE:" + t.tailTable(epoch), "CREATE TABLE " + tail + " AS SELECT * FROM " + chg + " WITH NO DATA");
            s.executeUpdate("INSERT INTO " + tail + " SELECT * FROM " + chg);
            s.executeUpdate("DELETE FROM " + chg);
        }
        return rows;
    }

    /** Drops the foreign keys of the captured tables: a replica has none (the master keeps the data consistent). */
    private void dropForeignKeys(Statement s, List<TableSpec> tables) throws SQLException {
        List<String[]> foreignKeys = new ArrayList<>();
        try (ResultSet r = s.executeQuery("SELECT T.TABLENAME, C.CONSTRAINTNAME FROM SYS.SYSCONSTRAINTS C"
                + " JOIN SYS.SYSTABLES T ON C.TABLEID = T.TABLEID JOIN SYS.SYSSCHEMAS S ON T.SCHEMAID = S.SCHEMAID"
                + " WHERE C.TYPE = 'F' AND S.SCHEMANAME = CURRENT SCHEMA")) {
            while (r.next()) {
                foreignKeys.add(new String[] {r.getString(1), r.getString(2)});
            }
        }
        Set<String> names = tables.stream().map(TableSpec::name).collect(Collectors.toSet());
        for (String[] fk : foreignKeys) {
            if (names.contains(fk[0])) {
                s.execute("ALTER TABLE " + dialect.quote(fk[0]) + " DROP CONSTRAINT " + dialect.quote(fk[1]));
            }
        }
    }

    /**
     * Makes identity columns that refuse given values ({@code GENERATED ALWAYS}: Derby records no
     * default for them) take them: the agent gives every column's value. Only those: each
     * {@code ALTER TABLE} makes Derby recompile the table's triggers and statements.
     */
    private void acceptGivenValues(Statement s, List<TableSpec> tables) throws SQLException {
        Set<String> always = new HashSet<>();
        try (ResultSet r = s.executeQuery("SELECT T.TABLENAME, C.COLUMNNAME FROM SYS.SYSCOLUMNS C"
                + " JOIN SYS.SYSTABLES T ON C.REFERENCEID = T.TABLEID JOIN SYS.SYSSCHEMAS S ON T.SCHEMAID = S.SCHEMAID"
                + " WHERE S.SCHEMANAME = CURRENT SCHEMA AND C.AUTOINCREMENTINC IS NOT NULL AND C.COLUMNDEFAULT IS NULL")) {
            while (r.next()) {
                always.add(r.getString(1) + "." + r.getString(2));
            }
        }
        for (TableSpec t : tables) {
            for (TableSpec.Column col : t.columns()) {
                if (col.generated() && always.contains(t.name() + "." + col.name())) {
                    s.execute("ALTER TABLE " + dialect.quote(t.name()) + " ALTER COLUMN " + dialect.quote(col.name()) + " SET GENERATED BY DEFAULT");
                }
            }
        }
    }
}
