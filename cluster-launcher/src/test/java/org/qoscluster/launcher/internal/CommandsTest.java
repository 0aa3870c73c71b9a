package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.launcher.RuntimeLayout;

/** Which JVMs the launcher starts with HotSpot's first compiler only. */
class CommandsTest {

    private static final Path RUNTIME = Path.of("/opt/qos/runtime");
    private static final RuntimeLayout LAYOUT = new RuntimeLayout(RUNTIME.resolve("payara/payara-micro.jar"), RUNTIME.resolve("derby"),
            RUNTIME.resolve("apps/sample-app.war"), RUNTIME.resolve("apps/qrs-servlet.war"), RUNTIME.resolve("apps/group-service.war"),
            RUNTIME.resolve("cluster-lib"));

    @Test
    void shouldStartTheReplicasDerbyServersWithC1OnlyAndTheMastersWithBothCompilers() {
        ClusterConfig config = ClusterConfig.defaults();
        Path state = Path.of("/var/qos");
        for (DatabaseSpec db : config.databases()) {
            List<String> cmd = Commands.derby(config, LAYOUT, db, state.resolve("derby").resolve(db.name()), state);
            assertEquals(Commands.java(), cmd.get(0));
            assertEquals(!db.master(), cmd.contains(Commands.C1_ONLY), db.name() + ": " + cmd);
            assertFalse(cmd.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel") && !a.equals(Commands.C1_ONLY)), cmd.toString());
        }
        assertEquals(List.of(true, false), config.databases().stream().map(DatabaseSpec::master).distinct().toList(),
                "the default cluster has a master and replicas");
    }

    @Test
    void shouldStartTheReplicationAgentAndItsSupervisorWithC1Only() {
        ClusterConfig config = ClusterConfig.defaults();
        Path state = Path.of("/var/qos");
        assertEquals(List.of(Commands.java(), Commands.C1_ONLY),
                Commands.replicationAgent(config, "x.jar", state, 1).subList(0, 2));
        assertEquals(List.of(Commands.java(), Commands.C1_ONLY), Commands.replicationSupervisor(LAYOUT, state).subList(0, 2));
    }
}
