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
