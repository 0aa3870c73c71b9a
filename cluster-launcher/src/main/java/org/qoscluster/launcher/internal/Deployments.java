package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.AppStatus;
import org.qoscluster.launcher.LauncherException;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.launcher.RuntimeLayout;
import org.qoscluster.replication.ReplicationSettings;

/**
 * The cluster's applications as the launcher's commands change them: the record a start begins
 * with, and deploy, undeploy and list on a running cluster ({@link AppRollout} does the rolling,
 * {@link AppRecord} keeps the record). {@code stateDir} is absolute everywhere.
 */
public final class Deployments {

    private Deployments() {
    }

    /**
     * Before a start: {@code apps} become the record (their WARs copied into the state directory,
     * the sample store's left where the runtime has it); with none, the record stays as it is, or
     * is the sample store when there is none.
     */
    public static void recordForStart(Path stateDir, RuntimeLayout layout, List<AppSpec> apps) {
        if (apps.isEmpty() && AppRecord.read(stateDir).isPresent()) {
            return;
        }
        List<AppSpec> record = new ArrayList<>();
        for (AppSpec a : apps.isEmpty() ? List.of(AppSpec.store(layout)) : apps) {
            AppRecord.requireFree(record, a);
            record.add(a);
        }
        if (PartProcess.list(stateDir).stream().anyMatch(PartStatus::alive)) {
            return; // the start refuses a running cluster, naming it; its record stays
        }
        AppRecord.write(stateDir, record.stream().map(a -> a.war().equals(layout.storeWar()) ? a : AppRecord.copied(stateDir, a)).toList());
    }

    /** {@link org.qoscluster.launcher.Cluster#deploy}. */
    public static List<String> deploy(Path stateDir, AppSpec app, Duration timeout) {
        ClusterConfig running = runningConfig(stateDir);
        List<AppSpec> record = AppRecord.require(stateDir);
        AppRecord.requireFree(record, app);
        AppSpec copy = AppRecord.copied(stateDir, app);
        List<String> lines = new ArrayList<>();
        if (!running.replicas().isEmpty()) {
            List<String> missing = ReplicatedTables.missing(ReplicatedTables.of(copy.war()), ReplicationSettings.of(running).tables());
            if (!missing.isEmpty()) {
                lines.add(ReplicatedTables.warning(copy.name(), missing));
            }
        }
        try {
            lines.addAll(new AppRollout(running, stateDir, Clock.systemUTC()).deploy(copy, timeout));
        } catch (RuntimeException e) {
            AppRecord.dropCopy(stateDir, copy);
            throw e;
        }
        List<AppSpec> next = new ArrayList<>(record);
        next.add(copy);
        AppRecord.write(stateDir, next);
        return lines;
    }

    /** {@link org.qoscluster.launcher.Cluster#undeploy}. */
    public static List<String> undeploy(Path stateDir, String name, Duration timeout) {
        ClusterConfig running = runningConfig(stateDir);
        List<AppSpec> record = AppRecord.require(stateDir);
        AppSpec app = record.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no application named '" + name + "' is deployed (deployed: " + record.stream().map(AppSpec::name).toList() + ")"));
        List<String> lines = new AppRollout(running, stateDir, Clock.systemUTC()).undeploy(name, timeout);
        AppRecord.write(stateDir, record.stream().filter(a -> !a.equals(app)).toList());
        AppRecord.dropCopy(stateDir, app);
        return lines;
    }

    /** {@link org.qoscluster.launcher.Cluster#apps}. */
    public static List<AppStatus> apps(Path stateDir) {
        return new AppRollout(runningConfig(stateDir), stateDir, Clock.systemUTC()).list(AppRecord.require(stateDir));
    }

    /** The configuration of the cluster whose nodes run from {@code stateDir}; refused when none runs. */
    private static ClusterConfig runningConfig(Path stateDir) {
        ClusterConfig config = EffectiveConfig.read(stateDir);
        if (PartProcess.list(stateDir).stream().noneMatch(p -> p.alive() && p.kind().equals("node"))) {
            throw new LauncherException("no node of the cluster started from " + stateDir + " runs; start it with 'up'");
        }
        return config;
    }
}
