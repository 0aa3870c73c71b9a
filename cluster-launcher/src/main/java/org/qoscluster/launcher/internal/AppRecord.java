package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.qoscluster.contract.AppList;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.LauncherException;

/**
 * The applications a cluster's nodes run, on record in its state directory ({@code apps.list},
 * one {@code NAME<TAB>CONTEXT_ROOT<TAB>WAR} a line, in deployment order, {@link AppList}): what a
 * node started from this state directory deploys at its first start, and what {@code deploy},
 * {@code undeploy} and {@code apps} run from here refer to. The WARs of applications deployed
 * with {@code deploy} or {@code up --app} are copied to {@code apps/NAME.war} there first, so a
 * later change of the original file changes nothing until it is deployed again.
 *
 * <p>Each node also has a record of its own ({@code members/NODE/apps.list}, its uploaded WARs in
 * {@code members/NODE/apps/}): it starts as a copy of this one, its group service keeps it as
 * applications are deployed into and undeployed from the running node, over the network from any
 * host, and the node deploys it whenever it starts again.
 */
public final class AppRecord {

    private AppRecord() {
    }

    /** The applications on record, in order; empty when there is no record. */
    public static Optional<List<AppSpec>> read(Path stateDir) {
        try {
            return AppList.read(stateDir).map(entries -> entries.stream()
                    .map(e -> new AppSpec(e.app().name(), e.app().contextRoot(), e.war())).toList());
        } catch (IOException e) {
            throw new LauncherException("cannot read " + stateDir.resolve(AppList.FILE) + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new LauncherException(e.getMessage(), e);
        }
    }

    /** The applications on record; refuses a state directory without a record, naming it. */
    public static List<AppSpec> require(Path stateDir) {
        return read(stateDir).orElseThrow(() -> new LauncherException("no cluster was started from " + stateDir
                + " (" + stateDir.resolve(AppList.FILE) + " is missing); start one with 'up'"));
    }

    /** Replaces the record with {@code apps}, atomically. */
    public static void write(Path stateDir, List<AppSpec> apps) {
        write(stateDir, "the applications every node deploys, in order: NAME, CONTEXT ROOT, WAR", apps);
    }

    private static void write(Path dir, String comment, List<AppSpec> apps) {
        try {
            AppList.write(dir, comment, apps.stream().map(a -> new AppList.Entry(a.nodeApp(), a.war())).toList());
        } catch (IOException e) {
            throw new LauncherException("cannot write " + dir.resolve(AppList.FILE) + ": " + e.getMessage(), e);
        }
    }

    private static String nodeComment(String node) {
        return "the applications node " + node + " deploys when it starts, in order (its group service keeps this file)";
    }

    /** Where node {@code node} started from {@code stateDir} keeps its state: {@code members/NODE}. */
    public static Path nodeDir(Path stateDir, String node) {
        return stateDir.resolve("members").resolve(node);
    }

    /**
     * The applications node {@code node} deploys when it starts: its own record
     * ({@code members/NODE/apps.list}, kept by its group service as it deploys and undeploys, its
     * WARs in {@code members/NODE/apps/}); when it has none yet, {@code record} (this state
     * directory's), which becomes its own record.
     */
    public static List<AppSpec> forNode(Path stateDir, String node, List<AppSpec> record) {
        Path dir = nodeDir(stateDir, node);
        Optional<List<AppSpec>> own = read(dir);
        if (own.isPresent()) {
            return own.get();
        }
        write(dir, nodeComment(node), record);
        return record;
    }

    /**
     * Adds {@code app} to the own record of node {@code node} while the node is not running, its
     * WAR copied into the node's folder; a node without a record of its own takes this state
     * directory's when it starts, so it needs nothing.
     */
    public static void addToNode(Path stateDir, String node, AppSpec app) {
        Path dir = nodeDir(stateDir, node);
        List<AppSpec> own = read(dir).orElse(null);
        if (own == null) {
            return;
        }
        AppSpec copy = copied(dir, app);
        List<AppSpec> next = new ArrayList<>(own.stream().filter(a -> !a.name().equals(app.name())).toList());
        next.add(copy);
        write(dir, nodeComment(node), next);
    }

    /** Removes application {@code name} from the own record of node {@code node} while the node is not running, and its copy. */
    public static void removeFromNode(Path stateDir, String node, String name) {
        Path dir = nodeDir(stateDir, node);
        List<AppSpec> own = read(dir).orElse(null);
        if (own == null) {
            return;
        }
        write(dir, nodeComment(node),
                own.stream().filter(a -> !a.name().equals(name)).toList());
        own.stream().filter(a -> a.name().equals(name)).forEach(a -> dropCopy(dir, a));
    }

    /**
     * Deletes the own record and WAR copies of every node started from {@code stateDir}, so that
     * each starts with this state directory's record again.
     */
    public static void dropNodeRecords(Path stateDir) {
        Path members = stateDir.resolve("members");
        if (!Files.isDirectory(members)) {
            return;
        }
        try (Stream<Path> nodes = Files.list(members)) {
            for (Path dir : nodes.toList()) {
                Files.deleteIfExists(dir.resolve(AppList.FILE));
                Path wars = dir.resolve(AppList.WARS);
                if (Files.isDirectory(wars)) {
                    try (Stream<Path> files = Files.list(wars)) {
                        for (Path f : files.toList()) {
                            Files.delete(f);
                        }
                    }
                    Files.delete(wars);
                }
            }
        } catch (IOException e) {
            throw new LauncherException("cannot delete the nodes' own records under " + members + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code app} with its WAR copied into the state directory ({@code apps/NAME.war}), unless it
     * lies there already.
     */
    public static AppSpec copied(Path stateDir, AppSpec app) {
        Path dir = stateDir.resolve(AppList.WARS);
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
        if (app.war().getParent() != null && app.war().getParent().equals(stateDir.resolve(AppList.WARS))) {
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
