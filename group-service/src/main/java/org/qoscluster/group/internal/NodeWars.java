package org.qoscluster.group.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.qoscluster.contract.AppList;
import org.qoscluster.contract.NodeApp;

/**
 * The node's own copies of the WARs it was sent and its record of applications, in its own
 * directory ({@link NodeApp#NODE_DIR_PROPERTY}): {@code apps/NAME.war} and {@code apps.list}
 * ({@link AppList}), which the launcher wrote before the node started and which the node deploys
 * whenever it starts again. Callers hold the endpoint's deployment lock.
 */
final class NodeWars {

    private static final String COMMENT = "the applications this node deploys when it starts, in order (its group service keeps this file)";

    private final Path dir;

    NodeWars(Path dir) {
        this.dir = dir;
    }

    /** A new, empty file in the WARs' folder to receive an upload of application {@code name} into. */
    Path incoming(String name) throws IOException {
        Path wars = Files.createDirectories(dir.resolve(AppList.WARS));
        return Files.createTempFile(wars, "." + name + "-", ".upload");
    }

    /** Moves a checked upload to {@code apps/NAME.war}; returns that path. */
    Path place(Path incoming, String name) throws IOException {
        Path war = warOf(name);
        Files.move(incoming, war, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return war;
    }

    /** Where this node keeps the WAR of application {@code name}. */
    Path warOf(String name) {
        return dir.resolve(AppList.WARS).resolve(name + ".war");
    }

    /** Puts {@code app}, deployed from {@code war}, last on the node's record. */
    void recordDeployed(NodeApp app, Path war) throws IOException {
        AppList.write(dir, COMMENT, AppList.with(record(), new AppList.Entry(app, war)));
    }

    /** Takes application {@code name} off the node's record and deletes the node's copy of its WAR. */
    void recordUndeployed(String name) throws IOException {
        AppList.write(dir, COMMENT, AppList.without(record(), name));
        Files.deleteIfExists(warOf(name));
    }

    private List<AppList.Entry> record() throws IOException {
        return AppList.read(dir).orElseThrow(() -> new IOException("no record of this node's applications at "
                + dir.resolve(AppList.FILE) + " (the launcher writes it before the node starts)"));
    }
}
