package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import org.qoscluster.launcher.LauncherException;
import org.qoscluster.launcher.PartStatus;

/**
 * A process of the cluster, started detached with its output in a log file and described by a
 * pid file ({@code run/NAME.pid}) that holds its pid and start time, so that {@code down} stops
 * exactly the process {@code up} started and never a later process that reused the pid.
 */
public final class PartProcess {

    private static final boolean HAVE_SETSID = Files.isExecutable(Path.of("/usr/bin/setsid"));

    private PartProcess() {
    }

    /**
     * Starts {@code given} for part {@code name} (a JVM with the launcher's {@link JvmOptions})
     * and writes its pid file.
     */
    public static PartStatus start(Path stateDir, String name, String kind, int port, List<String> given) {
        List<String> command = JvmOptions.applied(given);
        Path log = logFile(stateDir, name);
        List<String> full = new ArrayList<>();
        if (HAVE_SETSID) {
            // Its own session: a Ctrl-C in the terminal that ran 'up' does not reach the cluster.
            full.add("/usr/bin/setsid");
        }
        full.addAll(command);
        try {
            Files.createDirectories(log.getParent());
            Files.createDirectories(runDir(stateDir));
            Files.writeString(log, "# " + Instant.now() + " starting " + name + ": " + String.join(" ", command) + "\n");
            Process p = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            Properties props = new Properties();
            props.setProperty("pid", Long.toString(p.pid()));
            props.setProperty("start", startTime(p.toHandle()).map(Instant::toString).orElse(""));
            props.setProperty("kind", kind);
            props.setProperty("port", Integer.toString(port));
            props.setProperty("log", log.toString());
            try (Writer w = Files.newBufferedWriter(pidFile(stateDir, name), StandardCharsets.UTF_8)) {
                props.store(w, "QoS Cluster part " + name);
            }
            return new PartStatus(name, kind, p.pid(), port, true, log);
        } catch (IOException e) {
            throw new LauncherException("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage(), e);
        }
    }

    /** Every part that has a pid file in {@code stateDir}, in name order. */
    public static List<PartStatus> list(Path stateDir) {
        Path run = runDir(stateDir);
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        List<PartStatus> parts = new ArrayList<>();
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".pid")).sorted().toList()) {
                parts.add(read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + run, e);
        }
        return Collections.unmodifiableList(parts);
    }

    /** The process of a part, if it is still the one that was started. */
    public static Optional<ProcessHandle> handle(Path stateDir, String name) {
        Path f = pidFile(stateDir, name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return handle(f);
    }

    /** Sends SIGKILL: the part dies at once, as in a crash. Its pid file stays, as after a crash. */
    public static void kill(Path stateDir, String name) {
        kill(stateDir, List.of(name));
    }

    /** Kills every part of {@code names} with SIGKILL at once (all signalled before any is waited for), then waits for each to be gone. */
    public static void kill(Path stateDir, List<String> names) {
        List<ProcessHandle> handles = names.stream().map(name -> handle(stateDir, name)
                .orElseThrow(() -> new LauncherException("part " + name + " is not running in " + stateDir))).toList();
        handles.forEach(ProcessHandle::destroyForcibly);
        handles.forEach(h -> h.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}) to a running part, as {@code kill -SIGNAL} would. */
    public static void signal(Path stateDir, String name, String signal) {
        ProcessHandle h = handle(stateDir, name)
                .orElseThrow(() -> new LauncherException("part " + name + " is not running in " + stateDir));
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(h.pid())).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new LauncherException("kill -" + signal + " " + h.pid() + " (" + name + ") failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new LauncherException("cannot signal " + name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while signalling " + name);
        }
    }

    /**
     * Stops a part: SIGTERM, then SIGKILL after {@code grace}; removes its pid file. A part that
     * is already gone (crashed, killed) only loses its pid file.
     *
     * @return what happened, for the user
     */
    public static String stop(Path stateDir, String name, Duration grace) {
        Path f = pidFile(stateDir, name);
        Optional<ProcessHandle> h = Files.exists(f) ? handle(f) : Optional.empty();
        String outcome = "was not running";
        if (h.isPresent()) {
            ProcessHandle p = h.get();
            p.destroy();
            try {
                p.onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                outcome = "stopped (pid " + p.pid() + ")";
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
                p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
                outcome = "killed after " + grace.toSeconds() + " s (pid " + p.pid() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while stopping " + name, e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new LauncherException("cannot stop " + name, e);
            }
        }
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + f, e);
        }
        return outcome;
    }

    /** The last {@code lines} lines of a part's log. */
    public static String tail(Path log, int lines) {
        if (!Files.exists(log)) {
            return "(no log at " + log + ")";
        }
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    public static Path logFile(Path stateDir, String name) {
        return stateDir.resolve("logs").resolve(name + ".log");
    }

    private static Path runDir(Path stateDir) {
        return stateDir.resolve("run");
    }

    private static Path pidFile(Path stateDir, String name) {
        return runDir(stateDir).resolve(name + ".pid");
    }

    private static PartStatus read(Path f) {
        Properties p = load(f);
        String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
        return new PartStatus(name, p.getProperty("kind", "?"), Long.parseLong(p.getProperty("pid", "-1")),
                Integer.parseInt(p.getProperty("port", "0")), handle(f).isPresent(), Path.of(p.getProperty("log", "")));
    }

    private static Optional<ProcessHandle> handle(Path f) {
        Properties p = load(f);
        long pid;
        try {
            pid = Long.parseLong(p.getProperty("pid", ""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String start = p.getProperty("start", "");
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(h -> start.isEmpty() || startTime(h).map(i -> i.toString().equals(start)).orElse(true));
    }

    private static Optional<Instant> startTime(ProcessHandle h) {
        return h.info().startInstant();
    }

    private static Properties load(Path f) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            // An unreadable pid file describes no process we can find; it is removed on stop.
        }
        return p;
    }
}
