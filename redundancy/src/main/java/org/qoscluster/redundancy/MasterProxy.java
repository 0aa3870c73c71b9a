package org.qoscluster.redundancy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.Logs;

/**
 * A node's write path to its redundancy group's master: a TCP proxy on loopback that
 * the node's master connection pool points at. It relays each connection, byte for byte, to the
 * copy that is master in the current epoch, and it is the fence: when the group moves to a new
 * epoch it closes every connection of an older one (so nothing more the application sends
 * reaches a deposed master, and no answer from it reaches the application), refuses to relay
 * while a promotion is under way (a new connection waits up to {@code waitForOpen} for the new
 * master, then is closed), and only then tells {@code fenced} the epoch it now holds to. The
 * coordinator opens the new master for writes once every write path has said so (or its bound
 * has passed, see {@link Coordinator}).
 *
 * <p>Nothing here knows the database protocol: the application's JDBC driver speaks to the
 * master through it, and a closed connection reaches the pool as a broken connection.
 */
public final class MasterProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MasterProxy.class.getName());
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final InetSocketAddress listen;
    private final Function<String, Optional<InetSocketAddress>> addressOf;
    private final Duration waitForOpen;
    private final LongConsumer fenced;
    private final Observer observer;
    private final String name;
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads;
    private final AtomicInteger ids = new AtomicInteger();
    private GroupState state;
    /** The newest epoch whose first connection to its master has been relayed. */
    private long relayedEpoch;
    /** The newest epoch this path has told the observer is open. */
    private long openSaid;
    /** The newest epoch whose master's refusal was told. */
    private long refusedSaid;
    /** When the first connection of an epoch not yet told open was relayed (0: none): told right after its opening. */
    private long pendingRelayAt;
    private ServerSocket server;
    private volatile boolean closed;
    /** Whether the site's write path is held ({@link #hold}): nothing is relayed. */
    private boolean held;

    /**
     * Told of the moments of a change of masters on this write path, for the group's timeline:
     * {@link #EVENTS}, each once per epoch and in that order, with when it happened (epoch ms);
     * sometimes under the proxy's lock, so it must only hand them on (never block).
     */
    @FunctionalInterface
    public interface Observer {
        void seen(long epoch, String event, long epochMillis);
    }

    /**
     * A write path's events of a change of masters, in order: it fenced to the new epoch (every
     * connection of an older one closed), it saw the new master open, it relayed its first
     * connection to it (the node's pool or a waiting application reached it).
     */
    public static final java.util.List<String> EVENTS = java.util.List.of("write-path-fenced", "write-path-open", "first-relay");

    /**
     * Told, before those, of the epoch after the current one, once: the open master refused a
     * connection (the first sign of its death a node has, with writes flowing).
     */
    public static final String MASTER_REFUSED = "master-refused";

    /** A write path whose moments nobody records. */
    public MasterProxy(String name, InetSocketAddress listen, Function<String, Optional<InetSocketAddress>> addressOf,
                       Duration waitForOpen, LongConsumer fenced) {
        this(name, listen, addressOf, waitForOpen, fenced, (epoch, event, millis) -> { });
    }

    /**
     * @param addressOf the address of a database copy by its name
     * @param fenced    told the epoch once every connection of an older one is closed
     * @param observer  told of each of {@link #EVENTS} as it happens
     */
    public MasterProxy(String name, InetSocketAddress listen, Function<String, Optional<InetSocketAddress>> addressOf,
                       Duration waitForOpen, LongConsumer fenced, Observer observer) {
        this.name = name;
        this.observer = observer;
        this.listen = listen;
        this.addressOf = addressOf;
        this.waitForOpen = waitForOpen;
        this.fenced = fenced;
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "qos-master-proxy-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Listens; connections wait for the first {@link #follow} with an open epoch. */
    public synchronized void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(listen, 128);
        threads.execute(this::accept);
        LOG.log(Level.INFO, "member={0} write path listening on {1}; waiting for the group''s master", new Object[] {name, listen});
    }

    /** The port it listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * Follows the group to {@code next} (ignored when older than what it has): connections of an
     * older epoch, and of this epoch while it is not open, are closed before this returns.
     */
    public void follow(GroupState next) {
        long fencedTo;
        boolean newEpoch;
        long at;
        synchronized (this) {
            if (state != null && (next.epoch() < state.epoch()
                    || (next.epoch() == state.epoch() && state.open() && !next.open()))) {
                return;
            }
            boolean changed = state == null || state.epoch() != next.epoch() || state.open() != next.open();
            newEpoch = state != null && state.epoch() != next.epoch();
            state = next;
            // Before a waiting connection can see it: the opening is told before any relay of it.
            at = System.currentTimeMillis();
            notifyAll();
            if (!changed) {
                return;
            }
            fencedTo = next.epoch();
        }
        int cut = 0;
        for (Relay r : relays) {
            if (r.epoch < fencedTo) {
                r.close();
                cut++;
            }
        }
        if (cut > 0) {
            LOG.log(Level.WARNING, "member={0} epoch {1} ({2}, {3}): closed {4} connections to the previous master",
                    new Object[] {name, String.valueOf(fencedTo), next.master(), next.phase(), String.valueOf(cut)});
        } else {
            LOG.log(Level.INFO, "member={0} epoch {1}: master {2}, {3}",
                    new Object[] {name, String.valueOf(fencedTo), next.master(), next.phase()});
        }
        fenced.accept(fencedTo);
        if (newEpoch) {
            observer.seen(fencedTo, "write-path-fenced", System.currentTimeMillis());
        }
        // Told under the lock, as the first relay is: in order (the observer only hands them on).
        synchronized (this) {
            if (!next.open() || fencedTo <= openSaid) {
                return;
            }
            openSaid = fencedTo;
            observer.seen(fencedTo, "write-path-open", at);
            if (relayedEpoch == fencedTo && pendingRelayAt > 0) {
                observer.seen(fencedTo, "first-relay", pendingRelayAt);
            }
            pendingRelayAt = 0;
        }
    }

    /**
     * Holds the write path ({@code true}: every relayed connection is closed and new ones wait, as
     * while a promotion is under way) or lets it relay again: the fence of a master's site that
     * reaches no other site of a group across sites ({@link SiteMastership}).
     */
    public void hold(boolean hold) {
        synchronized (this) {
            if (held == hold) {
                return;
            }
            held = hold;
            notifyAll();
        }
        if (hold) {
            int cut = relays.size();
            relays.forEach(Relay::close);
            LOG.log(Level.WARNING, "member={0} write path held: this site reaches no other site; closed {1} connections to the master",
                    new Object[] {name, String.valueOf(cut)});
        } else {
            LOG.log(Level.WARNING, "member={0} write path relays again", name);
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                threads.execute(() -> relay(client));
            } catch (IOException e) {
                if (!closed) {
                    Logs.log(LOG, Level.WARNING, e, "member={0} write path: accept failed", name);
                }
            }
        }
    }

    private void relay(Socket client) {
        GroupState target;
        try {
            target = awaitOpen();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quietly(client);
            return;
        }
        if (target == null) {
            LOG.log(Level.WARNING, "member={0} write path: no open master within {1} ms; connection refused",
                    new Object[] {name, String.valueOf(waitForOpen.toMillis())});
            quietly(client);
            return;
        }
        Optional<InetSocketAddress> address = addressOf.apply(target.master());
        if (address.isEmpty()) {
            LOG.log(Level.WARNING, "member={0} write path: the group names master ''{1}'', which is not a configured copy;"
                    + " connection refused", new Object[] {name, target.master()});
            quietly(client);
            return;
        }
        Socket upstream = new Socket();
        try {
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            upstream.connect(address.get(), CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            LOG.log(Level.FINE, "member={0} write path: {1} refused: {2}", new Object[] {name, target.master(), e});
            refused(target);
            quietly(client);
            quietly(upstream);
            return;
        }
        Relay r = new Relay(ids.incrementAndGet(), target.epoch(), client, upstream);
        relays.add(r);
        // Registered, then checked: a fence that came in between has closed it or closes it now.
        synchronized (this) {
            if (state.epoch() != target.epoch() || !state.open() || closed || held) {
                r.close();
                return;
            }
            if (target.epoch() > relayedEpoch) {
                relayedEpoch = target.epoch();
                if (openSaid < target.epoch()) {
                    pendingRelayAt = System.currentTimeMillis(); // its opening is being told: after it
                } else {
                    observer.seen(target.epoch(), "first-relay", System.currentTimeMillis());
                }
            }
        }
        threads.execute(() -> pump(r, client, upstream));
        pump(r, upstream, client);
    }

    /**
     * The open master of {@code target}'s epoch refused a connection: told once per epoch, as
     * {@code master-refused} of the next epoch (the change it may lead to), so that the
     * coordinator probes the master at once instead of at its next beat.
     */
    private synchronized void refused(GroupState target) {
        if (target.epoch() > refusedSaid && state != null && state.epoch() == target.epoch()) {
            refusedSaid = target.epoch();
            observer.seen(target.epoch() + 1, MASTER_REFUSED, System.currentTimeMillis());
        }
    }

    private synchronized GroupState awaitOpen() throws InterruptedException {
        long deadline = System.nanoTime() + waitForOpen.toNanos();
        while (!closed && (state == null || !state.open() || held)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return closed ? null : state;
    }

    private void pump(Relay r, Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException e) {
            // closed by the other pump, by a fence or by a peer
        } catch (IOException e) {
            Logs.log(LOG, Level.FINE, e, "member={0} write path: relay {1} failed", name, String.valueOf(r.id));
        } finally {
            r.close();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (server != null) {
            quietly(server);
        }
        relays.forEach(Relay::close);
        threads.shutdownNow();
    }

    private static void quietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** One relayed connection and the epoch it belongs to. */
    private final class Relay {
        final int id;
        final long epoch;
        final Socket client;
        final Socket upstream;

        Relay(int id, long epoch, Socket client, Socket upstream) {
            this.id = id;
            this.epoch = epoch;
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            relays.remove(this);
            // The upstream first, reset rather than closed: what it has not sent yet is dropped,
            // not one more byte for a deposed master.
            try {
                upstream.setSoLinger(true, 0);
            } catch (SocketException e) {
                // closed already
            }
            quietly(upstream);
            quietly(client);
        }
    }
}
