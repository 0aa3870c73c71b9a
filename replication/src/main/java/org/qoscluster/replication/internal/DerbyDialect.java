package org.qoscluster.replication.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.qoscluster.replication.Dialect;
import org.qoscluster.replication.ReplicationException;
import org.qoscluster.replication.TableSpec;
import org.qoscluster.replication.derby.DerbyFunctions;

/**
 * Derby 10.16. Capture: a sequence {@code QOS_SEQ} (changes; a row identifier is a value of it
 * plus the epoch's block, see {@link RowIds}), functions {@code QOS_TXID()} and {@code QOS_MILLIS()}
 * ({@link DerbyFunctions}, on the server's class path), and per table a change table
 * {@code QOS_CHG_T} (sequence, transaction, operation, time in epoch milliseconds,
 * the row's columns, the old primary key) written by one AFTER INSERT, UPDATE and DELETE row
 * trigger each, and a row-identifier table {@code QOS_RID_T} that every copy keeps from the
 * changes ({@link RowIds}; {@code QOS_IDENTIFIED} says how far the master's is); rows there
 * before capture get theirs at install. Derby has neither
 * updatable views nor INSTEAD OF triggers, so the identifier lives beside the row rather than in
 * it (R2): the application's table, its {@code SELECT *} and its writes stay as they were.
 * Horizon: the highest change sequence read uncommitted, then the non-idle rows of
 * {@code SYSCS_DIAG.TRANSACTION_TABLE}.
 */
public final class DerbyDialect implements Dialect {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(DerbyDialect.class.getName());

    /** Derby's SQL states for a table, and a schema, that does not exist. */
    static final String NO_TABLE = "42X05";
    private static final String NO_SCHEMA = "42Y07";
    private static final String EPOCH_TABLE = "CREATE TABLE QOS_EPOCH (QOS_EPOCH BIGINT NOT NULL, QOS_MASTER VARCHAR(64) NOT NULL,"
            + " QOS_AT TIMESTAMP NOT NULL)";
    /** Derby: "object already exists". */
    private static final Set<String> EXISTS = Set.of("X0Y32", "X0Y68");
    private static final Set<String> SIZED = Set.of("CHAR", "VARCHAR", "CHAR FOR BIT DATA", "VARCHAR FOR BIT DATA");
    private static final Set<String> SCALED = Set.of("DECIMAL", "NUMERIC");
    /** Types replication refuses, naming the table and the column. */
    private static final Set<String> UNSUPPORTED = Set.of("XML");
    /** Column prefix of a change row's old primary key. */
    public static final String OLD = "QOS_OLD_";
    private final DerbyCapture capture = new DerbyCapture(this);

    @Override
    public String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public List<TableSpec> describe(Connection c, List<String> tables) throws SQLException {
        return describe(c, tables, true);
    }

