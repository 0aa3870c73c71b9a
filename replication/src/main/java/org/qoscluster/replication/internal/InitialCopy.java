package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.TableSpec;

/**
 * A new replica's initial copy: the identifier tables and applied ids of a source that reflects
 * one watermark, then every row of the master, fuzzy, in one replica transaction with the
 * watermark; the changes from that watermark on are replayed after it (see {@link #copy}).
 */
public final class InitialCopy {

    /** Rows of a table copied in one batch. */
    private static final int COPY_BATCH_ROWS = 500;

    private InitialCopy() {
    }

    /**
     * A new replica's initial copy, written with its watermark in one replica transaction: the
     * identifier tables of {@code identifiers}, which reflect exactly the changes below
     * {@code low} and the transactions it applied above it (its {@code QOS_APPLIED}, copied too),
     * and nothing else while the copy runs; then every row of every table of the master, read at
     * READ COMMITTED while writes go on. {@code identifiers} is a replica of this epoch (the
     * caller applies nothing meanwhile), or the master itself when its identifier tables are kept
     * ({@code low} is then {@code QOS_IDENTIFIED}, and only the caller moves them on). The rows
     * hold every change the identifiers reflect (all committed before the copy began), and may
     * hold later ones too (a fuzzy copy): every other change from the watermark on is still
     * waiting on the master (it is deleted only once this replica has it too) and is replayed
     * after it by idempotent writes, its identifiers worked out from the copied tables, so the
     * replica converges. Returns the rows copied.
     */
    public static long copy(Connection master, Connection identifiers, Link replica, Dialect dialect, List<TableSpec> tables,
                            Timestamp now, long epoch, String masterName, long low, long generation) throws SQLException {
        return replica.inTransaction(r -> {
            long rows = 0;
            if (generation > 0) {
                dialect.fenceGeneration(r, generation);
            }
            dialect.writeEpoch(r, epoch, masterName);
            // Every table locked first: the copy deletes rows and then restarts identities (DDL,
            // a table lock), and a reader that had its table lock and waited for a deleted row
            // would make a deadlock, whose victim is the reader. Locked first, readers wait.
            for (TableSpec t : tables) {
                dialect.lockAgainstReaders(r, t.name());
            }
            try (Statement clear = r.createStatement()) {
                clear.executeUpdate("DELETE FROM QOS_APPLIED");
                clear.executeUpdate("DELETE FROM QOS_WATERMARK");
                if (identifiers != master) {
                    table(identifiers, r, dialect, "QOS_APPLIED", List.of("QOS_TX", "QOS_LAST_SEQ", "QOS_APPLIED_AT"));
                }
                for (TableSpec t : tables) {
                    clear.executeUpdate("DELETE FROM " + dialect.quote(t.name()));
                    clear.executeUpdate("DELETE FROM " + dialect.quote(t.rowIdTable()));
                    table(identifiers, r, dialect, t.rowIdTable(), Changes.withRid(t));
                }
                // Before the rows: the restart's DDL makes Derby recompile the tables' triggers,
                // and the inserts below then compile the insert triggers, inside the copy.
                dialect.identitiesAheadOf(master, r, tables);
                for (TableSpec t : tables) {
                    rows += table(master, r, dialect, t.name(), t.columnNames());
                }
                clear.executeUpdate("DELETE FROM QOS_COPIED");
                try (PreparedStatement copied = r.prepareStatement("INSERT INTO QOS_COPIED (QOS_TABLE) VALUES (?)")) {
                    for (TableSpec t : tables) {
                        copied.setString(1, t.name());
                        copied.addBatch();
                    }
                    copied.executeBatch();
                }
                try (PreparedStatement mark = r.prepareStatement("INSERT INTO QOS_WATERMARK (QOS_SEQ, QOS_AT) VALUES (?, ?)")) {
                    mark.setLong(1, low);
                    mark.setTimestamp(2, now);
                    mark.executeUpdate();
                }
            }
            return rows;
        });
    }

    /** Copies the {@code cols} of every row of {@code table} from {@code source}; returns how many rows. */
    private static long table(Connection source, Connection replica, Dialect d, String table, List<String> cols)
            throws SQLException {
        long rows = 0;
        try (Statement s = source.createStatement();
             ResultSet src = s.executeQuery("SELECT " + cols.stream().map(d::quote).collect(Collectors.joining(", "))
                     + " FROM " + d.quote(table));
             PreparedStatement insert = replica.prepareStatement(Changes.insert(d, table, cols))) {
            StatementBatch copied = new StatementBatch(insert, COPY_BATCH_ROWS);
            List<Object> values = new ArrayList<>(cols.size());
            while (src.next()) {
                values.clear();
                for (int i = 1; i <= cols.size(); i++) {
                    values.add(Changes.value(src, i));
                }
                Changes.bind(insert, 1, values);
                copied.add();
                rows++;
            }
            copied.flush();
        }
        return rows;
    }
}
