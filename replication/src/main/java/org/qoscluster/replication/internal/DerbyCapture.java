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
 * trigger per event; only what is missing is created (see {@link #install}). Every replica
 * carries the same capture, switched off ({@link #arm}): its triggers write a change row only
 * while {@code QOS_CAPTURING} holds a row, so a promotion only switches it on.
 */
final class DerbyCapture {

    private final DerbyDialect dialect;

    DerbyCapture(DerbyDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Installs capture on the tables that lack it (one transaction per table, ending with its row
     * in {@code QOS_CAPTURED}), switches it on ({@link #switchOn}) if it is off, and returns the
     * tables it installed it on, whose triggers have never fired. On a copy that was armed as a
     * replica ({@link #arm}) everything is in place, and switching on is all there is to do.
     */
    List<TableSpec> install(Connection master, List<TableSpec> tables, long epoch, long firstSequence)
            throws SQLException {
        Set<String> have = DerbyDialect.existing(master);
        if (have.contains("TABLE:QOS_CAPTURED")
                && !(have.contains("TABLE:QOS_IDENTIFIED") && have.contains("FUNCTION:QOS_MILLIS") && have.contains("TABLE:QOS_CAPTURING"))) {
            // Capture made by a version that wrote identifiers into the change rows (no
            // QOS_IDENTIFIED: its identifier tables cannot be taken up from here), time stamps of
            // type TIMESTAMP (no QOS_MILLIS: its change tables do not take this one's rows), or
            // triggers that capture whatever the copy's role (no QOS_CAPTURING).
            throw new ReplicationException("change capture on this copy was installed by an earlier version (no "
                    + (!have.contains("TABLE:QOS_IDENTIFIED") ? "QOS_IDENTIFIED" : !have.contains("FUNCTION:QOS_MILLIS") ? "QOS_MILLIS" : "QOS_CAPTURING")
                    + "); start from fresh databases (remove the state folder, var by default)");
        }
        boolean auto = master.getAutoCommit();
        master.setAutoCommit(false);
        try (Statement s = master.createStatement()) {
            createCommon(s, have);
            master.commit();
            switchOn(master, s, firstSequence);
            master.commit();
            return createTables(master, s, have, tables, RowIds.base(epoch), true);
        } catch (SQLException e) {
            master.rollback();
            throw e;
        } finally {
            master.setAutoCommit(auto);
        }
    }

    /**
     * Arms capture on a replica, switched off: the sequence, functions, change and identifier
     * tables and the triggers of every table that lacks them, so that a promotion only switches
     * capture on. The triggers write a change row only while {@code QOS_CAPTURING} holds a row
     * (the master's), so the agent's applies on a replica capture nothing and draw nothing from
     * the sequence. Returns the tables it made triggers for: none on a deposed master, which keeps
     * its capture switched off ({@link DerbyDemotion}); a copy whose capture is on (a former
     * master not yet set aside), or was made by an earlier version, is left alone.
     */
    List<TableSpec> arm(Connection replica, List<TableSpec> tables) throws SQLException {
        Set<String> have = DerbyDialect.existing(replica);
        if (have.contains("TABLE:QOS_CAPTURED") && (!have.contains("TABLE:QOS_CAPTURING") || capturing(replica))) {
            return List.of();
        }
        boolean auto = replica.getAutoCommit();
        replica.setAutoCommit(false);
        try (Statement s = replica.createStatement()) {
            createCommon(s, have);
            replica.commit();
            return createTables(replica, s, have, tables, 0, false);
        } catch (SQLException e) {
            replica.rollback();
            throw e;
        } finally {
            replica.setAutoCommit(auto);
        }
    }

    /** Whether capture is on: {@code QOS_CAPTURING} holds its row (the copy is a master). */
    static boolean capturing(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_CAPTURING")) {
            r.next();
            return r.getLong(1) > 0;
        }
    }

    /**
     * The objects every captured table shares: the sequence, the functions, {@code QOS_CAPTURED},
     * {@code QOS_CAPTURING} (empty: capture off) and {@code QOS_IDENTIFIED} (0: not kept).
     */
    private void createCommon(Statement s, Set<String> have) throws SQLException {
        // One sequence for changes and row identifiers: every sequence a writer's triggers use is
        // one more catalog row Derby must update as its preallocated values run out, and a writer
        // that meets another's update fails ("too much contention on sequence"). It starts at 1
        // on every copy; a master's change sequence is its value plus the offset in
        // QOS_CAPTURING, set when capture is switched on (Derby cannot restart a sequence).
        DerbyDialect.create(s, have, "SEQUENCE:QOS_SEQ", "CREATE SEQUENCE QOS_SEQ AS BIGINT START WITH 1");
        createFunctions(s, have);
        DerbyDialect.create(s, have, "TABLE:QOS_CAPTURED", "CREATE TABLE QOS_CAPTURED (QOS_TABLE VARCHAR(128) NOT NULL PRIMARY KEY,"
                + " QOS_AT TIMESTAMP NOT NULL)");
        DerbyDialect.create(s, have, "TABLE:QOS_CAPTURING", "CREATE TABLE QOS_CAPTURING (QOS_OFFSET BIGINT NOT NULL)");
        if (!have.contains("TABLE:QOS_IDENTIFIED")) {
            // The identifier tables reflect every change below it (RowIds.identify): a copy's
            // table, once it is master, is as of its watermark, where its sequence starts.
            s.execute("CREATE TABLE QOS_IDENTIFIED (QOS_BELOW BIGINT NOT NULL)");
            s.executeUpdate("INSERT INTO QOS_IDENTIFIED (QOS_BELOW) VALUES (0)");
            have.add("TABLE:QOS_IDENTIFIED");
        }
    }

    /**
     * Switches capture on, if it is off: the row of {@code QOS_CAPTURING}, whose offset makes the
     * sequence's next value {@code firstSequence} (read with Derby's peek, which no writer can
     * meet: a copy being promoted takes no writes yet), and the identifier tables marked as
     * reflecting every change below it. Part of the caller's transaction.
     */
    private static void switchOn(Connection c, Statement s, long firstSequence) throws SQLException {
        if (capturing(c)) {
            return;
        }
        long first = Math.max(1, firstSequence);
        long next;
        try (ResultSet r = s.executeQuery("VALUES SYSCS_UTIL.SYSCS_PEEK_AT_SEQUENCE(CURRENT SCHEMA, 'QOS_SEQ')")) {
            r.next();
            next = r.getLong(1);
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO QOS_CAPTURING (QOS_OFFSET) VALUES (?)")) {
            p.setLong(1, first - next);
            p.executeUpdate();
        }
        RowIds.identifiedAt(c, first);
    }

    /**
     * Capture of each table that lacks it, one transaction per table (the table locked meanwhile,
     * so no row comes in between), ending with its row in {@code QOS_CAPTURED}; with capture on
     * ({@code capturing}), rows without an identifier get one from {@code ridBase}'s block first.
     */
    private List<TableSpec> createTables(Connection c, Statement s, Set<String> have, List<TableSpec> tables, long ridBase,
                                         boolean capturing) throws SQLException {
        // Only what is missing is created: a CREATE TRIGGER that fails because the trigger exists
        // has already locked the table and invalidated every statement compiled against it, so
        // each agent restart would stall the writers and make them recompile at once.
        Set<String> captured = new HashSet<>();
        try (ResultSet r = s.executeQuery("SELECT QOS_TABLE FROM QOS_CAPTURED")) {
            while (r.next()) {
                captured.add(r.getString(1));
            }
        }
        c.commit();
        List<TableSpec> created = new ArrayList<>();
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
            if (capturing) {
                // Rows that were there before capture get their identifiers now, before the
                // triggers compile (a transaction that compiled them cannot draw from the
                // sequence: "too much contention"); the table is locked so that no row comes in
                // between. A replica's rows have theirs from its copy and the changes.
                s.executeUpdate("INSERT INTO " + rid + " (QOS_RID, " + keys + ") SELECT " + NEXT_SEQUENCE + " + " + ridBase + ", "
                        + t.primaryKey().stream().map(k -> "T." + dialect.quote(k)).collect(Collectors.joining(", "))
                        + " FROM " + table + " T, QOS_CAPTURING QOS_C WHERE NOT EXISTS (SELECT 1 FROM " + rid + " R WHERE "
                        + t.primaryKey().stream().map(k -> "R." + dialect.quote(k) + " = T." + dialect.quote(k)).collect(Collectors.joining(" AND "))
                        + ")");
            }
            String names = t.columns().stream().map(col -> dialect.quote(col.name())).collect(Collectors.joining(", "));
            String oldNames = t.primaryKey().stream().map(k -> dialect.quote(DerbyDialect.OLD + k)).collect(Collectors.joining(", "));
            // The action selects from QOS_CAPTURING: one row on a master, none on a replica, where
            // it writes nothing and draws no sequence value.
            String insertInto = "INSERT INTO " + chg + " (QOS_SEQ, QOS_TX, QOS_TS, QOS_OP, " + names
                    + ", " + oldNames + ") SELECT " + NEXT_SEQUENCE + ", QOS_TXID(), QOS_MILLIS(), ";
            String from = " FROM QOS_CAPTURING QOS_C";
            // One trigger per event: Derby runs each trigger's action as a statement of its own.
            DerbyDialect.create(s, have, "TRIGGER:QOS_I_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_I_" + t.name()) + " AFTER INSERT ON " + table
                    + " REFERENCING NEW AS N FOR EACH ROW " + insertInto + "'I', "
                    + refs("N", t.columnNames()) + ", " + refs("N", t.primaryKey()) + from);
            DerbyDialect.create(s, have, "TRIGGER:QOS_U_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_U_" + t.name()) + " AFTER UPDATE ON " + table
                    + " REFERENCING OLD AS O NEW AS N FOR EACH ROW " + insertInto + "'U', "
                    + refs("N", t.columnNames()) + ", " + refs("O", t.primaryKey()) + from);
            DerbyDialect.create(s, have, "TRIGGER:QOS_D_" + t.name(), "CREATE TRIGGER " + dialect.quote("QOS_D_" + t.name()) + " AFTER DELETE ON " + table
                    + " REFERENCING OLD AS O FOR EACH ROW " + insertInto + "'D', "
                    + refs("O", t.columnNames()) + ", " + refs("O", t.primaryKey()) + from);
            try (PreparedStatement done = c.prepareStatement("INSERT INTO QOS_CAPTURED (QOS_TABLE, QOS_AT) VALUES (?, CURRENT_TIMESTAMP)")) {
                done.setString(1, t.name());
                done.executeUpdate();
            }
            c.commit();
            created.add(t);
        }
        return created;
    }

    /**
     * A master's next change sequence, in a query over {@code QOS_CAPTURING QOS_C}: the
     * sequence's next value plus the offset set when capture was switched on.
     */
    static final String NEXT_SEQUENCE = "NEXT VALUE FOR QOS_SEQ + QOS_C.QOS_OFFSET";

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
