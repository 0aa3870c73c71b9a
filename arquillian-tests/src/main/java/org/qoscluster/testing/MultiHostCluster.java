package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.Main;
import org.qoscluster.launcher.PartStatus;
import org.qoscluster.launcher.RuntimeLayout;
import org.qoscluster.launcher.internal.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster spread over {@link TestHosts}: one configuration file for all hosts, one secrets
 * folder copied to each, and on every host {@code bin/qoscluster up --host NAME} (the launcher's
 * {@link Main}, run inside the host's network namespace), all at once, as an operator would start
 * it on several machines. Each host keeps its own state directory ({@code STATE/NAME}); parts are
 * stopped from here, by their pid files.
 */
public final class MultiHostCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultiHostCluster.class);

    private final TestHosts hosts;
    private final ClusterConfig config;
    private final Path stateRoot;

    private MultiHostCluster(TestHosts hosts, ClusterConfig config, Path stateRoot) {
        this.hosts = hosts;
        this.config = config;
        this.stateRoot = stateRoot;
    }

    /**
     * Starts the cluster described by {@code properties} (laid over the defaults; {@code qos.hosts}
     * is set from {@code hosts}) and waits until every host's launcher reports its parts ready.
     * When one fails, everything started is stopped and the failure carries every launcher's output.
     */
    public static MultiHostCluster start(TestHosts hosts, Map<String, String> properties, Path stateRoot, Duration timeout) {
        Map<String, String> p = new LinkedHashMap<>(properties);
        p.put(ClusterConfig.HOSTS, hosts.hosts().stream().map(h -> h.name() + "=" + h.address()).collect(Collectors.joining(",")));
        ClusterConfig config = ClusterConfig.from(p);
        MultiHostCluster cluster = new MultiHostCluster(hosts, config, stateRoot);
        Path file = stateRoot.resolve("cluster.properties");
        Path secrets = stateRoot.resolve("secrets");
        Secrets.ownerOnly(stateRoot);
        Properties props = new Properties();
        props.putAll(p);
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, "one configuration for every host");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        Secrets.ensure(secrets, ClusterConfig.SECRETS);
        String java = ProcessHandle.current().info().command().orElse("java");
        RuntimeLayout layout = TestRuntime.layout();
        Path runtime = layout.payaraMicroJar().getParent().getParent();
        List<Process> launchers = new ArrayList<>();
        try {
            for (TestHosts.Host h : hosts.hosts()) {
                List<String> up = List.of(java, "-cp", layout.launcherClassPath(), Main.class.getName(), "up",
                        "--host", h.name(), "--config", file.toString(), "--state", cluster.stateDir(h.name()).toString(),
                        "--runtime", runtime.toString(), "--secrets", secrets.toString(),
                        "--timeout", Long.toString(timeout.toSeconds()));
                LOG.info("host={} starting its parts: {}", h.name(), String.join(" ", hosts.exec(h.name(), up)));
                launchers.add(new ProcessBuilder(hosts.exec(h.name(), up)).redirectErrorStream(true)
                        .redirectOutput(cluster.launcherLog(h.name()).toFile()).start());
            }
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < launchers.size(); i++) {
                String host = hosts.hosts().get(i).name();
                Process l = launchers.get(i);
                if (!l.waitFor(timeout.toSeconds() + 60, TimeUnit.SECONDS)) {
                    l.destroyForcibly();
                    failed.add(host + ": the launcher did not return");
                } else if (l.exitValue() != 0) {
                    failed.add(host + ": the launcher exited with " + l.exitValue());
                }
            }
            if (!failed.isEmpty()) {
                throw new IllegalStateException("multi-host cluster start failed: " + failed + "\n" + cluster.launcherOutput());
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            launchers.forEach(Process::destroyForcibly);
            cluster.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            launchers.forEach(Process::destroyForcibly);
            cluster.close();
            throw new IllegalStateException("interrupted while starting the multi-host cluster", e);
        }
    }

    public ClusterConfig config() {
        return config;
    }

    /** The simulated hosts the cluster runs on. */
    public TestHosts hosts() {
        return hosts;
    }

    /** The state directory of {@code host}'s parts (pid files, logs, databases). */
    public Path stateDir(String host) {
        return stateRoot.resolve(host);
    }

    /** The router, at its host's address. */
    public URI storeUri() {
        return nodeUri(config.router().name());
    }

    /** A member's base URI, at its host's address. */
    public URI nodeUri(String member) {
        int port = config.member(member).orElseThrow().httpPort();
        return URI.create("http://" + config.hostOf(member).uriHost() + ":" + port + "/");
    }

    /** The bearer token of the admin endpoints (router and {@code /qos-group}), the same on every host. */
    public String adminToken() {
        return Secrets.read(stateRoot.resolve("secrets"), ClusterConfig.SECRET_ADMIN_TOKEN);
    }

    /** The database password every copy takes (the same on every host). */
    public String dbPassword() {
        return ClusterConfig.dbPassword(Secrets.readAll(stateRoot.resolve("secrets"), ClusterConfig.SECRETS));
    }

    /** A copy of the application's group, at its host's address: its Derby JDBC URL. */
    public String jdbcUrl(String copy) {
        return config.databases().stream().filter(d -> d.name().equals(copy)).findFirst().map(config::jdbcUrl)
                .orElseThrow(() -> new IllegalArgumentException("no copy " + copy + " in " + config.databases()));
    }

    /**
     * Sends {@code signal} ({@code STOP}, {@code CONT}) to the part {@code part} of {@code host},
     * found by its pid file; fails when it does not run.
     */
    public void signal(String host, String part, String signal) throws IOException, InterruptedException {
        PartStatus p = status(host).stream().filter(s -> s.name().equals(part) && s.alive()).findFirst()
                .orElseThrow(() -> new IllegalStateException(part + " does not run on " + host + ": " + status(host)));
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + p.pid() + " (" + part + " on " + host + ") failed");
        }
    }

    /**
     * Runs {@code bin/qoscluster ARGS --state STATE/HOST --runtime ...} inside {@code host}'s
     * namespace, as an operator would on that machine; waits at most {@code within} for it to exit.
     */
    public TestRuntime.Launched launcher(String host, Duration within, String... args) throws IOException, InterruptedException {
        RuntimeLayout layout = TestRuntime.layout();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                layout.launcherClassPath(), Main.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--state", stateDir(host).toString(), "--runtime", layout.payaraMicroJar().getParent().getParent().toString()));
        Path output = Files.createTempFile("qoscluster-launcher-" + host, ".out");
        try {
            Process p = new ProcessBuilder(hosts.exec(host, cmd)).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("launcher " + List.of(args) + " on " + host + " did not exit within " + within + ":\n"
                        + Files.readString(output));
            }
            return new TestRuntime.Launched(p.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Kills the part {@code part} of {@code host} with SIGKILL, as in a crash; returns once it is gone. */
    public void kill(String host, String part) {
        PartStatus p = status(host).stream().filter(s -> s.name().equals(part) && s.alive()).findFirst()
                .orElseThrow(() -> new IllegalStateException(part + " does not run on " + host + ": " + status(host)));
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            h.destroyForcibly();
            h.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    /** What runs on {@code host}, as its pid files say. */
    public List<PartStatus> status(String host) {
        return Cluster.status(stateDir(host));
    }

    /**
     * Every process of {@code host} killed with SIGKILL at once, as when the machine loses power;
     * returns once none is left in its namespace (at most 30 s).
     */
    public void killHost(String host) throws InterruptedException {
        for (long pid : hosts.pids(host)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!hosts.pids(host).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes still in " + host + "'s namespace 30 s after SIGKILL: " + hosts.pids(host));
            }
            Thread.sleep(50);
        }
    }

    /** Each launcher's output and the last {@code lines} lines of every part's log, by host. */
    public String logTails(int lines) {
        StringBuilder out = new StringBuilder(launcherOutput());
        for (TestHosts.Host h : hosts.hosts()) {
            Path logs = stateDir(h.name()).resolve("logs");
            if (!Files.isDirectory(logs)) {
                continue;
            }
            try (Stream<Path> files = Files.list(logs)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".log")).sorted().toList()) {
                    out.append("==== host ").append(h.name()).append(": ").append(f.getFileName()).append('\n')
                            .append(tail(f, lines));
                }
            } catch (IOException e) {
                out.append("cannot list ").append(logs).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    /** Stops every host's parts (from here, by their pid files). */
    @Override
    public void close() {
        for (TestHosts.Host h : hosts.hosts()) {
            try {
                Cluster.stop(stateDir(h.name())).forEach(line -> LOG.info("host={} {}", h.name(), line));
            } catch (RuntimeException e) {
                LOG.warn("host={} cannot stop its parts: {}", h.name(), e.toString());
            }
        }
    }

    private Path launcherLog(String host) {
        return stateRoot.resolve(host + "-up.log");
    }

    private String launcherOutput() {
        StringBuilder out = new StringBuilder();
        for (TestHosts.Host h : hosts.hosts()) {
            out.append("==== host ").append(h.name()).append(": bin/qoscluster up --host ").append(h.name()).append('\n')
                    .append(tail(launcherLog(h.name()), 60));
        }
        return out.toString();
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException e) {
            return "(no " + file + ": " + e.getMessage() + ")\n";
        }
    }
}
