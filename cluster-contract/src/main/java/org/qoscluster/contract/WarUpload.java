package org.qoscluster.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * How the launcher sends a WAR to a node's group service ({@code POST /qos-group/apps}, the WAR's
 * bytes as the body) and what both sides check: the body's SHA-256 in a {@code Content-Digest}
 * header ({@code sha-256=:BASE64:}, RFC 9530), which the node compares with what it received, so
 * a body cut short or changed on the way is refused; a maximum size; and that the bytes are a
 * WAR (a zip archive with a {@code WEB-INF/} folder).
 */
public final class WarUpload {

    /** The request header that carries the body's SHA-256. */
    public static final String DIGEST_HEADER = "Content-Digest";
    /** The content type of the body. */
    public static final String CONTENT_TYPE = "application/java-archive";

    private static final String PREFIX = "sha-256=:";
    private static final int SHA256_BYTES = 32;

    private WarUpload() {
    }

    /**
     * What {@link #receive} read: how many bytes, their SHA-256 (lower-case hex), and whether it
     * stopped because the body passed the limit.
     */
    public record Received(long bytes, String sha256Hex, boolean tooLarge) {

        /** The SHA-256 as bytes. */
        public byte[] sha256() {
            return HexFormat.of().parseHex(sha256Hex);
        }
    }

    /** The {@code Content-Digest} value of {@code sha256}: {@code sha-256=:BASE64:}. */
    public static String digestValue(byte[] sha256) {
        if (sha256.length != SHA256_BYTES) {
            throw new IllegalArgumentException("a SHA-256 has 32 bytes, not " + sha256.length);
        }
        return PREFIX + Base64.getEncoder().encodeToString(sha256) + ":";
    }

    /**
     * The SHA-256 a {@code Content-Digest} header gives ({@code sha-256=:BASE64:}; other
     * algorithms beside it, comma-separated, are ignored).
     *
     * @throws IllegalArgumentException naming what is wrong: missing, no {@code sha-256}, not 32 bytes of base64
     */
    public static byte[] parseDigest(String header) {
        if (header == null || header.isBlank()) {
            throw new IllegalArgumentException("the request has no " + DIGEST_HEADER + " header (" + PREFIX + "BASE64:)");
        }
        for (String item : header.split(",")) {
            String s = item.strip();
            if (!s.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                continue;
            }
            int end = s.indexOf(':', PREFIX.length());
            if (end < 0 || end != s.length() - 1) {
                throw new IllegalArgumentException(DIGEST_HEADER + ": '" + s + "' is not " + PREFIX + "BASE64:");
            }
            byte[] sha;
            try {
                sha = Base64.getDecoder().decode(s.substring(PREFIX.length(), end));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(DIGEST_HEADER + ": '" + s + "' is not base64 (" + e.getMessage() + ")", e);
            }
            if (sha.length != SHA256_BYTES) {
                throw new IllegalArgumentException(DIGEST_HEADER + ": '" + s + "' has " + sha.length + " bytes, a SHA-256 has 32");
            }
            return sha;
        }
        throw new IllegalArgumentException(DIGEST_HEADER + ": '" + header + "' has no sha-256 (" + PREFIX + "BASE64:)");
    }

    /** The SHA-256 of {@code file}, read as a stream. */
    public static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return receive(in, OutputStream.nullOutputStream(), Long.MAX_VALUE).sha256();
        }
    }

    /**
     * Copies {@code in} to {@code out} as a stream (a buffer at a time), computing its SHA-256, and
     * stops once more than {@code max} bytes came ({@link Received#tooLarge()}; {@code out} then
     * holds at most {@code max} bytes of it).
     */
    public static Received receive(InputStream in, OutputStream out, long max) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > max) {
                return new Received(total, hex(sha.digest()), true);
            }
            sha.update(buffer, 0, n);
            out.write(buffer, 0, n);
        }
        return new Received(total, hex(sha.digest()), false);
    }

    /**
     * Why a body of {@code bytes} is refused for application {@code app} with a limit of
     * {@code max} bytes set by {@code key}; empty when it fits. {@code bytes} below zero is "more
     * than the limit, length unknown".
     */
    public static Optional<String> tooLarge(String app, long bytes, long max, String key) {
        if (bytes >= 0 && bytes <= max) {
            return Optional.empty();
        }
        return Optional.of("the WAR of application " + app + " is " + (bytes < 0 ? "larger than the limit" : bytes + " bytes")
                + "; a node takes at most " + max + " bytes (" + max / (1024 * 1024) + " MB, " + key + ")");
    }

    /**
     * Why two digests differ, for application {@code app}: the body was changed or cut short on
     * the way; empty when they are equal.
     */
    public static Optional<String> digestMismatch(String app, Received received, byte[] expected) {
        if (MessageDigest.isEqual(received.sha256(), expected)) {
            return Optional.empty();
        }
        return Optional.of("the WAR of application " + app + " arrived with SHA-256 " + received.sha256Hex() + " ("
                + received.bytes() + " bytes), but " + DIGEST_HEADER + " says " + hex(expected)
                + ": it was cut short or changed on the way; nothing deployed");
    }

    /**
     * What is wrong with {@code file} as a WAR: not a zip archive, or a zip archive without a
     * {@code WEB-INF/} folder; empty when it is one.
     */
    public static Optional<String> warProblem(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.stream().noneMatch(e -> e.getName().startsWith("WEB-INF/"))) {
                return Optional.of("is a zip archive but not a WAR: it has no WEB-INF/ folder");
            }
            return Optional.empty();
        } catch (ZipException e) {
            return Optional.of("is not a WAR: not a zip archive (" + e.getMessage() + ")");
        }
    }

    /** Lower-case hex. */
    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
