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

import org.qoscluster.replication.ReplicationException;
import org.qoscluster.replication.TableSpec;
import org.qoscluster.replication.derby.DerbyFunctions;

/**
 * Derby's change capture on a master: one sequence for change and row identifiers, the
 * functions the triggers call, per captured table a change table, an identifier table and one
 * trigger per event; only what is missing is created (see {@link #install}). Replicas get the
 * same change and identifier tables, empty, so that a promotion adds only the sequence and the
 * triggers.
 */
final class DerbyCapture {

    private final DerbyDialect dialect;

    DerbyCapture(DerbyDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Installs capture on the tables that lack it (one transaction per table, ending with its row
     * in {@code QOS_CAPTURED}) and returns those it installed it on, whose triggers have never fired.
     */
    List<TableSpec> install(Connection master, List<TableSpec> tables, int copyNumber, long firstSequence)
            throws SQLException {
        // One sequence for changes and row identifiers: every sequence a writer's triggers use is
        // one more catalog row Derby must update as its preallocated values run out, and a writer
        // that meets another's update fails ("too much contention on sequence").
        long ridBase = RowIds.base(copyNumber);
        // Only what is missing is created: a CREATE TRIGGER that fails because the trigger exists
        // has already locked the table and invalidated every statement compiled against it, so
        // each agent restart would stall the writers and make them recompile at once. A table's
        // capture is made in one transaction, which ends by writing its row in QOS_CAPTURED.
        Set<String> have = DerbyDialect.existing(master);
        if (have.contains("TABLE:QOS_CAPTURED") && !(have.contains("TABLE:QOS_IDENTIFIED") && have.contains("FUNCTION:QOS_MILLIS"))) {
            // Capture made by a version that wrote identifiers into the change rows (no
            // QOS_IDENTIFIED: its identifier tables cannot be taken up from here), or time stamps
            // of type TIMESTAMP (no QOS_MILLIS: its change tables do not take this one's rows).
            throw new ReplicationException("change capture on this copy was installed by an earlier version (no "
                    + (have.contains("TABLE:QOS_IDENTIFIED") ? "QOS_MILLIS" : "QOS_IDENTIFIED")
                    + "); start from fresh databases (remove the state folder, var by default)");
        }
        List<TableSpec> created = new ArrayList<>();
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        try (Statement s = master.createStatement()) {
            DerbyDialect.create(s, have, "SEQUENCE:QOS_SEQ", "CREATE SEQUENCE QOS_SEQ AS BIGINT START WITH " + Math.max(1, firstSequence));
            createFunctions(s, have);
            DerbyDialect.create(s, have, "TABLE:QOS_CAPTURED", "CREATE TABLE QOS_CAPTURED (QOS_TABLE VARCHAR(128) NOT NULL PRIMARY KEY,"
                    + " QOS_AT TIMESTAMP NOT NULL)");
            if (!have.contains("TABLE:QOS_IDENTIFIED")) {
                // The identifier tables reflect every change below it (RowIds.identify): a copy's
                // table, once it is master, is as of its watermark, where its sequence starts.
                s.execute("CREATE TABLE QOS_IDENTIFIED (QOS_BELOW BIGINT NOT NULL)");
                s.executeUpdate("INSERT INTO QOS_IDENTIFIED (QOS_BELOW) VALUES (" + Math.max(1, firstSequence) + ")");
            }
            master.commit();
            Set<String> captured = new HashSet<>();
            try (ResultSet r = s.executeQuery("SELECT QOS_TABLE FROM QOS_CAPTURED")) {
                while (r.next()) {
                    captured.add(r.getString(1));
                }
            }
            master.commit();
            for (TableSpec t : tables) {
                if (captured.contains(t.name())) {
                    continue;
                }
                String table = dialect.quote(t.name());
                String chg = dialect.quote(t.changeTable());
                String rid = dialect.quote(t.rowIdTable());
                String keys = t.primaryKey().stream().map(dialect::quote).collect(Collectors.joining(", "));
                s.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
                createChangeTable(s, have, t);
                createRowIdTable(s, have, t);
                // Rows that were there before capture get their identifiers now, before the triggers
                // compile (a transaction that compiled them cannot draw from the sequence: "too much
                // contention"); the table is locked so that no row comes in between.
                s.executeUpdate("INSERT INTO " + rid + " (QOS_RID, " + keys + ") SELECT NEXT VALUE FOR QOS_SEQ + " + ridBase + ", "
                        + t.primaryKey().stream().map(k -> "T." + dialect.quote(k)).collect(Collectors.joining(", "))
                        + " FROM " + table + " T WHERE NOT EXISTS (SELECT 1 FROM " + rid + " R WHERE "
                        + t.primaryKey().stream().map(k -> "R." + dialect.quote(k) + " = T." + dialect.quote(k)).collect(Collectors.joining(" AND "))
                        + ")");

                String names = t.columns().stream().map(col -> dialect.quote(col.name())).collect(Collectors.joining(", "));
                String oldNames = t.primaryKey().stream().map(k -> dialect.quote(DerbyDialect.OLD + k)).collect(Collectors.joining(", "));
                String insertInto = "INSERT INTO " + chg + " (QOS_SEQ, QOS_TX, QOS_TS, QOS_OP, " + names
                        + ", " + oldNames + ") VALUES (NEXT VALUE FOR QOS_SEQ, QOS_TXID(), QOS_MILLIS(), ";
                // One trigger per event: Derby runs each trigger's action as a statement of its own.
                DerbyDialect.create(s, have, "TRIGGER:QOS_I_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_I_" + t.name()) + " AFTER INSERT ON " + table
                        + " REFERENCING NEW AS N FOR EACH ROW " + insertInto + "'I', "
                        + refs("N", t.columnNames()) + ", " + refs("N", t.primaryKey()) + ")");
                DerbyDialect.create(s, have, "TRIGGER:QOS_U_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_U_" + t.name()) + " AFTER UPDATE ON " + table
                        + " REFERENCING OLD AS O NEW AS N FOR EACH ROW " + insertInto + "'U', "
                        + refs("N", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                DerbyDialect.create(s, have, "TRIGGER:QOS_D_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_D_" + t.name()) + " AFTER DELETE ON " + table
                        + " REFERENCING OLD AS O FOR EACH ROW " + insertInto + "'D', "
                        + refs("O", t.columnNames()) + ", " + refs("O", t.primaryKey()) + ")");
                try (PreparedStatement done = master.prepareStatement("INSERT INTO QOS_CAPTURED (QOS_TABLE, QOS_AT) VALUES (?, CURRENT_TIMESTAMP)")) {
                    done.setString(1, t.name());
                    done.executeUpdate();
                }
                master.commit();
                created.add(t);
            }
        } catch (SQLException e) {
            master.rollback();
            throw e;
        } finally {
            master.setAutoCommit(auto);
        }
        return created;
    }

