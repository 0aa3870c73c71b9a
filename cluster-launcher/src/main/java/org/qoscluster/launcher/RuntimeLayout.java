package org.qoscluster.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the built runtime lies: {@code payara/payara-micro.jar}, {@code derby/*.jar} and
 * {@code apps/sample-app.war}, {@code apps/qrs-servlet.war} under one directory ({@code cluster-launcher/target/runtime}
 * after {@code mvn package}).
 *
 * @param payaraMicroJar the Payara Micro jar every member runs
 * @param derbyDir       directory of the Derby jars (server, engine, client, shared, tools)
 * @param storeWar       the application WAR the nodes deploy
 * @param routerWar      the QoS-goal Router Servlet WAR the router deploys
 * @param groupWar       the redundancy group service every node deploys first when there are replicas
 *                       (its write-path proxy, and the coordinator)
 * @param clusterLibDir  jars every member puts on its class path: the Session Synchronizer's
 *                       session records and entry processor must be readable on every member
 *                       that owns a partition, whether or not it runs the application
 */
public record RuntimeLayout(Path payaraMicroJar, Path derbyDir, Path storeWar, Path routerWar, Path groupWar,
                            Path clusterLibDir) {

    private static final String REPLICATION_JAR = "replication.jar";
    private static final List<String> CLUSTER_LIB_JARS = List.of("session-synchronizer.jar", "entity-clone-annotations.jar",
            "cluster-contract.jar", "server-config.jar");

    private static final List<String> DERBY_JARS = List.of("derby.jar", "derbynet.jar", "derbyshared.jar",
            "derbytools.jar", "derbyclient.jar");

    /** The layout under {@code runtimeDir}; fails naming every file that is missing. */
    public static RuntimeLayout at(Path runtimeDir) {
        Path dir = runtimeDir.toAbsolutePath().normalize();
        RuntimeLayout layout = new RuntimeLayout(dir.resolve("payara/payara-micro.jar"), dir.resolve("derby"),
                dir.resolve("apps/sample-app.war"), dir.resolve("apps/qrs-servlet.war"), dir.resolve("apps/group-service.war"),
                dir.resolve("cluster-lib"));
        List<Path> missing = new ArrayList<>();
        for (Path p : layout.requiredFiles()) {
            if (!Files.isRegularFile(p)) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the runtime in " + dir + " is incomplete, missing " + missing
                    + "; build it with 'mvn -DskipTests package'");
        }
        return layout;
    }

    /**
     * The class path of a Derby network server: Derby, and the replication jar whose
     * {@code QOS_TXID()} function the change-capture triggers call.
     */
    public String derbyServerClassPath() {
        List<String> jars = new ArrayList<>(
                DERBY_JARS.stream().filter(j -> !j.equals("derbyclient.jar")).map(j -> derbyDir.resolve(j).toString()).toList());
        jars.add(clusterLibDir.resolve(REPLICATION_JAR).toString());
        return String.join(java.io.File.pathSeparator, jars);
    }

    /** The JDBC driver jars a node adds to its class path (colon separated). */
    public String derbyClientLibs() {
        return derbyDir.resolve("derbyclient.jar") + ":" + derbyDir.resolve("derbyshared.jar");
    }

    /** The launcher's own class path ({@code launcher/*}), for processes it starts from its own code. */
    public String launcherClassPath() {
        return payaraMicroJar.getParent().getParent().resolve("launcher") + java.io.File.separator + "*";
    }

    /** The class path of the router's own server ({@code qos.router.server=jetty}): every jar of {@code runtime/router}. */
    public String routerClassPath() {
        return routerDir() + java.io.File.separator + "*";
    }

    /** The class path of a site's DNS server: every jar of {@code runtime/site-dns}. */
    public String siteDnsClassPath() {
        return siteDnsDir() + java.io.File.separator + "*";
    }

    private Path siteDnsDir() {
        return payaraMicroJar.getParent().getParent().resolve("site-dns");
    }

    private Path routerDir() {
        return payaraMicroJar.getParent().getParent().resolve("router");
    }

    /** The jars every member adds to its class path (colon separated). */
    public String clusterLibs() {
        return String.join(":", CLUSTER_LIB_JARS.stream().map(j -> clusterLibDir.resolve(j).toString()).toList());
    }

    private List<Path> requiredFiles() {
        List<Path> files = new ArrayList<>(List.of(payaraMicroJar, storeWar, routerWar, groupWar));
        DERBY_JARS.forEach(j -> files.add(derbyDir.resolve(j)));
        CLUSTER_LIB_JARS.forEach(j -> files.add(clusterLibDir.resolve(j)));
        files.add(clusterLibDir.resolve(REPLICATION_JAR));
        files.add(routerDir().resolve("router-server.jar"));
        files.add(siteDnsDir().resolve("site-dns.jar"));
        return files;
    }
}
