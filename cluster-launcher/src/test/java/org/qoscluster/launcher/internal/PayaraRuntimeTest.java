package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayaraRuntimeTest {

    @TempDir
    Path dir;

    @Test
    void opensAndExportsTheLauncherJarsPackagesToTheClassPath() throws IOException {
        Path jar = jar(" java.base/java.lang  java.base/sun.nio.ch\n", "java.naming/com.sun.jndi.ldap");

        assertEquals(List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED"), PayaraRuntime.moduleOptions(jar));
    }

    @Test
    void aLauncherJarWithoutModuleAttributesNeedsNoOptions() throws IOException {
        assertEquals(List.of(), PayaraRuntime.moduleOptions(jar(null, null)));
    }

    private Path jar(String opens, String exports) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (opens != null) {
            manifest.getMainAttributes().putValue("Add-Opens", opens.strip());
        }
        if (exports != null) {
            manifest.getMainAttributes().putValue("Add-Exports", exports);
        }
        Path jar = dir.resolve("launch-micro.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream entries = new JarOutputStream(out, manifest)) {
            entries.finish();
        }
        return jar;
    }
}
