package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DeploySettings;
import org.qoscluster.contract.NodeApp;
import org.qoscluster.contract.WarUpload;
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
     * is the sample store when there is none. When {@code apps} are another set than the record's
     * (names and context roots), the nodes' own records go, so that each node starts with them.
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
        List<NodeApp> before = AppRecord.read(stateDir).map(r -> r.stream().map(AppSpec::nodeApp).toList()).orElse(List.of());
        if (!before.equals(record.stream().map(AppSpec::nodeApp).toList())) {
            // Another set of applications: every node of this state directory starts with it, not with its own record.
            AppRecord.dropNodeRecords(stateDir);
        }
        AppRecord.write(stateDir, record.stream().map(a -> a.war().equals(layout.storeWar()) ? a : AppRecord.copied(stateDir, a)).toList());
    }

    /** {@link org.qoscluster.launcher.Cluster#deploy}. */
    public static List<String> deploy(Path stateDir, AppSpec app, Duration timeout) {
        ClusterConfig running = runningConfig(stateDir);
        List<AppSpec> record = AppRecord.require(stateDir);
        AppRecord.requireFree(record, app);
        long size;
        try {
            size = Files.size(app.war());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + app.war() + ": " + e.getMessage(), e);
        }
        long max = DeploySettings.of(running).maxWarBytes();
        Optional<String> tooLarge = WarUpload.tooLarge(app.name(), size, max, DeploySettings.MAX_WAR_MB);
        if (tooLarge.isPresent()) {
            throw new IllegalArgumentException(tooLarge.get() + "; nothing sent");
        }
        AppSpec copy = AppRecord.copied(stateDir, app);
        List<String> lines = new ArrayList<>();
        if (running.keepsGroup()) {
            List<String> missing = ReplicatedTables.missing(ReplicatedTables.of(copy.war()), ReplicationSettings.of(running).tables());
            if (!missing.isEmpty()) {
                lines.add(ReplicatedTables.warning(copy.name(), missing));
            }
        }
        AppRollout.Outcome outcome;
        try {
            outcome = new AppRollout(running, stateDir, Clock.systemUTC()).deploy(copy, timeout);
        } catch (RuntimeException e) {
            AppRecord.dropCopy(stateDir, copy);
            throw e;
        }
        lines.addAll(outcome.lines());
        outcome.stoppedHere().forEach(node -> AppRecord.addToNode(stateDir, node, copy));
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
        AppRollout.Outcome outcome = new AppRollout(running, stateDir, Clock.systemUTC()).undeploy(name, timeout);
        outcome.stoppedHere().forEach(node -> AppRecord.removeFromNode(stateDir, node, name));
        AppRecord.write(stateDir, record.stream().filter(a -> !a.equals(app)).toList());
        AppRecord.dropCopy(stateDir, app);
        return outcome.lines();
    }

    /** {@link org.qoscluster.launcher.Cluster#apps}. */
    public static List<AppStatus> apps(Path stateDir) {
        return new AppRollout(runningConfig(stateDir), stateDir, Clock.systemUTC()).list(AppRecord.require(stateDir));
    }

    /**
     * The configuration of the cluster started from {@code stateDir}; refused when none of its
     * nodes runs, here or (on several hosts) answering on its host.
     */
    private static ClusterConfig runningConfig(Path stateDir) {
        ClusterConfig config = EffectiveConfig.read(stateDir);
        AppRollout rollout = new AppRollout(config, stateDir, Clock.systemUTC());
        if (config.nodes().stream().noneMatch(rollout::running)) {
            throw new LauncherException("no node of the cluster started from " + stateDir + " runs"
                    + (config.hosts().size() > 1 ? " or answers on its host" : "") + "; start it with 'up'");
        }
        return config;
    }
}
