package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs BIND's {@code dig} against a server on 127.0.0.1, as a user would. The build installs dig
 * before the tests (src/test/sh/ensure-dig.sh); when it could not, a test that needs dig fails
 * with the reason it wrote, rather than being skipped.
 */
final class Dig {

    private static final Pattern STATUS = Pattern.compile("status: ([A-Z]+)");

    /** What dig printed: the response code, the A and AAAA addresses of the answer in order, and the whole output. */
    record Answer(String status, List<String> addresses, String output) {
    }

    private Dig() {
    }

    /** The addresses dig gets for {@code name} A from the server on port {@code port}, after checking it says NOERROR. */
    static List<String> addresses(int port, String name) throws IOException, InterruptedException {
        Answer a = ask(port, name, "A");
        assertEquals("NOERROR", a.status(), a.output());
        return a.addresses();
    }

    /** Asks the server on 127.0.0.1:{@code port} for {@code name} {@code type} over UDP, once. */
    static Answer ask(int port, String name, String type) throws IOException, InterruptedException {
        Process dig = new ProcessBuilder(executable(), "+noall", "+comments", "+answer", "+time=3", "+tries=1",
                "@127.0.0.1", "-p", String.valueOf(port), name, type).redirectErrorStream(true).start();
        assertTrue(dig.waitFor(30, TimeUnit.SECONDS), "dig did not end within 30 s");
        String out = new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, dig.exitValue(), "dig failed: " + out);
        Matcher m = STATUS.matcher(out);
        assertTrue(m.find(), "no status in dig's output: " + out);
        List<String> addresses = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (!line.startsWith(";") && f.length == 5 && (f[3].equals("A") || f[3].equals("AAAA"))) {
                addresses.add(f[4]);
            }
        }
        return new Answer(m.group(1), List.copyOf(addresses), out);
    }

    /** dig on the PATH, or a failure carrying the reason the build could not install it. */
    static String executable() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, "dig");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        Path note = Path.of("target", "dig-missing.txt");
        return fail(Files.exists(note) ? Files.readString(note, StandardCharsets.UTF_8).strip()
                : "dig is missing: the build's src/test/sh/ensure-dig.sh installs it (bind9-dnsutils) before the tests; run the tests through Maven");
    }
}
