package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.SortedMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.GoalSet;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.launcher.LauncherException;

class GoalCommandsTest {

    private final SortedMap<String, String> shipped = ClusterConfig.defaults().goals().properties();

    @Test
    void shouldSetTheGivenFieldsOfAClassAndKeepTheRest() {
        SortedMap<String, String> after = GoalCommands.set(shipped, "browse",
                List.of("--p95-ms", "300", "--priority", "80", "--match", "GET /api/products*", "--match", "GET /"));
        GoalSet g = GoalSet.parse(after);
        assertEquals(300, g.named("browse").orElseThrow().p95Millis());
        assertEquals(80, g.named("browse").orElseThrow().priority());
        assertEquals("[GET /api/products*, GET /]", g.named("browse").orElseThrow().rules().toString());
        assertEquals(shipped.get("qos.class.checkout.match"), after.get("qos.class.checkout.match"));
    }

    @Test
    void shouldLeaveValidationToTheGoalSetAndRefuseBadUsage() {
        SortedMap<String, String> noGoal = GoalCommands.set(shipped, "history", List.of("--priority", "60"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(noGoal));
        assertTrue(e.getMessage().contains("qos.class.history.p95-ms: missing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "browse", List.of()));
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "browse", List.of("--p95", "3")));
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "browse", List.of("--p95-ms")));
    }

    @Test
    void shouldRemoveAClassButNotTheDefaultOrOneThatIsNotThere() {
        SortedMap<String, String> after = GoalCommands.remove(shipped, "checkout");
        assertTrue(GoalSet.parse(after).named("checkout").isEmpty());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> GoalCommands.remove(shipped, "gold"));
        assertTrue(none.getMessage().contains("no class 'gold' (have [browse, checkout, default])"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.remove(shipped, "default"));
    }

    @Test
    void shouldSetAndRemoveTheGoalOfAUserClassWithinAClass() {
        SortedMap<String, String> gold = GoalCommands.set(shipped, "checkout",
                List.of("--user-class", "gold", "--p95-ms", "300", "--priority", "95"));
        GoalSet g = GoalSet.parse(gold);
        var checkout = g.named("checkout").orElseThrow();
        assertEquals(300, g.goalFor(checkout, "gold").p95Millis());
        assertEquals(95, g.goalFor(checkout, "gold").priority());
        assertEquals(800, g.goalFor(checkout, "standard").p95Millis(), "other user classes keep the class's goal");
        SortedMap<String, String> raised = GoalCommands.set(gold, "checkout", List.of("--user-class", "gold", "--priority", "99"));
        assertEquals("300", raised.get("qos.class.checkout.user.gold.p95-ms"), "only the fields given change");
        assertEquals("99", raised.get("qos.class.checkout.user.gold.priority"));

        SortedMap<String, String> back = GoalCommands.remove(raised, "checkout", List.of("--user-class", "gold"));
        assertEquals(shipped, back);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> GoalCommands.remove(gold, "checkout", List.of("--user-class", "silver")));
        assertTrue(none.getMessage().contains("user class 'silver' has no goal of its own in class 'checkout' (have [gold])"),
                none.getMessage());
        assertTrue(GoalSet.parse(GoalCommands.remove(gold, "checkout")).named("checkout").isEmpty(), "a class goes with its user classes");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> GoalCommands.set(shipped, "checkout", List.of("--user-class", "gold", "--match", "GET /x")));
        assertTrue(unknown.getMessage().contains("unknown option '--match' (a user class has [--p95-ms, --priority])"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "checkout", List.of("--user-class", "Gold", "--priority", "1")));
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "checkout", List.of("--priority", "1", "--user-class", "gold")));
        assertThrows(IllegalArgumentException.class, () -> GoalCommands.set(shipped, "checkout", List.of("--user-class", "gold")));
        InvalidConfigException bad = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(
                GoalCommands.set(shipped, "checkout", List.of("--user-class", "gold", "--p95-ms", "soon"))));
        assertTrue(bad.getMessage().contains("qos.class.checkout.user.gold.p95-ms: 'soon' is not a whole number"), bad.getMessage());
    }

    @Test
    void shouldSendTheAdminToTheRoutersHostWhenThisHostRunsNoRouter(@TempDir Path state) {
        // What 'up --host beta' leaves on beta: the cluster's configuration, no router.
        EffectiveConfig.write(state, ClusterConfig.from(java.util.Map.of(
                ClusterConfig.HOSTS, "alpha=10.213.7.2,beta=10.213.7.3", "qos.place.router", "alpha", "qos.place.node-1", "beta")));
        LauncherException e = assertThrows(LauncherException.class, () -> GoalCommands.run(state, List.of("list")));
        assertTrue(e.getMessage().contains("the router runs on host alpha (10.213.7.2), not on this one"), e.getMessage());
        e = assertThrows(LauncherException.class, () -> GoalCommands.run(state, List.of("set", "browse", "--priority", "5")));
        assertTrue(e.getMessage().contains("run 'qoscluster goal' on alpha"), e.getMessage());
    }

    @Test
    void shouldSayHowToStartAClusterWhenThereIsNone(@TempDir Path state) {
        LauncherException e = assertThrows(LauncherException.class, () -> GoalCommands.run(state, List.of("list")));
        assertTrue(e.getMessage().contains("'qoscluster up' writes it"), e.getMessage());
    }

    @Test
    void shouldReplaceAFileInOneStepReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("domain.xml");
        Files.writeString(file, "old");
        GoalCommands.writeAtomically(file, "new");
        assertEquals("new", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }
}
