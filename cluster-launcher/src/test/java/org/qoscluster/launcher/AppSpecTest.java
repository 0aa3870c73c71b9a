package org.qoscluster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.launcher.internal.AppRecord;

class AppSpecTest {

    @TempDir
    Path dir;

    private Path zip(String name, String entry) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write("x".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return file;
    }

    @Test
    void shouldTakeNameAndContextRootFromTheFileUnlessGiven() throws IOException {
        Path war = zip("ledger.war", "WEB-INF/web.xml");
        assertEquals(new AppSpec("ledger", "/ledger", war), AppSpec.of(war, null, null));
        assertEquals(new AppSpec("books", "/", war), AppSpec.of(war, "books", "/"));
    }

    @Test
    void shouldNameWhatIsWrongWithTheFile() throws IOException {
        Path missing = dir.resolve("missing.war");
        assertEquals("no such file: " + missing,
                assertThrows(IllegalArgumentException.class, () -> AppSpec.of(missing, null, null)).getMessage());
        Path text = Files.writeString(dir.resolve("text.war"), "not a zip");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppSpec.of(text, null, null)).getMessage()
                .contains("is not a WAR: not a zip archive"));
        Path jar = zip("lib.war", "META-INF/MANIFEST.MF");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppSpec.of(jar, null, null)).getMessage()
                .contains("has no WEB-INF/ folder"));
        Path war = zip("ok.war", "WEB-INF/web.xml");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppSpec.of(war, "a b", null)).getMessage()
                .contains("'a b' is not an application name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppSpec.of(war, null, "/qrs")).getMessage()
                .contains("reserved"));
    }

    @Test
    void shouldKeepTheRecordInOrderAndRefuseATakenNameOrContextRoot() throws IOException {
        Path war = zip("ledger.war", "WEB-INF/web.xml");
        Path state = dir.resolve("state");
        AppSpec store = new AppSpec("store", "/", war);
        AppSpec ledger = AppRecord.copied(state, AppSpec.of(war, null, null));
        assertEquals(state.resolve("apps/ledger.war").toAbsolutePath(), ledger.war());
        AppRecord.write(state, List.of(store, ledger));
        assertEquals(List.of(store, ledger), AppRecord.read(state).orElseThrow());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AppRecord.requireFree(List.of(store, ledger), new AppSpec("ledger", "/other", war))).getMessage()
                .contains("an application named ledger is deployed already"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AppRecord.requireFree(List.of(store, ledger), new AppSpec("shop", "/", war))).getMessage()
                .contains("context root / is application store's"));
        AppRecord.dropCopy(state, ledger);
        assertTrue(Files.notExists(ledger.war()));
    }

    @Test
    void shouldStartANodeFromItsOwnRecordOnceItHasOne() throws IOException {
        Path war = zip("ledger.war", "WEB-INF/web.xml");
        Path state = dir.resolve("state");
        AppSpec store = new AppSpec("store", "/", war);
        AppSpec ledger = AppRecord.copied(state, AppSpec.of(war, null, null));
        assertEquals(List.of(store), AppRecord.forNode(state, "node-1", List.of(store)), "the first start: the state directory's");
        assertEquals(List.of(store), AppRecord.read(AppRecord.nodeDir(state, "node-1")).orElseThrow(), "now the node's own record");

        AppRecord.addToNode(state, "node-1", ledger);
        AppSpec own = new AppSpec("ledger", "/ledger", state.resolve("members/node-1/apps/ledger.war"));
        assertTrue(Files.isRegularFile(own.war()), "the node's own copy");
        assertEquals(List.of(store, own), AppRecord.forNode(state, "node-1", List.of(store)), "its own record wins");
        AppRecord.addToNode(state, "node-2", ledger);
        assertTrue(Files.notExists(AppRecord.nodeDir(state, "node-2")), "a node without a record takes the state directory's");

        AppRecord.removeFromNode(state, "node-1", "ledger");
        assertEquals(List.of(store), AppRecord.forNode(state, "node-1", List.of(store, ledger)));
        assertTrue(Files.notExists(own.war()));

        AppRecord.addToNode(state, "node-1", ledger);
        AppRecord.dropNodeRecords(state);
        assertTrue(Files.notExists(state.resolve("members/node-1/apps.list")));
        assertTrue(Files.notExists(state.resolve("members/node-1/apps")));
        assertEquals(List.of(store, ledger), AppRecord.forNode(state, "node-1", List.of(store, ledger)), "the state directory's again");
    }
}
