package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicatedTablesTest {

    @TempDir
    Path dir;

    private Path war(Map<String, String> entries) throws IOException {
        Path file = dir.resolve("app.war");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }

    @Test
    void shouldReadTheTablesEveryUnitOfTheWarListsAndNothingElse() throws IOException {
        Path war = war(Map.of(
                "WEB-INF/classes/META-INF/qos-replicated-tables-ledger.txt", "ACCOUNT\nLEDGER_ENTRY\n",
                "WEB-INF/classes/META-INF/qos-replicated-tables-audit.txt", "AUDIT_LOG\n\n",
                "WEB-INF/classes/META-INF/persistence.xml", "<persistence/>",
                "META-INF/qos-replicated-tables-other.txt", "NOT_THE_WARS\n"));
        assertEquals(Set.of("ACCOUNT", "LEDGER_ENTRY", "AUDIT_LOG"), ReplicatedTables.of(war));
        assertEquals(Set.of(), ReplicatedTables.of(war(Map.of("WEB-INF/web.xml", "<web-app/>"))));
    }

    @Test
    void shouldNameTheTablesTheClusterDoesNotReplicate() {
        Set<String> ledger = Set.of("ACCOUNT", "LEDGER_ENTRY");
        assertEquals(List.of("ACCOUNT", "LEDGER_ENTRY"), ReplicatedTables.missing(ledger, List.of("PRODUCT", "CUSTOMER")));
        assertEquals(List.of("LEDGER_ENTRY"), ReplicatedTables.missing(ledger, List.of("PRODUCT", "account")));
        assertEquals(List.of(), ReplicatedTables.missing(ledger, List.of("ACCOUNT", "LEDGER_ENTRY", "PRODUCT")));
        String warning = ReplicatedTables.warning("ledger", List.of("ACCOUNT", "LEDGER_ENTRY"));
        assertTrue(warning.startsWith("warning: ledger reads ACCOUNT, LEDGER_ENTRY (its @ReplicatedEntity tables) from the replicas"),
                warning);
        assertTrue(warning.contains("qos.replication.tables"), warning);
    }
}
