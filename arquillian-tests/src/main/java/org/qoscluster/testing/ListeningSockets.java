package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, as the Linux kernel reports them: the process's open
 * files ({@code /proc/PID/fd}) name socket inodes, and {@code /proc/PID/net/tcp} and
 * {@code /proc/PID/net/tcp6} (the tables of the process's own network namespace, so also of a
 * process on a simulated host, see {@link TestHosts}) give each listening inode's local address.
 * What {@code ss -ltnp} shows, without depending on {@code ss}.
 */
public final class ListeningSockets {

    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** One listening socket of a process. */
    public record Listener(long pid, InetSocketAddress address) {

        /** Whether it accepts on every interface (0.0.0.0 or ::). */
        public boolean wildcard() {
            return address.getAddress().isAnyLocalAddress();
        }

        @Override
        public String toString() {
            return address.getAddress().getHostAddress() + ":" + address.getPort() + " (pid " + pid + ")";
        }
    }

    /** Every listening TCP socket of {@code pid} and its descendants. */
    public static List<Listener> of(long pid) {
        List<Listener> found = new ArrayList<>();
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        for (long p : pids) {
            Map<Long, InetSocketAddress> byInode = listeningInodes(p);
            for (long inode : socketInodes(p)) {
                InetSocketAddress a = byInode.get(inode);
                if (a != null) {
                    found.add(new Listener(p, a));
                }
            }
        }
        return List.copyOf(found);
    }

    private static Set<Long> socketInodes(long pid) {
        Set<Long> inodes = new HashSet<>();
        Path fds = Path.of("/proc", Long.toString(pid), "fd");
        try (Stream<Path> files = Files.list(fds)) {
            for (Path fd : files.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the open files of pid " + pid + " (is it running?)", e);
        }
        return inodes;
    }

    /** Listening inode to local address, over IPv4 and IPv6, in the network namespace of {@code pid}. */
    private static Map<Long, InetSocketAddress> listeningInodes(long pid) {
        Map<Long, InetSocketAddress> map = new HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path p = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + p, e);
            }
            for (String line : lines.subList(1, lines.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals(LISTEN)) {
                    map.put(Long.parseLong(f[9]), address(f[1]));
                }
            }
        }
        return map;
    }

    /** {@code 0100007F:1F90} (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order. */
    static InetSocketAddress address(String hexAddressAndPort) {
        int colon = hexAddressAndPort.indexOf(':');
        String hex = hexAddressAndPort.substring(0, colon);
        int port = Integer.parseInt(hexAddressAndPort.substring(colon + 1), 16);
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            // An IPv4-mapped IPv6 address comes back as the IPv4 address it maps.
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hexAddressAndPort, e);
        }
    }
}
