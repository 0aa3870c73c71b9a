package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qoscluster.contract.GroupState;

/** The write-path proxy over real loopback sockets, with two line servers standing in for two copies. */
class MasterProxyTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final List<Long> fenced = new CopyOnWriteArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    /** Answers every line with "NAME:line". */
    private InetSocketAddress copy(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    open.add(s);
                    threads.execute(() -> {
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                             PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                out.println(name + ":" + line);
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private MasterProxy proxy(Duration waitForOpen) throws IOException {
        ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress gone = (InetSocketAddress) closed.getLocalSocketAddress();
        closed.close(); // a copy that died: its port refuses
        Map<String, InetSocketAddress> copies = Map.of("a", copy("a"), "b", copy("b"), "gone", gone);
        MasterProxy p = new MasterProxy("node-t", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                n -> Optional.ofNullable(copies.get(n)), waitForOpen, fenced::add, (epoch, event, millis) -> seen.add(epoch + " " + event));
        p.start();
        open.add(p);
        return p;
    }

    private Socket connect(MasterProxy p) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), p.port());
        s.setSoTimeout(5_000);
        open.add(s);
        return s;
    }

    private static String ask(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        threads.shutdownNow();
    }

    @Test
    void relaysToTheMasterOfTheOpenEpochAndCutsItsConnectionsWhenTheGroupMovesOn() throws Exception {
        MasterProxy p = proxy(Duration.ofSeconds(5));
        GroupState one = GroupState.initial("a", List.of(new GroupState.Copy("a", "127.0.0.1", 1, 1),
                new GroupState.Copy("b", "127.0.0.1", 2, 2)), 0);
        p.follow(one);
        Socket old = connect(p);
        assertEquals("a:hello", ask(old, "hello"));
        assertEquals(List.of(1L), fenced);

        GroupState promoting = one.promoting("b", 10, 1);
        p.follow(promoting);
        assertEquals(List.of(1L, 2L), fenced, "fenced to epoch 2 once the old connections are closed");
        assertEquals(-1, old.getInputStream().read(), "the connection to the deposed master is closed");

        // A connection made during the promotion waits for the new master.
        Future<String> waiting = threads.submit(() -> ask(connect(p), "again"));
        Thread.sleep(200);
        assertTrue(!waiting.isDone(), "nothing is relayed while the new master is not open");
        p.follow(promoting.opened(2));
        assertEquals("b:again", waiting.get(5, TimeUnit.SECONDS));

        p.follow(one);
        assertEquals("b:later", ask(connect(p), "later"), "an older state that arrives late changes nothing");
        assertEquals(List.of("1 write-path-open", "1 first-relay", "2 write-path-fenced", "2 write-path-open", "2 first-relay"), seen,
                "each moment of the change told once, in order");
    }

    @Test
    void relaysNothingWhileHeldAndRelaysAgainOnceReleased() throws Exception {
        MasterProxy p = proxy(Duration.ofSeconds(5));
        p.follow(GroupState.initial("a", List.of(new GroupState.Copy("a", "127.0.0.1", 1, 1)), 0));
        Socket before = connect(p);
        assertEquals("a:hello", ask(before, "hello"));
        p.hold(true);
        assertEquals(-1, before.getInputStream().read(), "a held write path closes what it relays");
        Future<String> waiting = threads.submit(() -> ask(connect(p), "again"));
        Thread.sleep(200);
        assertTrue(!waiting.isDone(), "nothing is relayed while held");
        p.hold(false);
        assertEquals("a:again", waiting.get(5, TimeUnit.SECONDS), "released: the waiting connection reaches the master");
        assertEquals(List.of(1L), fenced, "the epoch did not change");
    }

    @Test
    void tellsOnceThatTheOpenMasterRefusedAConnection() throws Exception {
        MasterProxy p = proxy(Duration.ofSeconds(5));
        p.follow(GroupState.initial("gone", List.of(new GroupState.Copy("gone", "127.0.0.1", 1, 1)), 0));
        for (int i = 0; i < 2; i++) {
            assertEquals(-1, connect(p).getInputStream().read(), "closed: its master refuses");
        }
        assertEquals(List.of("1 write-path-open", "2 " + MasterProxy.MASTER_REFUSED), seen, "as the next epoch's, once");
    }

    @Test
    void closesAConnectionThatFindsNoOpenMasterInTime() throws Exception {
        MasterProxy p = proxy(Duration.ofMillis(300));
        Socket s = connect(p);
        long t0 = System.nanoTime();
        assertEquals(-1, s.getInputStream().read(), "closed: no group state at all");
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L);
        assertTrue(fenced.isEmpty());
    }
}
