package org.qoscluster.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarUploadTest {

    @TempDir
    Path dir;

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void shouldWriteAndReadTheDigestHeader() throws Exception {
        byte[] sha = sha256("war".getBytes(UTF_8));
        String header = WarUpload.digestValue(sha);
        assertEquals("sha-256=:" + Base64.getEncoder().encodeToString(sha) + ":", header);
        assertArrayEquals(sha, WarUpload.parseDigest(header));
        assertArrayEquals(sha, WarUpload.parseDigest("sha-512=:AAAA:, " + header), "other algorithms beside it are ignored");
        assertArrayEquals(sha, WarUpload.parseDigest(header.replace("sha-256", "SHA-256")));
    }

    @Test
    void shouldNameWhatIsWrongWithTheDigestHeader() {
        assertEquals("the request has no Content-Digest header (sha-256=:BASE64:)",
                assertThrows(IllegalArgumentException.class, () -> WarUpload.parseDigest(null)).getMessage());
        assertEquals("Content-Digest: 'sha-512=:AAAA:' has no sha-256 (sha-256=:BASE64:)",
                assertThrows(IllegalArgumentException.class, () -> WarUpload.parseDigest("sha-512=:AAAA:")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WarUpload.parseDigest("sha-256=:!!!:")).getMessage()
                .startsWith("Content-Digest: 'sha-256=:!!!:' is not base64"));
        assertEquals("Content-Digest: 'sha-256=:AAAA:' has 3 bytes, a SHA-256 has 32",
                assertThrows(IllegalArgumentException.class, () -> WarUpload.parseDigest("sha-256=:AAAA:")).getMessage());
        assertEquals("Content-Digest: 'sha-256=:AAAA' is not sha-256=:BASE64:",
                assertThrows(IllegalArgumentException.class, () -> WarUpload.parseDigest("sha-256=:AAAA")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> WarUpload.digestValue(new byte[31]));
    }

    @Test
    void shouldStreamTheBodyAndComputeItsSha256() throws Exception {
        byte[] body = random(300_000); // several buffers
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WarUpload.Received r = WarUpload.receive(new ByteArrayInputStream(body), out, body.length);
        assertEquals(body.length, r.bytes());
        assertFalse(r.tooLarge());
        assertArrayEquals(sha256(body), r.sha256());
        assertArrayEquals(body, out.toByteArray());
        assertEquals(Optional.empty(), WarUpload.digestMismatch("app", r, sha256(body)));
        Path file = Files.write(dir.resolve("body"), body);
        assertArrayEquals(sha256(body), WarUpload.sha256(file));
    }

    @Test
    void shouldStopOnceTheBodyPassesTheLimit() throws Exception {
        byte[] body = random(200_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WarUpload.Received r = WarUpload.receive(new ByteArrayInputStream(body), out, 100_000);
        assertTrue(r.tooLarge());
        assertTrue(r.bytes() > 100_000 && r.bytes() <= body.length, r.toString());
        assertTrue(out.size() <= 100_000, "at most the limit kept: " + out.size());
        assertEquals(Optional.empty(), WarUpload.tooLarge("hello", 1024, 1024, "qos.deploy.max-war-mb"));
        assertEquals(Optional.of("the WAR of application hello is 2097153 bytes; a node takes at most 2097152 bytes (2 MB,"
                + " qos.deploy.max-war-mb)"), WarUpload.tooLarge("hello", 2 * 1024 * 1024 + 1, 2 * 1024 * 1024, "qos.deploy.max-war-mb"));
        assertEquals(Optional.of("the WAR of application hello is larger than the limit; a node takes at most 1048576 bytes (1 MB,"
                + " qos.deploy.max-war-mb)"), WarUpload.tooLarge("hello", -1, 1024 * 1024, "qos.deploy.max-war-mb"));
    }

    @Test
    void shouldRefuseABodyCutShortOrChanged() throws Exception {
        byte[] body = random(10_000);
        byte[] cut = java.util.Arrays.copyOf(body, 9_000);
        WarUpload.Received r = WarUpload.receive(new ByteArrayInputStream(cut), OutputStream.nullOutputStream(), Long.MAX_VALUE);
        String why = WarUpload.digestMismatch("hello", r, sha256(body)).orElseThrow();
        assertEquals("the WAR of application hello arrived with SHA-256 " + WarUpload.hex(sha256(cut)) + " (9000 bytes), but"
                + " Content-Digest says " + WarUpload.hex(sha256(body)) + ": it was cut short or changed on the way; nothing deployed", why);
    }

    @Test
    void shouldTellAWarFromOtherFiles() throws IOException {
        assertEquals(Optional.empty(), WarUpload.warProblem(zip("ok.war", "WEB-INF/web.xml")));
        assertEquals(Optional.of("is a zip archive but not a WAR: it has no WEB-INF/ folder"),
                WarUpload.warProblem(zip("lib.war", "META-INF/MANIFEST.MF")));
        Path text = Files.writeString(dir.resolve("text.war"), "not a zip");
        assertTrue(WarUpload.warProblem(text).orElseThrow().startsWith("is not a WAR: not a zip archive ("));
        Path empty = Files.createFile(dir.resolve("empty.war"));
        assertTrue(WarUpload.warProblem(empty).orElseThrow().startsWith("is not a WAR: not a zip archive ("));
    }

    private Path zip(String name, String entry) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write("x".getBytes(UTF_8));
            zip.closeEntry();
        }
        return file;
    }
}
