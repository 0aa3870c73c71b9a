package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Main} as an admin runs it, in its own process: it probes the sites from the start, its
 * log says when a site goes down and up (with the site's name), and SIGTERM stops it.
 */
class MainTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("listening on UDP and TCP 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void shouldLogEachSiteGoingDownAndUpAndStopOnSigterm(@TempDir Path dir) throws Exception {
        try (StandInRouter a = new StandInRouter("a"); StandInRouter b = new StandInRouter("b")) {
            Path config = dir.resolve("site-dns.properties");
            Files.writeString(config, String.join("\n",
                    "qos.site-dns.zone=shop.example.test.",
                    "qos.site-dns.sites=a,b",
                    "qos.site-dns.site.a.addresses=127.0.1.1",
                    "qos.site-dns.site.a.status-url=" + a.url(),
                    "qos.site-dns.site.b.addresses=127.0.2.1",
                    "qos.site-dns.site.b.status-url=" + b.url(),
                    "qos.site-dns.listen.address=127.0.0.1",
                    "qos.site-dns.listen.port=0", ""), StandardCharsets.UTF_8);
            Path logFile = dir.resolve("site-dns.log");
            Process main = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            Log log = new Log(logFile);
            try {
                Matcher listening = LISTENING.matcher(log.await("listening on UDP and TCP"));
                assertTrue(listening.find());
                int port = Integer.parseInt(listening.group(1));
                log.await("site=a up");
                log.await("site=b up");
                assertEquals(List.of("127.0.1.1", "127.0.2.1"), Dig.addresses(port, "shop.example.test."),
                        "a logged change is already in the answers");

                log.mark();
                a.available(false);
                String down = log.await("site=a down");
                assertTrue(down.contains("status 503"), down);
                assertEquals(List.of("127.0.2.1"), Dig.addresses(port, "shop.example.test."));
                log.mark();
                a.available(true);
                log.await("site=a up");
                assertEquals(List.of("127.0.1.1", "127.0.2.1"), Dig.addresses(port, "shop.example.test."));

                log.mark();
                main.destroy(); // SIGTERM
                assertTrue(main.waitFor(30, TimeUnit.SECONDS), "Main did not stop on SIGTERM");
                log.await("stopped");
            } finally {
                main.destroyForcibly();
            }
        }
    }

    /** The process's log file: lines are looked for from the last {@link #mark}. */
    private static final class Log {
        private final Path file;
        private int from;

        Log(Path file) {
            this.file = file;
        }

        /** From now on, only lines written after this are looked at. */
        void mark() throws IOException {
            from = lines().size();
        }

        /** The first line since the mark that holds {@code text}, waiting for it up to the deadline. */
        String await(String text) throws IOException, InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                List<String> all = lines();
                for (int i = from; i < all.size(); i++) {
                    if (all.get(i).contains(text)) {
                        return all.get(i);
                    }
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("no log line with '" + text + "' within " + DEADLINE + "; the log:\n"
                            + String.join("\n", all));
                }
                Thread.sleep(100);
            }
        }

        private List<String> lines() throws IOException {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        }
    }
}
