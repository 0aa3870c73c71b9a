package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppListTest {

    @TempDir
    Path dir;

    private static final AppList.Entry STORE = new AppList.Entry(new NodeApp("store", "/"), Path.of("/runtime/apps/sample-app.war"));
    private static final AppList.Entry HELLO = new AppList.Entry(new NodeApp("hello", "/hello"), Path.of("/state/members/node-1/apps/hello.war"));

    @Test
    void shouldWriteAndReadTheListInOrder() throws IOException {
        assertEquals(Optional.empty(), AppList.read(dir));
        AppList.write(dir, "what this node deploys", List.of(STORE, HELLO));
        assertEquals("# what this node deploys\nstore\t/\t/runtime/apps/sample-app.war\nhello\t/hello\t/state/members/node-1/apps/hello.war\n",
                Files.readString(dir.resolve(AppList.FILE)));
        assertEquals(Optional.of(List.of(STORE, HELLO)), AppList.read(dir));
        assertTrue(Files.notExists(dir.resolve(AppList.FILE + ".tmp")));
    }

    @Test
    void shouldAddLastReplaceByNameAndRemove() {
        assertEquals(List.of(STORE, HELLO), AppList.with(List.of(STORE), HELLO));
        AppList.Entry moved = new AppList.Entry(new NodeApp("store", "/shop"), Path.of("/other.war"));
        assertEquals(List.of(HELLO, moved), AppList.with(List.of(STORE, HELLO), moved));
        assertEquals(List.of(STORE), AppList.without(List.of(STORE, HELLO), "hello"));
        assertEquals(List.of(STORE), AppList.without(List.of(STORE), "nothing"));
    }

    @Test
    void shouldRefuseABadLineNamingTheFile() throws IOException {
        Files.writeString(dir.resolve(AppList.FILE), "# comment\n\nstore\t/\n");
        assertEquals(dir.resolve(AppList.FILE) + ": 'store\t/' is not NAME<TAB>CONTEXT_ROOT<TAB>WAR",
                assertThrows(IllegalArgumentException.class, () -> AppList.read(dir)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppList.parse(List.of("../x\t/\t/a.war"))).getMessage()
                .contains("is not an application name"));
    }
}
