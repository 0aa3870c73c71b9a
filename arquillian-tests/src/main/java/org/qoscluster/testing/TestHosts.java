package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated hosts: Linux network namespaces on one private test subnet. Each host is a namespace
 * with its loopback up and one address, joined by a veth pair to a bridge in the root namespace
 * that has an address of its own on the subnet; the root namespace reaches the subnet through the
 * bridge only (checked with {@code ip route get}), so a test client here talks to the hosts over
 * a network as it would to other machines. A part runs on a host when its command line is
 * prefixed with {@link #exec}.
 *
 * <p>Names carry a random suffix, the subnet ({@code 10.213.X.0/24}) is one that no address or
 * route of this machine uses. {@link #close()} removes everything (processes left in the
 * namespaces, namespaces, links, bridge), and a JVM shutdown hook does the same if the test
 * never gets there. Creating namespaces needs root and {@code ip} (iproute2): without them
 * {@link #create} fails naming what is missing; a test that needs hosts does not skip.
 */
public final class TestHosts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TestHosts.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Path[] IP_COMMANDS = {Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"), Path.of("/usr/bin/ip"), Path.of("/bin/ip")};

    /**
     * One simulated host.
     *
     * @param name      its name in the cluster configuration ({@code qos.hosts})
     * @param namespace its network namespace
     * @param address   its address on the test subnet
     * @param link      the root side of its veth pair, on the bridge: down cuts the host off
     */
    public record Host(String name, String namespace, String address, String link) {
    }

    private final String ip;
    private final String suffix;
    private final String bridge;
    private final String bridgeAddress;
    private final List<Host> hosts = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    private TestHosts(String ip, String suffix, String subnetPrefix) {
        this.ip = ip;
        this.suffix = suffix;
        this.bridge = "qbr" + suffix;
        this.bridgeAddress = subnetPrefix + "1";
        this.hook = new Thread(this::remove, "qos-test-hosts-cleanup-" + suffix);
    }

    /**
     * Creates one namespace per name, each with its address ({@code 10.213.X.2}, {@code .3}, ...),
     * and the bridge ({@code 10.213.X.1}); fails, removing what it made, when anything cannot be made.
     */
    public static TestHosts create(List<String> names) {
        String ip = requireRootAndIp();
        String suffix = HexFormat.of().toHexDigits((byte) RANDOM.nextInt(256)) + HexFormat.of().toHexDigits((byte) RANDOM.nextInt(256));
        TestHosts t = new TestHosts(ip, suffix, unusedSubnet(ip));
        Runtime.getRuntime().addShutdownHook(t.hook);
        try {
            t.build(names);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void build(List<String> names) {
        String prefix = bridgeAddress.substring(0, bridgeAddress.lastIndexOf('.') + 1);
        run(ip, "link", "add", bridge, "type", "bridge");
        run(ip, "addr", "add", bridgeAddress + "/24", "dev", bridge);
        run(ip, "link", "set", bridge, "up");
        for (int i = 0; i < names.size(); i++) {
            String ns = "qos-" + suffix + "-" + names.get(i);
            String root = "qv" + suffix + "r" + i;
            String inside = "qv" + suffix + "n" + i;
            Host h = new Host(names.get(i), ns, prefix + (i + 2), root);
            run(ip, "netns", "add", ns);
            hosts.add(h);
            run(ip, "link", "add", root, "type", "veth", "peer", "name", inside);
            run(ip, "link", "set", inside, "netns", ns);
            run(ip, "link", "set", root, "master", bridge);
            run(ip, "link", "set", root, "up");
            run(ip, "-n", ns, "link", "set", "lo", "up");
            run(ip, "-n", ns, "addr", "add", h.address() + "/24", "dev", inside);
            run(ip, "-n", ns, "link", "set", inside, "up");
            // As docs/hosts.md asks of a database host: TCP keepalive finds a cut-off client's
            // connection dead within about 11 s, so its Derby server rolls back what that client
            // held open (an agent cut off mid-apply holds its replica's epoch row) instead of
            // keeping the locks for the kernel's default two hours.
            run(ip, "netns", "exec", ns, "sh", "-c", "echo 5 > /proc/sys/net/ipv4/tcp_keepalive_time"
                    + " && echo 2 > /proc/sys/net/ipv4/tcp_keepalive_intvl && echo 3 > /proc/sys/net/ipv4/tcp_keepalive_probes");
        }
        for (Host h : hosts) {
            // A packet from here to a host must leave through the bridge, never the default route.
            String route = run(ip, "route", "get", h.address());
            if (!route.contains("dev " + bridge + " ")) {
                throw new IllegalStateException("the route from the root namespace to " + h.address() + " is not the test bridge "
                        + bridge + ": " + route.strip());
            }
        }
        LOG.info("test hosts {} on bridge {} at {}", hosts, bridge, bridgeAddress);
    }

    /** The hosts, in the order given. */
    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** The host named {@code name}. */
    public Host host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no test host " + name + " among " + hosts));
    }

    /** The bridge's own address: where packets from the root namespace come from. */
    public String bridgeAddress() {
        return bridgeAddress;
    }

    /** {@code command} run on {@code host}: {@code ip netns exec NAMESPACE command...}. */
    public List<String> exec(String host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(ip, "netns", "exec", host(host).namespace()));
        cmd.addAll(command);
        return cmd;
    }

    /** Cuts {@code host} off the network (its veth on the bridge down); its processes keep running. */
    public void linkDown(String host) {
        run(ip, "link", "set", host(host).link(), "down");
    }

    /** Connects {@code host} again after {@link #linkDown}. */
    public void linkUp(String host) {
        run(ip, "link", "set", host(host).link(), "up");
    }

    /** The pids of every process in {@code host}'s namespace. */
    public List<Long> pids(String host) {
        String out = run(ip, "netns", "pids", host(host).namespace());
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    }

    /** Removes every process left in the namespaces, the namespaces, their links and the bridge. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        remove();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs or ran
        }
    }

    private synchronized void remove() {
        if (closed) {
            return;
        }
        closed = true;
        for (Host h : hosts) {
            try {
                for (long pid : pids(h.name())) {
                    ProcessHandle.of(pid).ifPresent(p -> {
                        LOG.warn("test host {}: killing pid {} left in namespace {}", h.name(), pid, h.namespace());
                        p.destroyForcibly();
                    });
                }
            } catch (RuntimeException e) {
                LOG.warn("test host {}: cannot list its processes: {}", h.name(), e.getMessage());
            }
        }
        for (Host h : hosts) {
            quietly(ip, "netns", "del", h.namespace());
            quietly(ip, "link", "del", h.link());
        }
        quietly(ip, "link", "del", bridge);
        LOG.info("test hosts {} removed", hosts.stream().map(Host::namespace).toList());
    }

    private static String requireRootAndIp() {
        Optional<Path> ip = java.util.Arrays.stream(IP_COMMANDS).filter(Files::isExecutable).findFirst();
        List<String> missing = new ArrayList<>();
        if (ip.isEmpty()) {
            missing.add("the 'ip' command of iproute2 (looked for " + java.util.Arrays.toString(IP_COMMANDS)
                    + "; apt-get install iproute2)");
        }
        if (!uid().equals("0")) {
            missing.add("root (this JVM runs as uid " + uid() + "; network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot create the test hosts (network namespaces): missing " + String.join(" and ", missing));
        }
        return ip.get().toString();
    }

    private static String uid() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[1]).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** {@code 10.213.X.} for an X that no address or route of this machine uses. */
    private static String unusedSubnet(String ip) {
        String used = run(ip, "-o", "addr") + run(ip, "-o", "route") + run(ip, "-o", "-6", "route");
        for (int attempt = 0; attempt < 50; attempt++) {
            String prefix = "10.213." + RANDOM.nextInt(256) + ".";
            if (!used.contains(prefix) && !used.contains("10.213.0.0/16") && !used.contains("10.0.0.0/8")) {
                return prefix;
            }
        }
        throw new IllegalStateException("no unused test subnet 10.213.X.0/24 on this machine: " + used);
    }

    private static void quietly(String... cmd) {
        try {
            run(cmd);
        } catch (RuntimeException e) {
            // already gone
        }
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }
}
