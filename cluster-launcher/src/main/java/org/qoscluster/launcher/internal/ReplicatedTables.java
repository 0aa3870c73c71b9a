package org.qoscluster.launcher.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The tables of a WAR's replicated entities, as the clone generator lists them
 * ({@code WEB-INF/classes/META-INF/qos-replicated-tables-UNIT.txt}, one a line), and which of them
 * a cluster's {@code qos.replication.tables} lacks: the application's reads of those go to the
 * replicas, which have no such table.
 */
public final class ReplicatedTables {

    private static final Pattern LIST = Pattern.compile("WEB-INF/classes/META-INF/qos-replicated-tables-[^/]+\\.txt");

    private ReplicatedTables() {
    }

    /** The tables the WAR's clone generator listed (none for a WAR without replicated entities). */
    public static Set<String> of(Path war) {
        Set<String> tables = new TreeSet<>();
        try (ZipFile zip = new ZipFile(war.toFile())) {
            for (ZipEntry e : zip.stream().filter(e -> LIST.matcher(e.getName()).matches()).toList()) {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(zip.getInputStream(e), StandardCharsets.UTF_8))) {
                    in.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(tables::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + war + ": " + e.getMessage(), e);
        }
        return tables;
    }

    /** Those of {@code tables} that {@code replicated} ({@code qos.replication.tables}) does not name, case aside, sorted. */
    public static List<String> missing(Set<String> tables, Collection<String> replicated) {
        Set<String> have = new TreeSet<>();
        replicated.forEach(t -> have.add(t.toUpperCase(Locale.ROOT)));
        return tables.stream().filter(t -> !have.contains(t.toUpperCase(Locale.ROOT))).sorted().toList();
    }

    /** What {@code deploy} says of an application whose tables {@code missing} the cluster does not replicate. */
    public static String warning(String app, List<String> missing) {
        return "warning: " + app + " reads " + String.join(", ", missing) + " (its @ReplicatedEntity tables) from the replicas, but"
                + " qos.replication.tables does not list them: those reads fail until it does. Add them to your configuration"
                + " file, then 'down' and 'up --config FILE' (docs/your-app.md)";
    }
}
