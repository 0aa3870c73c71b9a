package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated wide-area link between sites, for tests and benchmarks: listens on one address and
 * port and relays, TCP and UDP alike, to a target, each byte and each datagram delayed by a fixed
 * time each way (default 20 ms). {@link #cut()} makes the link a black hole, as a failed WAN link is:
 * nothing passes either way, a connection attempt is accepted by the relay's kernel and then hears
 * nothing; {@link #restore()} lets traffic through again and closes the TCP connections that lost
 * bytes while cut (their peers would have reset them).
 */
public final class WanRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WanRelay.class);
    public static final Duration DEFAULT_DELAY = Duration.ofMillis(20);

    private final InetSocketAddress target;
    private final long delayNanos;
    private final ServerSocket server;
    private final DatagramSocket udp;
    // One thread per direction keeps each direction's bytes in order: equal delays, FIFO.
    private final ScheduledExecutorService toTarget = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "wan-relay-out"));
    private final ScheduledExecutorService toClient = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "wan-relay-back"));
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean up = true;
    private volatile boolean closed;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Map<SocketAddress, DatagramSocket> udpClients = new ConcurrentHashMap<>();

    private record Link(Socket client, Socket upstream, long generation) {
        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private WanRelay(InetSocketAddress listen, InetSocketAddress target, Duration delay) throws IOException {
        this.target = target;
        this.delayNanos = delay.toNanos();
        this.server = new ServerSocket();
        server.bind(listen);
        this.udp = new DatagramSocket(new InetSocketAddress(listen.getAddress(), server.getLocalPort()));
        daemon(this::acceptLoop, "wan-relay-accept").start();
        daemon(this::udpLoop, "wan-relay-udp").start();
        LOG.info("wan-relay {} -> {} delay={} ms each way", listenAddress(), target, delay.toMillis());
    }

    /**
     * A relay listening on {@code listen} (port 0: a free one, the same for TCP and UDP) to
     * {@code target}, adding {@code delay} each way.
     */
    public static WanRelay start(InetSocketAddress listen, InetSocketAddress target, Duration delay) throws IOException {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay " + delay + " is negative");
        }
        if (listen.getAddress() == null || listen.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("listen address " + listen + " is not one address");
        }
        return new WanRelay(listen, target, delay);
    }

    /** {@link #start(InetSocketAddress, InetSocketAddress, Duration)} with {@link #DEFAULT_DELAY}. */
    public static WanRelay start(InetSocketAddress listen, InetSocketAddress target) throws IOException {
        return start(listen, target, DEFAULT_DELAY);
    }

    /** Where the relay listens, TCP and UDP. */
    public InetSocketAddress listenAddress() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Cuts the link: nothing passes either way until {@link #restore()}. */
    public void cut() {
        up = false;
        generation.incrementAndGet();
        LOG.info("wan-relay {} -> {} cut", listenAddress(), target);
    }

    /** Restores the link; connections that lived through the cut are closed. */
    public void restore() {
        long now = generation.get();
        links.removeIf(l -> {
            if (l.generation() < now) {
                l.close();
                return true;
            }
            return false;
        });
        up = true;
        LOG.info("wan-relay {} -> {} restored", listenAddress(), target);
    }

    /** Whether traffic passes. */
    public boolean isUp() {
        return up;
    }

    private boolean passes(long linkGeneration) {
        return up && linkGeneration == generation.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                long gen = generation.get();
                Socket upstream = new Socket();
                Link link = new Link(client, upstream, gen);
                links.add(link);
                daemon(() -> connect(link), "wan-relay-link").start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("wan-relay {} accept failed: {}", listenAddress(), e.toString());
                }
            }
        }
    }

    private void connect(Link link) {
        try {
            if (!up) {
                // A black hole: the client's connection hangs until the link returns and closes it.
                return;
            }
            sleepNanos(delayNanos);
            link.upstream().connect(target, 5_000);
            sleepNanos(delayNanos);
            daemon(() -> pump(link, link.client(), link.upstream(), toTarget), "wan-relay-pump-out").start();
            pump(link, link.upstream(), link.client(), toClient);
        } catch (IOException e) {
            link.close();
            links.remove(link);
        }
    }

    private void pump(Link link, Socket from, Socket to, ScheduledExecutorService lane) {
        byte[] buffer = new byte[16_384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!passes(link.generation())) {
                    continue;
                }
                byte[] chunk = Arrays.copyOf(buffer, n);
                later(lane, () -> {
                    try {
                        if (passes(link.generation())) {
                            out.write(chunk);
                            out.flush();
                        }
                    } catch (IOException e) {
                        link.close();
                    }
                });
            }
            later(lane, () -> {
                try {
                    if (passes(link.generation())) {
                        to.shutdownOutput();
                    }
                } catch (IOException e) {
                    link.close();
                }
            });
        } catch (IOException e) {
            if (passes(link.generation())) {
                later(lane, () -> {
                    link.close();
                    links.remove(link);
                });
            }
        }
    }

    private void udpLoop() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                if (!up) {
                    continue;
                }
                SocketAddress client = packet.getSocketAddress();
                DatagramSocket upstream = udpClients.computeIfAbsent(client, this::udpUpstream);
                byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
                later(toTarget, () -> {
                    if (up) {
                        try {
                            upstream.send(new DatagramPacket(data, data.length, target));
                        } catch (IOException e) {
                            LOG.debug("wan-relay {} udp send failed: {}", listenAddress(), e.toString());
                        }
                    }
                });
            } catch (IOException | java.io.UncheckedIOException e) {
                if (!closed) {
                    LOG.warn("wan-relay {} udp relay failed: {}", listenAddress(), e.toString());
                }
            }
        }
    }

    /** A socket of its own per client, so that the target's answers find their way back. */
    private DatagramSocket udpUpstream(SocketAddress client) {
        try {
            DatagramSocket s = new DatagramSocket(new InetSocketAddress(server.getInetAddress(), 0));
            daemon(() -> {
                byte[] buffer = new byte[65_535];
                while (!closed && !s.isClosed()) {
                    try {
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        s.receive(packet);
                        if (!up) {
                            continue;
                        }
                        byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
                        later(toClient, () -> {
                            if (up) {
                                try {
                                    udp.send(new DatagramPacket(data, data.length, client));
                                } catch (IOException e) {
                                    LOG.debug("wan-relay {} udp reply failed: {}", listenAddress(), e.toString());
                                }
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "wan-relay-udp-back").start();
            return s;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs {@code task} on {@code lane} after the delay; nothing once the relay is closed. */
    private void later(ScheduledExecutorService lane, Runnable task) {
        try {
            java.util.concurrent.ScheduledFuture<?> unused = lane.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        udp.close();
        udpClients.values().forEach(DatagramSocket::close);
        links.forEach(Link::close);
        toTarget.shutdownNow();
        toClient.shutdownNow();
    }

    private static void sleepNanos(long nanos) throws IOException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
