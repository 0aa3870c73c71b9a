package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The members' secrets directory: one file per {@code qos.secret.*} key (Payara Micro's
 * {@code --secretsdir} serves each file as a MicroProfile Config property named after it).
 * Missing secrets are made from 32 random bytes; files are readable by the owner only. Nothing
 * secret is ever in the repository or a {@code domain.xml}.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** Makes the missing secrets; returns every secret of {@code keys} by key. */
    public static Map<String, String> ensure(Path dir, List<String> keys) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Map<String, String> secrets = new HashMap<>();
            for (String key : keys) {
                Path f = dir.resolve(key);
                if (!Files.exists(f)) {
                    byte[] b = new byte[32];
                    RANDOM.nextBytes(b);
                    writePrivate(f, Base64.getUrlEncoder().withoutPadding().encodeToString(b));
                }
                secrets.put(key, read(dir, key));
            }
            return Map.copyOf(secrets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the secrets directory " + dir, e);
        }
    }

    /**
     * Creates {@code dir} (and its parents) if needed and makes it accessible to the owner only:
     * the state directory holds databases, secrets and logs.
     */
    public static void ownerOnly(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir + " private to its owner", e);
        }
    }

    /** Writes {@code content} to {@code file}, readable and writable by the owner only from its creation on. */
    public static void writePrivate(Path file, String content) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Copies every secret of {@code keys} from {@code from} (another host's secrets folder) into
     * {@code to}, owner only; refuses to replace a different secret already there, which would
     * split one cluster in two.
     */
    public static void copy(Path from, Path to, List<String> keys) {
        ownerOnly(to);
        for (String key : keys) {
            if (!Files.isRegularFile(from.resolve(key))) {
                throw new IllegalArgumentException("--secrets " + from + ": no secret " + key + " there; copy the folder "
                        + "secrets/ of the first host's state directory");
            }
            String value = read(from, key);
            if (Files.exists(to.resolve(key)) && !read(to, key).equals(value)) {
                throw new IllegalArgumentException("--secrets " + from + ": " + to.resolve(key) + " holds another " + key
                        + "; delete " + to + " to take the given secrets");
            }
            writePrivate(to.resolve(key), value);
        }
    }

    /** Every secret of {@code keys} as written in {@code dir}, by key (surrounding whitespace stripped). */
    public static Map<String, String> readAll(Path dir, List<String> keys) {
        Map<String, String> secrets = new HashMap<>();
        keys.forEach(k -> secrets.put(k, read(dir, k)));
        return Map.copyOf(secrets);
    }

    public static String read(Path dir, String key) {
        try {
            return Files.readString(dir.resolve(key), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret " + key + " in " + dir, e);
        }
    }
}
