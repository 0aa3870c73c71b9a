package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The body reader against a scripted non-blocking input stream standing in for the container's:
 * data arrives in pieces, the reader is called back as a container would, and every outcome is
 * reported exactly once.
 */
class BodyReaderTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    private final List<BodyReader.Refusal> refusals = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void shouldHandOnTheWholeBodyOnceWhateverPiecesItArrivesIn() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, -1, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        byte[] expected = new byte[700];
        Arrays.fill(expected, (byte) 'x');
        in.arrive(Arrays.copyOfRange(expected, 0, 1));
        in.arrive(Arrays.copyOfRange(expected, 1, 400));
        in.arrive(Arrays.copyOfRange(expected, 400, 700));
        in.end();
        assertEquals(1, bodies.size());
        assertArrayEquals(expected, bodies.get(0));
        assertEquals(List.of(), refusals);
    }

    @Test
    void shouldRefuseWith413OnceTheCountPassesTheLimit() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, -1, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.arrive(new byte[600]);
        assertEquals(List.of(), refusals, "within the limit so far");
        in.arrive(new byte[401]);
        in.arrive(new byte[10]);
        in.end();
        assertEquals(1, refusals.size(), "one outcome: " + refusals);
        assertEquals(413, refusals.get(0).status());
        assertTrue(refusals.get(0).message().contains("qos.http.max-body-bytes"), refusals.get(0).message());
        assertEquals(List.of(), bodies);
    }

    @Test
    void shouldGiveUpWith408WhenNoByteArrivesForTheIdleTime() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, 100, 1000, 50_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.arrive(new byte[1]);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (refusals.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no 408 within 10 s of a 50 ms idle time-out");
            Thread.sleep(10);
        }
        assertEquals(408, refusals.get(0).status());
        in.arrive(new byte[99]);
        in.end();
        assertEquals(1, refusals.size());
        assertEquals(List.of(), bodies, "a body given up is not handed on when it completes later");
    }

    @Test
    void shouldAnswer400WhenTheBodyCannotBeRead() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, 100, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.listener.onError(new IOException("Connection reset by peer"));
        assertEquals(400, refusals.get(0).status());
        assertNull(bodies.isEmpty() ? null : bodies.get(0));
    }

    @Test
    void shouldHandOnABodyOfItsContentLengthWithoutAskingTheContainerForMore() throws Exception {
        Scripted in = new Scripted();
        in.declared = 700;
        BodyReader.read(in, 700, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.arrive(new byte[300]);
        in.arrive(new byte[400]); // the container has not (yet) marked the input finished
        assertEquals(1, bodies.size(), "handed on once its 700 declared bytes are in");
        assertEquals(700, bodies.get(0).length);
        assertEquals(0, in.askedAfterAll, "isReady() once every declared byte is read registers a container"
                + " callback that outlives the request");
        assertEquals(List.of(), refusals);
    }

    @Test
    void shouldRefuseWith400ABodyShorterThanItsContentLength() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, 700, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.arrive(new byte[300]);
        in.end();
        assertEquals(1, refusals.size(), "one outcome: " + refusals);
        assertEquals(400, refusals.get(0).status());
        assertTrue(refusals.get(0).message().contains("300 of its 700"), refusals.get(0).message());
        assertEquals(List.of(), bodies);
    }

    /**
     * A client that declares a large body holds only the memory of what it sent: many connections
     * that declare a megabyte and then trickle or stall must not fill the router's heap.
     */
    @Test
    void shouldHoldNoMoreMemoryThanTheBodySentSoFarWhateverItDeclared() throws Exception {
        Scripted in = new Scripted();
        int declared = 1 << 20;
        BodyReader reader = BodyReader.read(in, declared, declared, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        assertEquals(0, reader.held(), "nothing held before a byte arrived");
        in.arrive(new byte[10]);
        assertTrue(reader.held() <= BodyReader.FIRST_CAPACITY, "held " + reader.held() + " bytes for 10 sent");
        int sent = 10;
        byte[] piece = new byte[16 * 1024];
        Arrays.fill(piece, (byte) 7);
        while (sent + piece.length <= declared) {
            in.arrive(piece);
            sent += piece.length;
            assertTrue(reader.held() <= 2 * sent, "held " + reader.held() + " bytes for " + sent + " sent");
        }
        in.arrive(new byte[declared - sent]);
        assertEquals(1, bodies.size());
        assertEquals(declared, bodies.get(0).length);
        assertEquals(7, bodies.get(0)[10 + 5]);
        assertEquals(declared, reader.held(), "the whole body, in a buffer of its length");
        assertEquals(List.of(), refusals);
    }

    /** Data is ready only once it has "arrived"; the reader is called back as the container does. */
    private static final class Scripted extends ServletInputStream {
        private final Deque<byte[]> ready = new ArrayDeque<>();
        private boolean ended;
        /** The Content-Length the client declared (-1: none), and how many bytes were read. */
        long declared = -1;
        long read;
        /** Calls of isReady() after every declared byte was read. */
        int askedAfterAll;
        ReadListener listener;

        void arrive(byte[] data) throws IOException {
            ready.add(data);
            listener.onDataAvailable();
        }

        void end() throws IOException {
            ended = true;
            listener.onDataAvailable();
            listener.onAllDataRead();
        }

        @Override
        public boolean isFinished() {
            return ended && ready.isEmpty();
        }

        @Override
        public boolean isReady() {
            if (declared >= 0 && read >= declared) {
                askedAfterAll++;
            }
            return !ready.isEmpty() || ended;
        }

        @Override
        public void setReadListener(ReadListener readListener) {
            this.listener = readListener;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (ready.isEmpty()) {
                return -1;
            }
            byte[] next = ready.poll();
            System.arraycopy(next, 0, b, off, next.length);
            read += next.length;
            return next.length;
        }
    }
}
