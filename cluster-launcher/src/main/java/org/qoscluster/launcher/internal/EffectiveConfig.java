package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.LauncherException;

/**
 * The configuration a running cluster was started with, kept in its state directory
 * ({@code cluster.properties}): the replication agent, its supervisor and the commands that act
 * on a running cluster ({@code group}, {@code start PART}, ...) read it from there, so they never
 * need the file and options {@code up} was given.
 */
public final class EffectiveConfig {

    private static final String FILE = "cluster.properties";

    private EffectiveConfig() {
    }

    /** Writes every effective {@code qos.*} property of {@code config} (no secrets: those are not part of it). */
    public static void write(Path stateDir, ClusterConfig config) {
        Path file = stateDir.resolve(FILE);
        Properties p = new Properties();
        p.putAll(config.properties());
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, "the cluster's effective configuration, written by 'up'");
        } catch (IOException e) {
            throw new LauncherException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** The configuration of the cluster started from {@code stateDir}; a clear refusal when there is none. */
    public static ClusterConfig read(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new LauncherException("no cluster was started from " + stateDir.toAbsolutePath() + " (" + file
                    + " is missing); start one with 'up'");
        }
        return ClusterConfig.loadEffective(file);
    }
}
