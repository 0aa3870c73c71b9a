package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.LauncherException;

/**
 * The applications a cluster's nodes run, on record in its state directory ({@code apps.list},
 * one {@code NAME<TAB>CONTEXT_ROOT<TAB>WAR} a line, in deployment order): what every node
 * deploys when it starts, so {@code up} over the same state directory and a node's restart deploy
 * the same set. The WARs of applications deployed with {@code deploy} or {@code up --app} are
 * copied to {@code apps/NAME.war} there first, so a later change of the original file changes
 * nothing until it is deployed again.
 */
public final class AppRecord {

    private static final String FILE = "apps.list";

    private AppRecord() {
    }

    /** The applications on record, in order; empty when there is no record. */
    public static Optional<List<AppSpec>> read(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<AppSpec> apps = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                if (f.length != 3) {
                    throw new LauncherException(file + ": '" + line + "' is not NAME<TAB>CONTEXT_ROOT<TAB>WAR");
                }
                apps.add(new AppSpec(f[0], f[1], Path.of(f[2])));
            }
        } catch (IOException e) {
            throw new LauncherException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new LauncherException(file + ": " + e.getMessage(), e);
        }
        return Optional.of(apps);
    }

    /** The applications on record; refuses a state directory without a record, naming it. */
    public static List<AppSpec> require(Path stateDir) {
        return read(stateDir).orElseThrow(() -> new LauncherException("no cluster was started from " + stateDir
                + " (" + stateDir.resolve(FILE) + " is missing); start one with 'up'"));
    }

    /** Replaces the record with {@code apps}, atomically. */
    public static void write(Path stateDir, List<AppSpec> apps) {
        StringBuilder out = new StringBuilder("# the applications every node deploys, in order: NAME, CONTEXT ROOT, WAR\n");
        for (AppSpec a : apps) {
            out.append(a.name()).append('\t').append(a.contextRoot()).append('\t').append(a.war()).append('\n');
        }
        Path file = stateDir.resolve(FILE);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        try {
            Files.createDirectories(stateDir);
            Files.writeString(tmp, out, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LauncherException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code app} with its WAR copied into the state directory ({@code apps/NAME.war}), unless it
     * lies there already.
     */
    public static AppSpec copied(Path stateDir, AppSpec app) {
        Path dir = stateDir.resolve("apps");
        Path copy = dir.resolve(app.name() + ".war");
        if (app.war().equals(copy)) {
            return app;
        }
        try {
            Files.createDirectories(dir);
            Files.copy(app.war(), copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LauncherException("cannot copy " + app.war() + " to " + copy + ": " + e.getMessage(), e);
        }
        return new AppSpec(app.name(), app.contextRoot(), copy);
    }

    /** Deletes the copy {@link #copied} made of {@code app}'s WAR, if {@code app} has one. */
    public static void dropCopy(Path stateDir, AppSpec app) {
        if (app.war().getParent() != null && app.war().getParent().equals(stateDir.resolve("apps"))) {
            try {
                Files.deleteIfExists(app.war());
            } catch (IOException e) {
                throw new LauncherException("cannot delete " + app.war() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Refuses {@code app} beside {@code deployed}: a name or a context root taken.
     *
     * @throws IllegalArgumentException naming the application that has it
     */
    public static void requireFree(List<AppSpec> deployed, AppSpec app) {
        for (AppSpec a : deployed) {
            if (a.name().equals(app.name())) {
                throw new IllegalArgumentException("an application named " + app.name() + " is deployed already (on "
                        + a.contextRoot() + "); undeploy it first, or give another --name");
            }
            if (a.contextRoot().equals(app.contextRoot())) {
                throw new IllegalArgumentException("context root " + app.contextRoot() + " is application " + a.name()
                        + "'s; give another --context");
            }
        }
    }
}
