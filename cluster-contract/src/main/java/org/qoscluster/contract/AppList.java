package org.qoscluster.contract;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A list of applications with their WARs, in deployment order, as a file ({@value #FILE}, one
 * {@code NAME<TAB>CONTEXT_ROOT<TAB>WAR} a line; {@code #} starts a comment): the launcher's record
 * of a state directory's applications, and each node's own record in its directory (what it
 * deploys when it starts again), which its group service keeps as it deploys and undeploys.
 */
public final class AppList {

    /** The file's name in its directory. */
    public static final String FILE = "apps.list";
    /** The folder beside it that holds copies of WARs. */
    public static final String WARS = "apps";

    /** One application and its WAR file (absolute). */
    public record Entry(NodeApp app, Path war) {
    }

    private AppList() {
    }

    /** The lines' entries; refuses a line that is not {@code NAME<TAB>CONTEXT_ROOT<TAB>WAR} or names a bad application. */
    public static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 3);
            if (f.length != 3 || f[2].isBlank()) {
                throw new IllegalArgumentException("'" + line + "' is not NAME<TAB>CONTEXT_ROOT<TAB>WAR");
            }
            out.add(new Entry(new NodeApp(f[0], f[1]), Path.of(f[2])));
        }
        return out;
    }

    /** The file's content for {@code entries}, with {@code comment} as its first line. */
    public static String format(String comment, List<Entry> entries) {
        StringBuilder out = new StringBuilder("# ").append(comment).append('\n');
        for (Entry e : entries) {
            out.append(e.app().name()).append('\t').append(e.app().contextRoot()).append('\t').append(e.war()).append('\n');
        }
        return out.toString();
    }

    /** The entries of {@code dir}'s {@value #FILE}; empty when there is none. */
    public static Optional<List<Entry>> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(Files.readAllLines(file, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces {@code dir}'s {@value #FILE} with {@code entries}, atomically. */
    public static void write(Path dir, String comment, List<Entry> entries) throws IOException {
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.createDirectories(dir);
        Files.writeString(tmp, format(comment, entries), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code entries} without the application named {@code name}. */
    public static List<Entry> without(List<Entry> entries, String name) {
        return entries.stream().filter(e -> !e.app().name().equals(name)).toList();
    }

    /** {@code entries} with {@code entry} last (replacing one of the same name). */
    public static List<Entry> with(List<Entry> entries, Entry entry) {
        List<Entry> out = new ArrayList<>(without(entries, entry.app().name()));
        out.add(entry);
        return out;
    }
}
