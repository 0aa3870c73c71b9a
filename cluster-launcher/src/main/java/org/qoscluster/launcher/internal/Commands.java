package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.config.Role;
import org.qoscluster.contract.NodeApp;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.RuntimeLayout;

/** The command line of each kind of part. */
public final class Commands {

    /** A system property on every part's command line, so a process list shows what belongs to which cluster. */
    public static final String PART_PROPERTY = "qoscluster.part";

    private Commands() {
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    public static List<String> derby(ClusterConfig config, RuntimeLayout layout, DatabaseSpec db, Path home, Path stateDir) {
        return List.of(java(), "-Xmx256m", "-D" + PART_PROPERTY + "=" + stateDir + "/derby-" + db.name(),
                "-Dderby.system.home=" + home, "-Dderby.stream.error.file=" + home.resolve("derby.log"),
                // Each change takes a value of the capture sequence; Derby writes its catalogue row
                // every time the preallocated values run out, and under concurrent writers one of
                // them can fail then with "too much contention on sequence" (seen about once in 15 s
                // at 2,300 transactions/s with 1,000): allocate 100,000 at a time, not 100. A
                // crash loses at most that many values: gaps, which nothing relies on.
                "-Dderby.language.sequence.preallocator=100000",
                // A lock time-out or deadlock is written to derby.log with the lock table (the
                // waiters, the holders and their statements): an operator sees who held what.
                "-Dderby.locks.monitor=true", "-Dderby.locks.deadlockTrace=true",
                // Every error that rolls a transaction back is written with its statement and the
                // server's stack, also a lock Derby asked for without waiting (an identity column's
                // range allocation raises 40XL1 so, which the lock monitor does not log).
                "-Dderby.stream.error.logSeverityLevel=30000",
                // Derby looks for a deadlock only after a lock wait of derby.locks.deadlockTimeout,
                // 20 s by default: both writers of a lock cycle hang that long before one is rolled
                // back. After 1 s, as PostgreSQL's deadlock_timeout; a plain wait still lasts up
                // to derby.locks.waitTimeout (60 s).
                "-Dderby.locks.deadlockTimeout=1",
                // Derby's automatic index statistics stay on (its default): without them the
                // optimizer plans a grown table's statements blind, and the agent's reads and
                // applies on tables of a few hundred thousand rows took 100 ms and more each
                // (lag p50 3.4 s at 500 transactions/s, against 18 ms with them). Their update
                // invalidates the table's trigger actions, and a writer recompiling one at the same
                // moment as another can be rolled back (40001, 40XL1): see docs/replication.md.
                "-cp", layout.derbyServerClassPath(), "org.apache.derby.drda.NetworkServerControl",
                // No -noSecurityManager: Derby 10.16 installs no security manager and runs under
                // none (DERBY-7138); its guard is authentication (derby.properties in its home).
                "start", "-h", config.address(db.name()), "-p", Integer.toString(db.port()));
    }

    /**
     * A Payara Micro member: a node deploys the cluster's group service and then {@code apps}, in
     * order, by its post-boot commands ({@link #postBootCommandsText}), and is told their list
     * ({@link NodeApp#NODE_APPS_PROPERTY}) so that its health page waits for them, and its own
     * directory ({@link NodeApp#NODE_DIR_PROPERTY}), where it keeps the WARs it is sent; the router
     * deploys the QRS. Both read secrets from {@code secretsDir}.
     */
    public static List<String> member(ClusterConfig config, RuntimeLayout layout, PayaraRuntime payara, MemberSpec member,
                                      Path memberDir, Path domainXml, Path secretsDir, Path stateDir, List<AppSpec> apps) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx" + config.nodeHeap(),
                "-D" + PART_PROPERTY + "=" + stateDir + "/" + member.name(),
                "-Djava.io.tmpdir=" + memberDir.resolve("tmp")));
        if (member.role() == Role.NODE) {
            cmd.add("-D" + NodeApp.NODE_APPS_PROPERTY + "=" + NodeApp.encode(apps.stream().map(AppSpec::nodeApp).toList()));
            cmd.add("-D" + NodeApp.NODE_DIR_PROPERTY + "=" + memberDir);
        }
        cmd.addAll(PayaraMemberConfig.jvmOptions(config));
        // The shared runtime's class path, then the jars every member needs on it (the JDBC
        // driver on a node, the cluster's own jars on both).
        cmd.addAll(payara.javaArguments(member.role() == Role.NODE ? layout.derbyClientLibs() + ":" + layout.clusterLibs()
                : layout.clusterLibs()));
        cmd.addAll(PayaraMemberConfig.microOptions(config, member, domainXml));
        cmd.addAll(List.of("--rootdir", memberDir.resolve("root").toString(), "--secretsdir", secretsDir.toString()));
        if (member.role() == Role.NODE) {
            // Every deployment is a post-boot command, in order: the group service first, so that
            // the write path listens before an application's first connection to the master (a
            // --deploy would start only after every application had deployed), then each
            // application with its own name and context root.
            cmd.addAll(List.of("--postbootcommandfile", postBootCommands(memberDir).toString()));
        } else {
            cmd.addAll(List.of("--deploy", layout.routerWar().toString(), "--contextroot", "/"));
        }
        return cmd;
    }

    /**
     * The router on its own Jetty server ({@code qos.router.server=jetty}): it reads the same
     * {@code domainXml} a Payara Micro router would (and watches its goals) and the secrets of
     * {@code secretsDir}.
     */
    public static List<String> routerServer(ClusterConfig config, RuntimeLayout layout, Path memberDir, Path domainXml,
                                            Path secretsDir, Path stateDir) {
        return List.of(java(), "-Xmx" + config.nodeHeap(), "-D" + PART_PROPERTY + "=" + stateDir + "/" + config.router().name(),
                "-Djava.io.tmpdir=" + memberDir.resolve("tmp"),
                "-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n",
                "-cp", layout.routerClassPath(), "org.qoscluster.routerserver.RouterServerMain",
                domainXml.toString(), secretsDir.toString());
    }

    /** Where a node's post-boot commands are: {@link #postBootCommandsText}. */
    public static Path postBootCommands(Path memberDir) {
        return memberDir.resolve("post-boot.asadmin");
    }

    /**
     * A node's post-boot commands: deploy the cluster's group service on {@code /qos-group} (its
     * health page, and the redundancy group service), then each of {@code apps}.
     */
    public static String postBootCommandsText(RuntimeLayout layout, List<AppSpec> apps) {
        StringBuilder out = new StringBuilder("deploy --name " + NodeApp.GROUP_SERVICE + " --contextroot /qos-group "
                + layout.groupWar() + "\n");
        for (AppSpec a : apps) {
            out.append("deploy --name ").append(a.name()).append(" --contextroot ").append(a.contextRoot()).append(' ')
                    .append(a.war()).append('\n');
        }
        return out.toString();
    }

    /**
     * The replication agent's supervisor ({@link ReplicationSupervisorMain}), reading the cluster's
     * configuration from {@code stateDir/cluster.properties}; it starts the agent itself.
     */
    public static List<String> replicationSupervisor(RuntimeLayout layout, Path stateDir) {
        return List.of(java(), "-Xmx64m", "-D" + PART_PROPERTY + "=" + stateDir + "/replication-supervisor",
                "-cp", layout.launcherClassPath(), ReplicationSupervisorMain.class.getName(), stateDir.toString());
    }

    /**
     * The replication agent of generation {@code generation} (its fencing token), on
     * {@code classPath} (the supervisor's own), reading the configuration from {@code stateDir}.
     */
    public static List<String> replicationAgent(ClusterConfig config, String classPath, Path stateDir, long generation) {
        // Out of memory ends the process (its supervisor starts another) rather than leave it
        // renewing its lease with a thread that died.
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-D" + PART_PROPERTY + "=" + stateDir + "/replication-agent"));
        cmd.addAll(PayaraMemberConfig.jvmOptions(config));
        cmd.addAll(List.of("-cp", classPath, ReplicationAgentMain.class.getName(), stateDir.toString(), Long.toString(generation)));
        return cmd;
    }
}
