package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay over real sockets: a TCP and a UDP echo server behind it. */
class WanRelayTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private ServerSocket echo;
    private DatagramSocket udpEcho;
    private WanRelay relay;

    @BeforeEach
    void echoServers() throws IOException {
        echo = new ServerSocket(0, 50, LOOPBACK);
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the client went
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        udpEcho = new DatagramSocket(new InetSocketAddress(LOOPBACK, echo.getLocalPort()));
        Thread u = new Thread(() -> {
            byte[] b = new byte[1500];
            while (!udpEcho.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    udpEcho.receive(p);
                    udpEcho.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
        u.setDaemon(true);
        u.start();
        relay = WanRelay.start(new InetSocketAddress(LOOPBACK, 0), new InetSocketAddress(LOOPBACK, echo.getLocalPort()),
                Duration.ofMillis(50));
    }

    @AfterEach
    void close() throws IOException {
        relay.close();
        echo.close();
        udpEcho.close();
    }

    private static byte[] roundTrip(Socket s, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(sent);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(sent.length);
    }

    @Test
    void relaysTcpBothWaysWithTheDelayEachWay() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(relay.listenAddress(), 2_000);
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), roundTrip(s, "hello"));
            long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            // The delay is added, never taken away: at least 50 ms each way.
            assertTrue(ms >= 100, "round trip " + ms + " ms");
            assertArrayEquals("a second message".getBytes(StandardCharsets.UTF_8), roundTrip(s, "a second message"));
        }
    }

    @Test
    void relaysUdpBothWays() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.setSoTimeout(10_000);
            byte[] q = {1, 2, 3};
            s.send(new DatagramPacket(q, q.length, relay.listenAddress()));
            DatagramPacket answer = new DatagramPacket(new byte[16], 16);
            s.receive(answer);
            assertEquals(3, answer.getLength());
            assertEquals(relay.listenAddress().getPort(), answer.getPort());
        }
    }

    @Test
    void aCutLinkPassesNothingAndARestoredOneClosesTheOldConnections() throws IOException {
        try (Socket old = new Socket()) {
            old.connect(relay.listenAddress(), 2_000);
            old.setSoTimeout(10_000);
            assertArrayEquals("before".getBytes(StandardCharsets.UTF_8), roundTrip(old, "before"));
            relay.cut();
            assertFalse(relay.isUp());
            old.setSoTimeout(500);
            old.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
            assertThrows(SocketTimeoutException.class, () -> old.getInputStream().read());
            try (Socket during = new Socket(); DatagramSocket u = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                during.connect(relay.listenAddress(), 2_000);
                during.setSoTimeout(500);
                during.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
                assertThrows(SocketTimeoutException.class, () -> during.getInputStream().read());
                u.setSoTimeout(500);
                u.send(new DatagramPacket(new byte[] {9}, 1, relay.listenAddress()));
                assertThrows(SocketTimeoutException.class, () -> u.receive(new DatagramPacket(new byte[4], 4)));
            }
            relay.restore();
            old.setSoTimeout(10_000);
            // The connection that lost bytes is closed: end of stream or a reset.
            try {
                assertEquals(-1, old.getInputStream().read());
            } catch (IOException reset) {
                // as a peer's reset would
            }
        }
        try (Socket after = new Socket()) {
            after.connect(relay.listenAddress(), 2_000);
            after.setSoTimeout(10_000);
            assertArrayEquals("after".getBytes(StandardCharsets.UTF_8), roundTrip(after, "after"));
        }
    }

    @Test
    void refusesTheWildcardAndANegativeDelay() {
        InetSocketAddress target = new InetSocketAddress(LOOPBACK, 1);
        assertThrows(IllegalArgumentException.class, () -> WanRelay.start(new InetSocketAddress(0), target));
        assertThrows(IllegalArgumentException.class,
                () -> WanRelay.start(new InetSocketAddress(LOOPBACK, 0), target, Duration.ofMillis(-1)));
    }
}
