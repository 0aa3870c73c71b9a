package org.qoscluster.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.qoscluster.contract.NodeApp;
import org.qoscluster.contract.WarUpload;

/**
 * An application the cluster's nodes run: its deployment name, its context root and its WAR.
 *
 * @param name        letters, digits, '.', '_', '-' (at most 64); unique in the cluster
 * @param contextRoot {@code /} or {@code /path}; unique in the cluster, not one of the cluster's
 *                    own ({@link NodeApp#RESERVED_CONTEXT_ROOTS})
 * @param war         the WAR file, absolute
 */
public record AppSpec(String name, String contextRoot, Path war) {

    /** The name of the sample store, the application a cluster runs when none is given. */
    public static final String STORE = "store";

    public AppSpec {
        NodeApp.problem(name, contextRoot).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        war = war.toAbsolutePath().normalize();
    }

    /** The sample store of {@code layout}, on {@code /}. */
    public static AppSpec store(RuntimeLayout layout) {
        return new AppSpec(STORE, "/", layout.storeWar());
    }

    /**
     * The application in {@code war}, checked: the file exists, is readable and is a WAR (a zip
     * archive with a {@code WEB-INF/} folder). {@code name} defaults to the file's name without
     * {@code .war}, {@code contextRoot} to {@code /NAME}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static AppSpec of(Path war, String name, String contextRoot) {
        if (!Files.exists(war)) {
            throw new IllegalArgumentException("no such file: " + war);
        }
        if (!Files.isRegularFile(war) || !Files.isReadable(war)) {
            throw new IllegalArgumentException(war + " is not a readable file");
        }
        try {
            Optional<String> problem = WarUpload.warProblem(war);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(war + " " + problem.get());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + war + ": " + e.getMessage(), e);
        }
        String file = war.getFileName().toString();
        String n = name != null ? name
                : file.toLowerCase(Locale.ROOT).endsWith(".war") ? file.substring(0, file.length() - 4) : file;
        return new AppSpec(n, contextRoot != null ? contextRoot : "/" + n, war);
    }

    /** The name and context root, as a node is told them. */
    public NodeApp nodeApp() {
        return new NodeApp(name, contextRoot);
    }
}
