package org.qoscluster.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.RuntimeLayout;

/**
 * What a test needs to start parts: the built runtime ({@code qos.runtime.dir}), a fresh state
 * directory under {@code qos.test.state.dir}, and a configuration on free loopback ports.
 */
public final class TestRuntime {

    private TestRuntime() {
    }

    public static RuntimeLayout layout() {
        return RuntimeLayout.at(Path.of(property("qos.runtime.dir")));
    }

    /**
     * Where a WAR deployed by Arquillian on its one Payara Micro node answers, on loopback: the
     * port of the container's URL and the context root Payara Micro gives a WAR, its file name
     * without {@code .war}. The path of the container's URL is not used: the container reads the
     * deployment's servlets from Payara's output, and once it found none (it logged the host and
     * port but no "Deployed application detected") and gave the server's root, so every request of
     * the test class went to Payara's default module and got its 404.
     */
    public static java.net.URI deployedAt(java.net.URL container, Path war) {
        String name = war.getFileName().toString();
        if (!name.endsWith(".war")) {
            throw new IllegalArgumentException("not a WAR file name: " + war);
        }
        return java.net.URI.create("http://127.0.0.1:" + container.getPort() + "/" + name.substring(0, name.length() - 4) + "/");
    }

    /** A new state directory named after the test class. */
    public static Path stateDir(Class<?> testClass) {
        String stamp = LocalDateTime.now(java.time.ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("HHmmss-SSS"));
        return Path.of(property("qos.test.state.dir")).resolve(testClass.getSimpleName() + "-" + stamp).toAbsolutePath();
    }

    /** Where {@link #freePorts} starts looking: above the ports services usually have. */
    private static final int FIRST_PORT = 20000;

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /** The shipped defaults, every port replaced by a free one. */
    /** The launcher's warm-up limit of the database servers (off unless set). */
    public static final String WARM_UP = "qos.replication.warm-up-seconds";

    public static ClusterConfig freePortConfig(int nodes, int replicas) {
        return freePortConfig(nodes, replicas, Map.of());
    }

    /**
     * The shipped defaults with {@code overrides}, every port replaced by a free one; an override
     * whose value is {@code free:N} gets N free ports (a further group's, for example).
     */
    public static ClusterConfig freePortConfig(int nodes, int replicas, Map<String, String> overrides) {
        int extra = overrides.values().stream().filter(v -> v.startsWith("free:")).mapToInt(v -> Integer.parseInt(v.substring(5))).sum();
        List<Integer> ports = freePorts(2 + 2 * nodes + replicas + 1 + nodes + extra);
        Map<String, String> p = new HashMap<>(overrides);
        int next = 3 + 3 * nodes + replicas;
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (e.getValue().startsWith("free:")) {
                int n = Integer.parseInt(e.getValue().substring(5));
                p.put(e.getKey(), join(ports.subList(next, next + n)));
                next += n;
            }
        }
        p.put(ClusterConfig.CLUSTER_NAME, "test-" + ports.get(0));
        p.put(ClusterConfig.ROUTER_HTTP_PORT, ports.get(0).toString());
        p.put(ClusterConfig.ROUTER_HAZELCAST_PORT, ports.get(1).toString());
        p.put(ClusterConfig.NODE_HTTP_PORTS, join(ports.subList(2, 2 + nodes)));
        p.put(ClusterConfig.NODE_HAZELCAST_PORTS, join(ports.subList(2 + nodes, 2 + 2 * nodes)));
        p.put(ClusterConfig.DB_REPLICA_PORTS, join(ports.subList(2 + 2 * nodes, 2 + 2 * nodes + replicas)));
        p.put(ClusterConfig.DB_MASTER_PORT, ports.get(2 + 2 * nodes + replicas).toString());
        p.put(ClusterConfig.NODE_DB_PROXY_PORTS, join(ports.subList(3 + 2 * nodes + replicas, 3 + 3 * nodes + replicas)));
        return ClusterConfig.from(p);
    }

    /**
     * {@code count} distinct ports that were free on 127.0.0.1 a moment ago, none handed out
     * before by this JVM. They are taken below the kernel's ephemeral range
     * ({@code ip_local_port_range}): a port from that range can be taken by an outgoing connection
     * between being chosen here and bound by the server it is for (Hazelcast's "Port [...] is
     * already in use" at a node's boot).
     */
    public static synchronized List<Integer> freePorts(int count) {
        int low = FIRST_PORT;
        int high = ephemeralLow() - 1;
        int span = high - low + 1;
        List<Integer> ports = new ArrayList<>();
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span && ports.size() < count; i++) {
            int port = low + (start + i) % span;
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                ports.add(port);
                HANDED_OUT.add(port);
            } catch (IOException e) {
                // in use: the next one
            }
        }
        if (ports.size() < count) {
            throw new IllegalStateException("cannot find " + count + " free ports on loopback between " + low + " and " + high);
        }
        return List.copyOf(ports);
    }

    /** The first port of the kernel's ephemeral range (Linux), or 32768 (the usual one) where it cannot be read. */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int first = Integer.parseInt(range.split("\\s+")[0]);
            return first > FIRST_PORT + 1000 ? first : 32768;
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    private static String join(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String property(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set; run the tests through Maven "
                    + "(mvn verify), which sets it");
        }
        return v;
    }

    /** What a launcher command printed (standard output and error together) and its exit status. */
    public record Launched(int exit, String output) {
    }

    /**
     * Runs the launcher as {@code bin/qoscluster} does, in its own JVM, with the runtime under
     * test; waits at most {@code within} for it to exit.
     */
    public static Launched launcher(Duration within, String... args) throws IOException, InterruptedException {
        Path runtime = Path.of(System.getProperty("qos.runtime.dir"));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", runtime.resolve("launcher") + "/*", "org.qoscluster.launcher.Main"));
        cmd.addAll(List.of(args));
        Path output = Files.createTempFile("qoscluster-launcher", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = p.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly();
            }
            String out = Files.readString(output);
            if (!exited) {
                throw new IllegalStateException("launcher " + List.of(args) + " did not exit within " + within + ":\n" + out);
            }
            return new Launched(p.exitValue(), out);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** {@link #launcher(Duration, String...)} for commands that return within a minute. */
    public static Launched launcher(String... args) throws IOException, InterruptedException {
        return launcher(Duration.ofMinutes(1), args);
    }

    /** The launcher's Main as {@code bin/qoscluster} runs it, in its own JVM, on {@code cluster}'s state directory. */
    public static Launched launcherOn(org.qoscluster.launcher.Cluster cluster, Duration within, String... args)
            throws IOException, InterruptedException {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--state", cluster.stateDir().toString()));
        return launcher(within, all.toArray(String[]::new));
    }
}
