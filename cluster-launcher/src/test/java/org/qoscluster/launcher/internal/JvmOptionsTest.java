package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.launcher.LauncherException;

class JvmOptionsTest {

    @AfterEach
    void clear() {
        System.clearProperty(JvmOptions.PROPERTY);
    }

    @Test
    void shouldTakeHotSpotOptionsSeparatedBySpaces() {
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"),
                JvmOptions.parse("  -XX:TieredStopAtLevel=1   -XX:+UseSerialGC\t-XX:-UsePerfData "));
        assertEquals(List.of(), JvmOptions.parse(""));
        assertEquals(List.of(), JvmOptions.parse("   "));
    }

    @Test
    void shouldRefuseAnythingButAnXxOptionNamingIt() {
        for (String bad : List.of("-Dqos.db.password=x", "-Xmx8g", "-jar", "TieredStopAtLevel=1", "-XX:", "-XX:Foo=", "-XX:Foo=a;b",
                "-XX:+Use$GC")) {
            LauncherException e = assertThrows(LauncherException.class, () -> JvmOptions.parse("-XX:+UseSerialGC " + bad));
            assertTrue(e.getMessage().contains(JvmOptions.PROPERTY), e.getMessage());
            String first = bad.split(" ")[0];
            assertTrue(e.getMessage().contains("'" + first + "'"), e.getMessage());
        }
    }

    @Test
    void shouldPutTheOptionsAndThePropertyRightAfterTheJavaExecutable() {
        System.setProperty(JvmOptions.PROPERTY, "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        List<String> command = List.of(Commands.java(), "-Xmx64m", "-cp", "x.jar", "Main");
        assertEquals(List.of(Commands.java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-D" + JvmOptions.PROPERTY + "=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", "-Xmx64m", "-cp", "x.jar", "Main"),
                JvmOptions.applied(command));
    }

    @Test
    void shouldLeaveACommandAloneWithoutOptionsOrWhenItIsNotJava() {
        List<String> command = List.of(Commands.java(), "-cp", "x.jar", "Main");
        assertEquals(command, JvmOptions.applied(command));
        System.setProperty(JvmOptions.PROPERTY, "-XX:+UseSerialGC");
        assertEquals(List.of("/usr/bin/true"), JvmOptions.applied(List.of("/usr/bin/true")));
    }
}
