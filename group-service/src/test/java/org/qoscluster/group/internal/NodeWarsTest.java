package org.qoscluster.group.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.contract.AppList;
import org.qoscluster.contract.NodeApp;

class NodeWarsTest {

    @TempDir
    Path dir;

    private static final AppList.Entry STORE = new AppList.Entry(new NodeApp("store", "/"), Path.of("/runtime/apps/sample-app.war"));

    @Test
    void shouldKeepAnUploadAsItsOwnCopyOnTheNodesRecord() throws IOException {
        AppList.write(dir, "written by the launcher", List.of(STORE));
        NodeWars wars = new NodeWars(dir);
        Path incoming = wars.incoming("hello");
        assertEquals(dir.resolve("apps"), incoming.getParent());
        Files.writeString(incoming, "the war");
        Path war = wars.place(incoming, "hello");
        assertEquals(dir.resolve("apps/hello.war"), war);
        assertFalse(Files.exists(incoming));
        wars.recordDeployed(new NodeApp("hello", "/hello"), war);
        assertEquals(Optional.of(List.of(STORE, new AppList.Entry(new NodeApp("hello", "/hello"), war))), AppList.read(dir));

        wars.recordUndeployed("hello");
        assertEquals(Optional.of(List.of(STORE)), AppList.read(dir));
        assertFalse(Files.exists(war), "its copy is gone");
        wars.recordUndeployed("store");
        assertEquals(Optional.of(List.of()), AppList.read(dir));
    }

    @Test
    void shouldRefuseToRecordWithoutTheLaunchersRecord() {
        NodeWars wars = new NodeWars(dir);
        assertTrue(assertThrows(IOException.class, () -> wars.recordDeployed(new NodeApp("hello", "/hello"), dir.resolve("apps/hello.war")))
                .getMessage().startsWith("no record of this node's applications at " + dir.resolve("apps.list")));
    }
}
