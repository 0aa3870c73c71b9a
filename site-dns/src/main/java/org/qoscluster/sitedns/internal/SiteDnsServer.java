package org.qoscluster.sitedns.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.qoscluster.sitedns.SiteDnsConfig;
import org.qoscluster.sitedns.ZoneAnswerer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site DNS server's I/O: one UDP socket and one TCP listener on the configured address and
 * port (the same port for both; port 0 picks a free one), each query handed to
 * {@link ZoneAnswerer}. TCP carries several queries per connection, each with its two-byte
 * length; a connection idle for the configured time is closed, and connections past the
 * configured number are closed at once. A bad packet never stops the server; it is logged at
 * most once per source address per minute.
 */
public final class SiteDnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SiteDnsServer.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_SOURCES_REMEMBERED = 10_000;

    private final ZoneAnswerer answerer;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService connections;
    private final Thread udpLoop;
    private final Thread acceptLoop;
    private final int idleMillis;
    private final LongSupplier nanoClock;
    private final Map<InetAddress, Long> lastLogged = new ConcurrentHashMap<>();
    private final AtomicLong malformed = new AtomicLong();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private SiteDnsServer(ZoneAnswerer answerer, DatagramSocket udp, ServerSocket tcp, SiteDnsConfig config,
            LongSupplier nanoClock) {
        this.answerer = answerer;
        this.udp = udp;
        this.tcp = tcp;
        this.idleMillis = config.tcpIdleTimeoutMillis();
        this.nanoClock = nanoClock;
        this.connections = new ThreadPoolExecutor(0, config.maxTcpConnections(), 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> daemon(r, "site-dns-tcp"));
        this.udpLoop = daemon(this::serveUdp, "site-dns-udp");
        this.acceptLoop = daemon(this::acceptTcp, "site-dns-accept");
    }

    /** Binds both listeners and starts serving. */
    public static SiteDnsServer start(SiteDnsConfig config, ZoneAnswerer answerer) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(config.listenAddress(), config.listenPort()), 64);
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(config.listenAddress(), tcp.getLocalPort()));
                SiteDnsServer s = new SiteDnsServer(answerer, udp, tcp, config, System::nanoTime);
                s.udpLoop.start();
                s.acceptLoop.start();
                LOG.info("site-dns={} listening on UDP and TCP {}:{}, policy {}", config.zone(),
                        config.listenAddress().getHostAddress(), tcp.getLocalPort(), config.policy().key());
                return s;
            } catch (IOException e) {
                tcp.close();
                last = e;
                if (config.listenPort() != 0) {
                    break; // a fixed port taken: no point trying again
                }
            }
        }
        throw new IOException("cannot listen on " + config.listenAddress().getHostAddress() + ":" + config.listenPort(), last);
    }

    /** The port both listeners are bound to. */
    public int port() {
        return tcp.getLocalPort();
    }

    /** Packets dropped or answered FORMERR so far. */
    public long malformed() {
        return malformed.get();
    }

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] wire = Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset() + packet.getLength());
                ZoneAnswerer.Reply reply = answerer.answer(wire, packet.getAddress(), false);
                report(reply, packet.getAddress(), "udp");
                if (reply.bytes().isPresent()) {
                    byte[] out = reply.bytes().get();
                    udp.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("site-dns udp source={} failed: {}", packet.getAddress(), e.toString());
                }
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("site-dns tcp accept failed: {}", e.toString());
                }
                continue;
            }
            try {
                open.add(s);
                connections.execute(() -> serveTcp(s));
            } catch (RejectedExecutionException full) {
                open.remove(s);
                if (admitLog(s.getInetAddress())) {
                    LOG.warn("site-dns tcp source={} refused: every connection slot is taken", s.getInetAddress().getHostAddress());
                }
                closeQuietly(s);
            }
        }
    }

    private void serveTcp(Socket s) {
        InetAddress source = s.getInetAddress();
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            s.setSoTimeout(idleMillis);
            while (!closed) {
                int length = readLength(in);
                if (length < 0) {
                    return; // the client closed
                }
                if (length > ZoneAnswerer.MAX_QUERY_BYTES) {
                    report(new ZoneAnswerer.Reply(Optional.empty(), Optional.of("oversized query (" + length + " bytes)")), source, "tcp");
                    return; // its bytes are not worth reading: close
                }
                byte[] wire = new byte[length];
                in.readFully(wire);
                ZoneAnswerer.Reply reply = answerer.answer(wire, source, true);
                report(reply, source, "tcp");
                if (reply.bytes().isEmpty()) {
                    return;
                }
                out.writeShort(reply.bytes().get().length);
                out.write(reply.bytes().get());
                out.flush();
            }
        } catch (SocketTimeoutException idle) {
            // idle past the time-out: closed
        } catch (IOException | RuntimeException e) {
            if (!closed && admitLog(source)) {
                LOG.warn("site-dns tcp source={} connection failed: {}", source.getHostAddress(), e.toString());
            }
        } finally {
            open.remove(s);
        }
    }

    private static int readLength(InputStream in) throws IOException {
        int high = in.read();
        if (high < 0) {
            return -1;
        }
        int low = in.read();
        if (low < 0) {
            throw new EOFException("connection closed inside a length prefix");
        }
        return (high << 8) | low;
    }

    private void report(ZoneAnswerer.Reply reply, InetAddress source, String transport) {
        if (reply.problem().isEmpty()) {
            return;
        }
        malformed.incrementAndGet();
        if (admitLog(source)) {
            LOG.warn("site-dns {} source={} {}: {}", transport, source.getHostAddress(),
                    reply.bytes().isPresent() ? "answered FORMERR" : "dropped", reply.problem().get());
        }
    }

    /** True at most once per source address per minute; the memory of sources is bounded. */
    private boolean admitLog(InetAddress source) {
        long now = nanoClock.getAsLong();
        if (lastLogged.size() >= MAX_SOURCES_REMEMBERED) {
            lastLogged.clear();
        }
        Long before = lastLogged.get(source);
        if (before != null && now - before < LOG_INTERVAL_NANOS) {
            return false;
        }
        return before == null ? lastLogged.putIfAbsent(source, now) == null : lastLogged.replace(source, before, now);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        udp.close();
        tcp.close();
        connections.shutdownNow();
        open.forEach(SiteDnsServer::closeQuietly); // a blocked read ends only when its socket closes
    }
}
