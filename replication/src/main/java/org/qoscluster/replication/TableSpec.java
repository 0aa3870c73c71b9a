package org.qoscluster.replication;

import java.util.List;

/**
 * A replicated table as read from the master's catalogue: its columns (name and SQL type, as
 * the database declares them), its primary key, by which changes are applied on the replicas,
 * and its unique constraints, which a replica is given once it holds a consistent copy, so that
 * a promoted replica refuses what the master refused.
 */
public record TableSpec(String name, List<Column> columns, List<String> primaryKey, List<UniqueKey> uniqueKeys) {

    public TableSpec {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        uniqueKeys = List.copyOf(uniqueKeys);
    }

    /** A table without unique constraints besides its primary key. */
    public TableSpec(String name, List<Column> columns, List<String> primaryKey) {
        this(name, columns, primaryKey, List.of());
    }

    /** A unique constraint: its name and its columns, in order. */
    public record UniqueKey(String name, List<String> columns) {

        public UniqueKey {
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("unique constraint " + name + " has no columns");
            }
            columns = List.copyOf(columns);
        }
    }

    /**
     * One column: its name, its type declaration ({@code VARCHAR(255)}, {@code DECIMAL(19,2)}) and
     * whether the database generates its values (an identity column: replicas declare it too,
     * generated only when no value is given, so that a promoted replica goes on generating them).
     */
    public record Column(String name, String type, boolean generated) {

        public Column(String name, String type) {
            this(name, type, false);
        }
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    /** The change table's name on the master. */
    public String changeTable() {
        return "QOS_CHG_" + name;
    }

    /**
     * The row-identifier table on every copy (R1, R2): {@code QOS_RID} and the primary key of
     * each row. The application's own table keeps its columns, so {@code SELECT *} never shows a
     * row identifier.
     */
    public String rowIdTable() {
        return "QOS_RID_" + name;
    }

    /** Where a returning master keeps the changes it made in epoch {@code epoch} that never reached the group. */
    public String tailTable(long epoch) {
        return "QOS_TAIL_" + epoch + "_" + name;
    }

    /** The type declaration of {@code column}. */
    public String typeOf(String column) {
        return columns.stream().filter(c -> c.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " has no column " + column)).type();
    }
}
