package org.qoscluster.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** A new state directory named after the test class. */
    public static Path stateDir(Class<?> testClass) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss-SSS"));
        return Path.of(property("qos.test.state.dir")).resolve(testClass.getSimpleName() + "-" + stamp).toAbsolutePath();
    }

    /** The shipped defaults, every port replaced by a free one. */
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

    /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
    public static List<Integer> freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(s);
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find " + count + " free ports on loopback", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // the port is free again either way
                }
            }
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
}