    /** {@link #describe(Connection, List)}, with the tables' unique constraints or without them (empty). */
    private List<TableSpec> describe(Connection c, List<String> tables, boolean withUniqueKeys) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = c.getSchema();
        List<String> problems = new ArrayList<>();
        List<TableSpec> specs = new ArrayList<>();
        for (String requested : tables) {
            String name = requested.toUpperCase(Locale.ROOT);
            List<TableSpec.Column> columns = new ArrayList<>();
            try (ResultSet r = md.getColumns(null, schema, name, null)) {
                while (r.next()) {
                    String type = type(r);
                    if (UNSUPPORTED.contains(type)) {
                        problems.add("table " + requested + ": column " + r.getString("COLUMN_NAME") + " is of type " + type
                                + ", which replication does not support");
                    }
                    columns.add(new TableSpec.Column(r.getString("COLUMN_NAME"), type,
                            "YES".equals(r.getString("IS_AUTOINCREMENT"))));
                }
            }
            if (columns.isEmpty()) {
                problems.add("table " + requested + ": no such table in schema " + schema);
                continue;
            }
            Map<Short, String> key = new TreeMap<>();
            try (ResultSet r = md.getPrimaryKeys(null, schema, name)) {
                while (r.next()) {
                    key.put(r.getShort("KEY_SEQ"), r.getString("COLUMN_NAME"));
                }
            }
            if (key.isEmpty()) {
                problems.add("table " + requested + ": has no primary key, which replication needs to find its rows");
                continue;
            }
            specs.add(new TableSpec(name, columns, List.copyOf(key.values()),
                    withUniqueKeys ? uniqueKeys(c, md, schema, name) : List.of()));
        }
        if (!problems.isEmpty()) {
            throw new ReplicationException(problems);
        }
        return specs;
    }

    /** Derby's unique constraints of a table: each one's name and the index (conglomerate) that backs it. */
    private static final String UNIQUE_CONSTRAINTS = "SELECT c.CONSTRAINTNAME, g.CONGLOMERATENAME FROM SYS.SYSCONSTRAINTS c"
            + " JOIN SYS.SYSTABLES t ON c.TABLEID = t.TABLEID JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID"
            + " JOIN SYS.SYSKEYS k ON k.CONSTRAINTID = c.CONSTRAINTID JOIN SYS.SYSCONGLOMERATES g ON g.CONGLOMERATEID = k.CONGLOMERATEID"
            + " WHERE c.TYPE = 'U' AND s.SCHEMANAME = ? AND t.TABLENAME = ?";

    /** Derby's unique constraints of the tables of a schema: table name and constraint name. */
    private static final String UNIQUE_CONSTRAINT_NAMES = "SELECT t.TABLENAME, c.CONSTRAINTNAME FROM SYS.SYSCONSTRAINTS c"
            + " JOIN SYS.SYSTABLES t ON c.TABLEID = t.TABLEID JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID"
            + " WHERE c.TYPE = 'U' AND s.SCHEMANAME = ?";

    /**
     * The unique constraints of {@code table} (not its primary key), by name, with their columns
     * in order (from the backing index, as the JDBC metadata lists it). A unique index made
     * without a constraint is not one of them.
     */
    private static List<TableSpec.UniqueKey> uniqueKeys(Connection c, DatabaseMetaData md, String schema, String table)
            throws SQLException {
        Map<String, String> byIndex = new TreeMap<>();
        try (PreparedStatement p = c.prepareStatement(UNIQUE_CONSTRAINTS)) {
            p.setString(1, schema);
            p.setString(2, table);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    byIndex.put(r.getString(2), r.getString(1));
                }
            }
        }
        if (byIndex.isEmpty()) {
            return List.of();
        }
        Map<String, Map<Short, String>> columns = new TreeMap<>();
        try (ResultSet r = md.getIndexInfo(null, schema, table, false, false)) {
            while (r.next()) {
                String index = r.getString("INDEX_NAME");
                if (byIndex.containsKey(index)) {
                    columns.computeIfAbsent(index, i -> new TreeMap<>()).put(r.getShort("ORDINAL_POSITION"), r.getString("COLUMN_NAME"));
                }
            }
        }
        List<TableSpec.UniqueKey> keys = new ArrayList<>();
        byIndex.forEach((index, constraint) -> {
            Map<Short, String> cols = columns.get(index);
            if (cols != null) {
                keys.add(new TableSpec.UniqueKey(constraint, List.copyOf(cols.values())));
            }
        });
        keys.sort(java.util.Comparator.comparing(TableSpec.UniqueKey::name));
        return keys;
    }

    private static String type(ResultSet column) throws SQLException {
        // Derby names a sized binary type "CHAR () FOR BIT DATA": the size is COLUMN_SIZE.
        String type = column.getString("TYPE_NAME").toUpperCase(Locale.ROOT).replace(" ()", "");
        if (SIZED.contains(type)) {
            String base = type.replace(" FOR BIT DATA", "");
            return base + "(" + column.getInt("COLUMN_SIZE") + ")" + (type.endsWith("FOR BIT DATA") ? " FOR BIT DATA" : "");
        }
        if (SCALED.contains(type)) {
            return type + "(" + column.getInt("COLUMN_SIZE") + "," + column.getInt("DECIMAL_DIGITS") + ")";
        }
        return type;
    }

    @Override
    public void installCapture(Connection master, List<TableSpec> tables, long epoch, long firstSequence)
            throws SQLException {
        long t0 = System.nanoTime();
        List<TableSpec> created = capture.install(master, tables, epoch, firstSequence);
        long t1 = System.nanoTime();
        DerbyWarmUp warm = new DerbyWarmUp(this);
        List<TableSpec> empty = new ArrayList<>();
        for (TableSpec t : created) {
            if (!warm.withARow(master, t)) {
                empty.add(t);
            }
        }
        warm.withMadeUpRows(master, empty);
        if (!created.isEmpty()) {
            LOG.log(Level.INFO, "capture of {0} tables created in {1} ms (sequence, identifiers, triggers), triggers fired once in {2} ms",
                    new Object[] {String.valueOf(created.size()), String.valueOf((t1 - t0) / 1_000_000),
                        String.valueOf((System.nanoTime() - t1) / 1_000_000)});
        }
    }

    @Override
    public boolean prepareReplica(Connection replica, List<TableSpec> tables) throws SQLException {
        Set<String> have = existing(replica);
        try (Statement s = replica.createStatement()) {
            renameOldWatermarkTable(s, have);
            for (TableSpec t : tables) {
                // A generated column is generated here too, but only when no value is given (the
                // agent gives them all), so that a promoted replica goes on generating them.
                String cols = t.columns().stream()
                        .map(col -> quote(col.name()) + " " + col.type()
                                + (col.generated() ? " GENERATED BY DEFAULT AS IDENTITY" : "")
                                + (t.primaryKey().contains(col.name()) ? " NOT NULL" : ""))
                        .collect(Collectors.joining(", "));
                create(s, have, "TABLE:" + t.name(), "CREATE TABLE " + quote(t.name()) + " (" + cols + ", PRIMARY KEY ("
                        + t.primaryKey().stream().map(this::quote).collect(Collectors.joining(", ")) + "))");
                capture.createRowIdTable(s, have, t);
                capture.createChangeTable(s, have, t);
            }
            capture.createFunctions(s, have);
            create(s, have, "TABLE:QOS_APPLIED", "CREATE TABLE QOS_APPLIED (QOS_TX VARCHAR(64) NOT NULL PRIMARY KEY, QOS_LAST_SEQ BIGINT NOT NULL,"
                    + " QOS_APPLIED_AT TIMESTAMP NOT NULL)");
            create(s, have, "TABLE:QOS_WATERMARK", "CREATE TABLE QOS_WATERMARK (QOS_SEQ BIGINT NOT NULL, QOS_AT TIMESTAMP NOT NULL)");
            create(s, have, "TABLE:QOS_COPIED", "CREATE TABLE QOS_COPIED (QOS_TABLE VARCHAR(128) NOT NULL PRIMARY KEY)");
            create(s, have, "TABLE:QOS_EPOCH", EPOCH_TABLE);
            createGenerationTable(s, have);
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_WATERMARK")) {
                r.next();
                return r.getLong(1) == 0;
            }
        }
    }

    @Override
    public void restartIdentities(Connection copy, List<TableSpec> tables) throws SQLException {
        // Only where needed: ALTER TABLE invalidates the table's compiled statements, its capture
        // triggers' among them, which the first writers would then compile at once. A replica
        // keeps its identities ahead of its rows (readyToPromote), so usually none is.
        restartIdentities(copy, tables, 0, 1);
    }

    @Override
    public List<String> armCapture(Connection copy, List<TableSpec> tables) throws SQLException {
        // Not fired here: the copy restarts identities (DDL that invalidates them again) and its
        // inserts compile the insert triggers; the readying after it fires the rest.
        return capture.arm(copy, tables).stream().map(TableSpec::name).toList();
    }

    @Override
    public void identitiesAheadOf(Connection master, Connection copy, List<TableSpec> tables) throws SQLException {
        restartIdentities(copy, tables, IDENTITY_HEADROOM / 2, IDENTITY_HEADROOM, master);
    }

    /** {@link #restartIdentities(Connection, List, long, long, Connection)} with the copy's own keys. */
    private Set<String> restartIdentities(Connection copy, List<TableSpec> tables, long slack, long headroom) throws SQLException {
        return restartIdentities(copy, tables, slack, headroom, copy);
    }

    /**
     * Restarts each identity column of {@code copy} whose next value is not more than
     * {@code slack} above the column's highest value on {@code keys} (the copy itself, or the
     * master it is being copied from, read there without locks, so that no writer waits for it)
     * at that value plus
     * {@code headroom}; returns the tables restarted.
     */
    private Set<String> restartIdentities(Connection copy, List<TableSpec> tables, long slack, long headroom, Connection keys)
            throws SQLException {
        Set<String> restarted = new HashSet<>();
        try (Statement s = copy.createStatement(); Statement k = keys.createStatement()) {
            for (TableSpec t : tables) {
                for (TableSpec.Column col : t.columns()) {
                    if (!col.generated()) {
                        continue;
                    }
                    long highest;
                    String max = "SELECT MAX(" + quote(col.name()) + ") FROM " + quote(t.name());
                    try (ResultSet r = k.executeQuery(keys == copy ? max : withoutLocks(max))) {
                        r.next();
                        highest = r.getLong(1);
                    }
                    long next;
                    try (PreparedStatement p = copy.prepareStatement("VALUES SYSCS_UTIL.SYSCS_PEEK_AT_IDENTITY(CURRENT SCHEMA, ?)")) {
                        p.setString(1, t.name());
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                            next = r.getLong(1);
                        }
                    }
                    if (next > highest + slack) {
                        continue;
                    }
                    s.execute("ALTER TABLE " + quote(t.name()) + " ALTER COLUMN " + quote(col.name()) + " RESTART WITH " + (highest + headroom));
                    restarted.add(t.name());
                }
            }
        }
        return restarted;
    }

    /**
     * How far ahead of a replica's highest generated key its identity columns are kept, so that a
     * promotion need not restart them: a promoted copy's generated keys go on at most this far
     * above the highest it held (a gap, never a key an acknowledged write of the group has).
     * Restarted again on the replica once fewer than half are left.
     */
    public static final long IDENTITY_HEADROOM = 10_000;
    /** Unique constraints a replica refused, logged at WARNING once each. */
    private final Set<String> uniqueKeysWarned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public List<String> readyToPromote(Connection replica, List<TableSpec> tables, long epoch, boolean full) throws SQLException {
        List<String> done = new ArrayList<>();
        List<TableSpec> armed;
        if (full) {
            Set<String> have = existing(replica);
            Optional<CopyEpoch> at = have.contains("TABLE:QOS_EPOCH") ? epochRow(replica) : Optional.empty();
            if (at.isEmpty() || at.get().epoch() != epoch
                    || (have.contains("TABLE:QOS_CAPTURING") && DerbyCapture.capturing(replica))) {
                return List.of(); // not a replica of this epoch (promoted, or not copied yet)
            }
            // A promotion describes the copy's tables first: Derby's metadata queries are stored
            // statements compiled at their first use in a database, which is then this one; they
            // stay compiled until the next DDL, after which the readying is a full one again.
            describe(replica, tables.stream().map(TableSpec::name).toList(), false);
            armed = capture.arm(replica, tables);
            armed.forEach(t -> done.add("capture " + t.name()));
        } else {
            // Capture's tables exist (a full readying found them): two queries, no catalogue scan.
            Optional<CopyEpoch> at = epochRow(replica);
            if (at.isEmpty() || at.get().epoch() != epoch || DerbyCapture.capturing(replica)) {
                return List.of();
            }
            armed = List.of();
        }
        // Under the replica's epoch row, which a promotion rewrites first: an identity restarted
        // here (DDL, which makes the table's triggers recompile) comes before a promotion, which
        // then compiles them, never after it.
        Set<String> restarted = Link.inTransaction(replica, c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE QOS_EPOCH SET QOS_EPOCH = QOS_EPOCH WHERE QOS_EPOCH = ?")) {
                p.setLong(1, epoch);
                if (p.executeUpdate() != 1 || DerbyCapture.capturing(c)) {
                    return Set.<String>of();
                }
            }
            Set<String> altered = new HashSet<>(restartIdentities(c, tables, IDENTITY_HEADROOM / 2, IDENTITY_HEADROOM));
            if (full) {
                altered.addAll(addUniqueKeys(c, tables, done));
            }
            return altered;
        });
        restarted.forEach(t -> done.add("identity " + t));
        Set<String> warm = new HashSet<>(restarted);
        armed.forEach(t -> warm.add(t.name()));
        compile(replica, tables, warm).forEach(t -> done.add("compiled " + t));
        return done;
    }

    @Override
    public List<String> dropUniqueKeys(Connection replica, List<TableSpec> tables) throws SQLException {
        Set<String> ours = tables.stream().map(TableSpec::name).collect(Collectors.toSet());
        return Link.inTransaction(replica, c -> {
            List<String> dropped = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                for (UniqueConstraint u : uniqueConstraints(c)) {
                    if (ours.contains(u.table())) {
                        s.execute("ALTER TABLE " + quote(u.table()) + " DROP CONSTRAINT " + quote(u.name()));
                        dropped.add(u.table() + "." + u.name());
                    }
                }
            }
            return dropped;
        });
    }

    /** A unique constraint (not a primary key) of a table, by name. */
    private record UniqueConstraint(String table, String name) {
    }

    /** The unique constraints of the connection's schema. */
    private static List<UniqueConstraint> uniqueConstraints(Connection c) throws SQLException {
        List<UniqueConstraint> found = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(UNIQUE_CONSTRAINT_NAMES)) {
            p.setString(1, c.getSchema());
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    found.add(new UniqueConstraint(r.getString(1), r.getString(2)));
                }
            }
        }
        return found;
    }

    /**
     * Adds to a replica the unique constraints of the master ({@code tables}) that it lacks (one
     * on the same columns counts, whatever its name), under the master's names; a replica holds
     * only primary keys until it has a consistent copy (a fuzzy initial copy may hold two rows
     * with one value for a while). Part of the caller's transaction; a constraint the rows
     * break is left out, logged and noted in {@code done} (Derby undoes the failed statement
     * only), and tried again at the next readying. Returns the tables altered.
     */
    private Set<String> addUniqueKeys(Connection c, List<TableSpec> tables, List<String> done) throws SQLException {
        Set<String> altered = new HashSet<>();
        if (tables.stream().allMatch(t -> t.uniqueKeys().isEmpty())) {
            return altered; // the master has none: nothing to ask the replica every readying
        }
        // Every readying asks: one query for the names, the columns only of a table that lacks one.
        Set<String> named = uniqueConstraints(c).stream().map(u -> u.table() + "." + u.name()).collect(Collectors.toSet());
        try (Statement s = c.createStatement()) {
            for (TableSpec t : tables) {
                List<TableSpec.UniqueKey> here = null;
                for (TableSpec.UniqueKey key : t.uniqueKeys()) {
                    if (named.contains(t.name() + "." + key.name())) {
                        continue;
                    }
                    if (here == null) {
                        here = uniqueKeys(c, c.getMetaData(), c.getSchema(), t.name());
                    }
                    if (here.stream().anyMatch(k -> k.columns().equals(key.columns()))) {
                        continue;
                    }
                    String ddl = "ALTER TABLE " + quote(t.name()) + " ADD CONSTRAINT " + quote(key.name()) + " UNIQUE ("
                            + key.columns().stream().map(this::quote).collect(Collectors.joining(", ")) + ")";
                    try {
                        s.execute(ddl);
                        altered.add(t.name());
                        done.add("unique " + key.name());
                    } catch (SQLException e) {
                        if (e.getSQLState() != null && e.getSQLState().startsWith("40")) {
                            throw e; // a deadlock or lock time-out undid the whole transaction
                        }
                        LOG.log(uniqueKeysWarned.add(t.name() + "." + key.name()) ? Level.WARNING : Level.FINE,
                                "unique constraint {0} on {1} {2} not added to this copy: {3}",
                                new Object[] {key.name(), t.name(), key.columns(), e.getMessage()});
                        done.add("unique " + key.name() + " not added (" + e.getSQLState() + ")");
                    }
                }
            }
        }
        return altered;
    }

    @Override
    public List<String> writeStatements(Connection master) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement s = master.createStatement();
             ResultSet r = s.executeQuery("SELECT SQL_TEXT FROM SYSCS_DIAG.STATEMENT_CACHE WHERE SCHEMANAME = CURRENT SCHEMA")) {
            while (r.next()) {
                String text = r.getString(1);
                String head = text.stripLeading().toUpperCase(Locale.ROOT);
                if (head.startsWith("INSERT") || head.startsWith("UPDATE") || head.startsWith("DELETE") || text.contains("QOS_TXID()")) {
                    found.add(text);
                }
            }
        }
        return found;
    }

    @Override
    public Precompiled precompile(Connection replica, List<String> statements) throws SQLException {
        if (statements.isEmpty()) {
            return new Precompiled(0, List.of());
        }
        // Derby's statement cache is the database's, keyed by the text, the schema, the
        // isolation it was prepared at and read-only or not: a statement prepared here on a
        // connection like the application's is found there by its first writer on this copy.
        Set<String> cached = new HashSet<>();
        try (Statement s = replica.createStatement();
             ResultSet r = s.executeQuery("SELECT SQL_TEXT, VALID FROM SYSCS_DIAG.STATEMENT_CACHE WHERE SCHEMANAME = CURRENT SCHEMA")) {
            while (r.next()) {
                if (r.getBoolean(2)) {
                    cached.add(r.getString(1));
                }
            }
        }
        List<String> refused = new ArrayList<>();
        int compiled = 0;
        for (String text : statements) {
            if (cached.contains(text)) {
                continue;
            }
            try (PreparedStatement p = replica.prepareStatement(text)) {
                p.getParameterMetaData();
                compiled++;
            } catch (SQLException e) {
                refused.add(text); // a table only the master has, say: its first writer compiles it
            }
        }
        return new Precompiled(compiled, refused);
    }

    @Override
    public List<String> compileCapture(Connection copy, List<TableSpec> tables) throws SQLException {
        return compile(copy, tables, Set.of());
    }

    /**
     * Fires once the capture triggers of the tables in {@code also} and of every table whose
     * capture trigger Derby lists as invalid (a later DDL on the table, or statistics, made it
     * so), in transactions rolled back (see {@link DerbyWarmUp}); returns the tables fired.
     */
    private List<String> compile(Connection copy, List<TableSpec> tables, Set<String> also) throws SQLException {
        Set<String> cold = new HashSet<>(also);
        try (Statement s = copy.createStatement();
             ResultSet r = s.executeQuery("SELECT CAST(T.TABLENAME AS VARCHAR(128)) FROM SYS.SYSTRIGGERS G"
                     + " JOIN SYS.SYSSTATEMENTS S ON G.ACTIONSTMTID = S.STMTID JOIN SYS.SYSTABLES T ON G.TABLEID = T.TABLEID"
                     + " JOIN SYS.SYSSCHEMAS SC ON T.SCHEMAID = SC.SCHEMAID"
                     + " WHERE SC.SCHEMANAME = CURRENT SCHEMA AND S.VALID = FALSE AND G.TRIGGERNAME LIKE 'QOS!_%' ESCAPE '!'")) {
            while (r.next()) {
                cold.add(r.getString(1));
            }
        }
        if (cold.isEmpty()) {
            return List.of();
        }
        DerbyWarmUp warm = new DerbyWarmUp(this);
        List<TableSpec> empty = new ArrayList<>();
        List<String> fired = new ArrayList<>();
        for (TableSpec t : tables) {
            if (cold.contains(t.name())) {
                fired.add(t.name());
                if (!warm.withARow(copy, t)) {
                    empty.add(t);
                }
            }
        }
        warm.withMadeUpRows(copy, empty);
        return fired;
    }

    @Override
    public Optional<CopyEpoch> epoch(Connection copy) throws SQLException {
        if (!existing(copy).contains("TABLE:QOS_EPOCH")) {
            return Optional.empty();
        }
        return epochRow(copy);
    }

    /** The row of {@code QOS_EPOCH}, which the copy has. */
    private static Optional<CopyEpoch> epochRow(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement();
             ResultSet r = s.executeQuery("SELECT QOS_EPOCH, QOS_MASTER FROM QOS_EPOCH")) {
            return r.next() ? Optional.of(new CopyEpoch(r.getLong(1), r.getString(2))) : Optional.empty();
        }
    }

    @Override
    public OptionalLong watermark(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_SEQ) FROM QOS_WATERMARK")) {
            long low = r.next() ? r.getLong(1) : 0;
            return r.wasNull() ? OptionalLong.empty() : OptionalLong.of(low);
        } catch (SQLException e) {
            if (!NO_TABLE.equals(e.getSQLState()) && !NO_SCHEMA.equals(e.getSQLState())) {
                throw e;
            }
        }
        Set<String> have = existing(copy);
        if (!have.contains("TABLE:QOS_POSITION")) {
            return OptionalLong.empty(); // never a replica
        }
        try (Statement s = copy.createStatement()) {
            renameOldWatermarkTable(s, have);
        }
        return watermark(copy);
    }


    @Override
    public Set<String> copiedTables(Connection copy) throws SQLException {
        Set<String> copied = new HashSet<>();
        try (Statement s = copy.createStatement(); ResultSet r = s.executeQuery("SELECT QOS_TABLE FROM QOS_COPIED")) {
            while (r.next()) {
                copied.add(r.getString(1));
            }
        } catch (SQLException e) {
            if (NO_TABLE.equals(e.getSQLState()) || NO_SCHEMA.equals(e.getSQLState())) {
                return Set.of(); // never a replica
            }
            throw e;
        }
        return copied;
    }

    @Override
    public Set<String> appliedFrom(Connection copy, long sequence) throws SQLException {
        Set<String> applied = new HashSet<>();
        try (PreparedStatement p = copy.prepareStatement("SELECT QOS_TX FROM QOS_APPLIED WHERE QOS_LAST_SEQ >= ?")) {
            p.setLong(1, sequence);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    applied.add(r.getString(1));
                }
            }
        }
        return applied;
    }

    @Override
    public void forgetApplied(Connection copy) throws SQLException {
        try (Statement s = copy.createStatement()) {
            s.executeUpdate("DELETE FROM QOS_APPLIED");
        }
    }

    @Override
    public void writeEpoch(Connection copy, long epoch, String master) throws SQLException {
        try (Statement s = copy.createStatement()) {
            create(s, existing(copy), "TABLE:QOS_EPOCH", EPOCH_TABLE);
            s.executeUpdate("DELETE FROM QOS_EPOCH");
        }
        try (PreparedStatement p = copy.prepareStatement(
                "INSERT INTO QOS_EPOCH (QOS_EPOCH, QOS_MASTER, QOS_AT) VALUES (?, ?, CURRENT_TIMESTAMP)")) {
            p.setLong(1, epoch);
            p.setString(2, master);
            p.executeUpdate();
        }
    }

    private static void createGenerationTable(Statement s, Set<String> have) throws SQLException {
        if (have.contains("TABLE:QOS_AGENT")) {
            return;
        }
        create(s, have, "TABLE:QOS_AGENT", "CREATE TABLE QOS_AGENT (QOS_GENERATION BIGINT NOT NULL)");
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM QOS_AGENT")) {
            r.next();
            if (r.getLong(1) == 0) {
                s.executeUpdate("INSERT INTO QOS_AGENT (QOS_GENERATION) VALUES (0)");
            }
        }
    }

    @Override
    public String generationFence() {
        return "UPDATE QOS_AGENT SET QOS_GENERATION = ? WHERE QOS_GENERATION <= ?";
    }

    @Override
    public void fenceGeneration(Connection replica, long generation) throws SQLException {
        try (PreparedStatement p = replica.prepareStatement(generationFence())) {
            p.setLong(1, generation);
            p.setLong(2, generation);
            if (p.executeUpdate() == 1) {
                return;
            }
        }
        long latest;
        try (Statement s = replica.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(QOS_GENERATION) FROM QOS_AGENT")) {
            latest = r.next() ? r.getLong(1) : 0;
        }
        throw new SQLException("the replica takes writes from agent generation " + latest + " now, later than this agent's "
                + generation + " (a supervisor replaced it)", "40XQG");
    }

    @Override
    public long setTailAside(Connection copy, List<TableSpec> tables, long fromSequence, Set<String> reached, long epoch)
            throws SQLException {
        return new DerbyDemotion(this).setTailAside(copy, tables, fromSequence, reached, epoch);
    }

    @Override
    public String describeOpen(Connection master, Set<String> ids) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement s = master.createStatement();
             ResultSet r = s.executeQuery("SELECT XID, TYPE, STATUS, USERNAME, SQL_TEXT FROM SYSCS_DIAG.TRANSACTION_TABLE"
                     + " WHERE STATUS <> 'IDLE'")) {
            while (r.next()) {
                if (ids.contains(r.getString(1))) {
                    found.add(r.getString(1) + " " + r.getString(2) + " " + r.getString(3) + " user " + r.getString(4)
                            + " statement [" + r.getString(5) + "]");
                }
            }
        }
        return String.join("; ", found);
    }

    @Override
    public void warmIdentities(Connection master, List<TableSpec> tables) throws SQLException {
        new DerbyWarmUp(this).identities(master, tables);
    }

    @Override
    public void reclaim(Connection master, String changeTable) throws SQLException {
        // Purge committed deleted rows, nothing else: defragmenting and truncating take the
        // table's exclusive lock, so they wait for any open writer and every writer then waits
        // for them (up to the lock time-out: no statement time-out shortens that wait).
        try (PreparedStatement p = master.prepareStatement(
                "CALL SYSCS_UTIL.SYSCS_INPLACE_COMPRESS_TABLE(CURRENT SCHEMA, ?, 1, 0, 0)")) {
            p.setString(1, changeTable);
            p.execute();
        }
    }

    @Override
    public void lockAgainstWriters(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + quote(table) + " IN SHARE MODE");
        }
    }

    @Override
    public void lockAgainstReaders(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + quote(table) + " IN EXCLUSIVE MODE");
        }
    }

    @Override
    public String withoutLocks(String select) {
        return select + " WITH UR";
    }

    @Override
    public Horizon horizon(Connection master, List<TableSpec> tables) throws SQLException {
        // Read uncommitted (WITH UR): no lock is taken, so no writer waits for the agent. Peeking
        // at the sequence instead (SYSCS_PEEK_AT_SEQUENCE) made writers fail with "too much
        // contention on sequence QOS_SEQ" when it met a pre-allocation.
        // One statement for every change table (each MAX still reads the last key of its index):
        // the agent asks every 20 ms, and one round trip per table was most of an idle master's
        // statements.
        long highest = 0;
        if (!tables.isEmpty()) {
            String sql = tables.stream().map(t -> "SELECT MAX(QOS_SEQ) FROM " + quote(t.changeTable()))
                    .collect(Collectors.joining(" UNION ALL ")) + " WITH UR";
            try (Statement s = master.createStatement(); ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    highest = Math.max(highest, r.getLong(1));
                }
            }
        }
        return new Horizon(highest + 1, openTransactions(master));
    }

    @Override
    public Set<String> openTransactions(Connection master) throws SQLException {
        Set<String> open = new HashSet<>();
        try (Statement s = master.createStatement();
             // An IDLE transaction has written nothing since it began; a committed transaction's id
             // stays listed as IDLE on its connection until the next write (found with a pooled
             // connection, whose last change then never shipped). A committing transaction
             // releases its locks before it turns IDLE (Xact.postComplete: releaseAllLocks, then
             // setIdleState), so it is listed here although committed until its thread gets on,
             // which may take several rounds of the agent on a busy master (Shipping.heldFrom).
             ResultSet r = s.executeQuery("SELECT XID FROM SYSCS_DIAG.TRANSACTION_TABLE WHERE STATUS <> 'IDLE'")) {
            while (r.next()) {
                open.add(r.getString(1));
            }
        }
        return open;
    }

    /**
     * The objects of the connection's current schema, as {@code KIND:NAME}; not sequences, whose
     * catalogue a scan must not touch while writers draw from them (Derby: "too much contention").
     */
    /**
     * Renames a replica's watermark table from its former name ({@code QOS_POSITION}, column
     * {@code QOS_LOW}) to {@code QOS_WATERMARK} ({@code QOS_SEQ}), so databases written by earlier
     * versions keep their watermark (without it a replica would get a fresh copy).
     */
    private static void renameOldWatermarkTable(Statement s, Set<String> have) throws SQLException {
        if (have.contains("TABLE:QOS_POSITION") && !have.contains("TABLE:QOS_WATERMARK")) {
            s.execute("RENAME TABLE QOS_POSITION TO QOS_WATERMARK");
            s.execute("RENAME COLUMN QOS_WATERMARK.QOS_LOW TO QOS_SEQ");
            have.remove("TABLE:QOS_POSITION");
            have.add("TABLE:QOS_WATERMARK");
        }
    }

    /** What the current schema holds, as {@code TABLE:}, {@code TRIGGER:}, {@code INDEX:}, {@code FUNCTION:} or {@code SEQUENCE:} and the name. */
    static Set<String> existing(Connection c) throws SQLException {
        Set<String> found = new HashSet<>();
        String inSchema = " S ON X.SCHEMAID = S.SCHEMAID WHERE S.SCHEMANAME = CURRENT SCHEMA";
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT 'TABLE:' || X.TABLENAME FROM SYS.SYSTABLES X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'TRIGGER:' || X.TRIGGERNAME FROM SYS.SYSTRIGGERS X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'INDEX:' || X.CONGLOMERATENAME FROM SYS.SYSCONGLOMERATES X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'FUNCTION:' || X.ALIAS FROM SYS.SYSALIASES X JOIN SYS.SYSSCHEMAS" + inSchema
                     + " UNION ALL SELECT 'SEQUENCE:' || X.SEQUENCENAME FROM SYS.SYSSEQUENCES X JOIN SYS.SYSSCHEMAS" + inSchema)) {
            while (r.next()) {
                found.add(r.getString(1));
            }
        }
        return found;
    }

    /**
     * Runs {@code ddl} unless {@code have} holds {@code key}; another agent racing to make it is
     * fine. Never tried when it exists: even a DDL statement that fails on "exists" is compiled
     * anew and puts the data dictionary in DDL mode, whose end empties Derby's dictionary caches,
     * so the stored metadata statements are loaded again as new classes (a replica readied every
     * {@code Replica.READY_EVERY} once did that for its sequence each time, and the JIT
     * compilers of its Derby server never settled: see docs/replication.md).
     */
    static void create(Statement s, Set<String> have, String key, String ddl) throws SQLException {
        if (have.contains(key)) {
            return;
        }
        try {
            s.execute(ddl);
        } catch (SQLException e) {
            if (!EXISTS.contains(e.getSQLState())) {
                throw e;
            }
        }
    }
}