    void createFunctions(Statement s, Set<String> have) throws SQLException {
        DerbyDialect.create(s, have, "FUNCTION:QOS_TXID", "CREATE FUNCTION QOS_TXID() RETURNS VARCHAR(64) LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".transactionId'");
        DerbyDialect.create(s, have, "FUNCTION:QOS_MILLIS", "CREATE FUNCTION QOS_MILLIS() RETURNS BIGINT LANGUAGE JAVA PARAMETER STYLE JAVA NO SQL"
                + " EXTERNAL NAME '" + DerbyFunctions.class.getName() + ".currentMillis'");
    }

    /**
     * A table's change table. No index beyond the sequence: each one is written by every change,
     * and the table holds only the changes not yet on every replica. Replicas have theirs, empty,
     * from their first preparation on, so that a promotion creates only the sequence and triggers.
     */
    void createChangeTable(Statement s, Set<String> have, TableSpec t) throws SQLException {
        String cols = t.columns().stream().map(col -> dialect.quote(col.name()) + " " + col.type()).collect(Collectors.joining(", "));
        String oldKey = t.primaryKey().stream().map(k -> dialect.quote(DerbyDialect.OLD + k) + " " + t.typeOf(k)).collect(Collectors.joining(", "));
        DerbyDialect.create(s, have, "TABLE:" + t.changeTable(), "CREATE TABLE " + dialect.quote(t.changeTable()) + " (QOS_SEQ BIGINT NOT NULL PRIMARY KEY,"
                + " QOS_TX VARCHAR(64) NOT NULL, QOS_OP CHAR(1) NOT NULL, QOS_TS BIGINT NOT NULL, " + cols + ", "
                + oldKey + ")");
    }

    /**
     * {@code QOS_RID}, the row's identifier (primary key), and the row's primary key, indexed but
     * not unique (a statement that shifts keys passes through duplicates).
     */
    void createRowIdTable(Statement s, Set<String> have, TableSpec t) throws SQLException {
        DerbyDialect.create(s, have, "TABLE:" + t.rowIdTable(), "CREATE TABLE " + dialect.quote(t.rowIdTable()) + " (QOS_RID BIGINT NOT NULL PRIMARY KEY, "
                + t.primaryKey().stream().map(k -> dialect.quote(k) + " " + t.typeOf(k)).collect(Collectors.joining(", ")) + ")");
        DerbyDialect.create(s, have, "INDEX:QOS_RIDKEY_" + t.name(), "CREATE INDEX " + dialect.quote("QOS_RIDKEY_" + t.name()) + " ON " + dialect.quote(t.rowIdTable()) + " ("
                + t.primaryKey().stream().map(dialect::quote).collect(Collectors.joining(", ")) + ")");
    }

    private String refs(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + dialect.quote(c)).collect(Collectors.joining(", "));
    }
}
