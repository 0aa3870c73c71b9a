package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    private final BodyBudget budget = new BodyBudget(1 << 30);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void shouldHandOnTheWholeBodyOnceWhateverPiecesItArrivesIn() throws Exception {
        Scripted in = new Scripted();
        BodyReader.read(in, budget, -1, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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
        BodyReader.read(in, budget, -1, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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
        BodyReader.read(in, budget, 100, 1000, 50_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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
        BodyReader.read(in, budget, 100, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
        in.listener.onError(new IOException("Connection reset by peer"));
        assertEquals(400, refusals.get(0).status());
        assertNull(bodies.isEmpty() ? null : bodies.get(0));
    }

    @Test
    void shouldHandOnABodyOfItsContentLengthWithoutAskingTheContainerForMore() throws Exception {
        Scripted in = new Scripted();
        in.declared = 700;
        BodyReader.read(in, budget, 700, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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
        BodyReader.read(in, budget, 700, 1000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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
        BodyReader reader = BodyReader.read(in, budget, declared, declared, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add);
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

    /**
     * The router's memory for bodies is shared: a body whose buffer would pass it is refused with
     * 503 naming the setting, holding nothing; once another body gives its memory back, a body
     * of the same size is taken.
     */
    @Test
    void shouldRefuseWith503ABodyThatWouldPassTheRoutersMemoryForBodies() throws Exception {
        BodyBudget small = new BodyBudget(2048);
        Scripted first = new Scripted();
        BodyReader holding = BodyReader.read(first, small, 2000, 10_000, 60_000_000_000L, System::nanoTime, timer,
                bodies::add, refusals::add);
        first.arrive(new byte[1500]);
        assertEquals(1500, small.held(), "room for what arrived, up to its declared length");

        Scripted second = new Scripted();
        BodyReader refused = BodyReader.read(second, small, 1000, 10_000, 60_000_000_000L, System::nanoTime, timer,
                bodies::add, refusals::add);
        second.arrive(new byte[600]);
        assertEquals(1, refusals.size(), "one outcome: " + refusals);
        assertEquals(503, refusals.get(0).status());
        assertTrue(refusals.get(0).message().contains("2048 bytes (qos.router.max-body-memory-bytes)"), refusals.get(0).message());
        assertEquals(0, refused.held(), "a refused growth holds nothing");
        assertEquals(1500, small.held());
        assertEquals(1, small.refusals());
        refused.release();

        holding.release();
        assertEquals(0, small.held(), "the first body's memory given back");
        Scripted third = new Scripted();
        BodyReader.read(third, small, 1000, 10_000, 60_000_000_000L, System::nanoTime, timer, bodies::add, refusals::add)
                .release();
        Scripted fourth = new Scripted();
        BodyReader taken = BodyReader.read(fourth, small, 1000, 10_000, 60_000_000_000L, System::nanoTime, timer,
                bodies::add, refusals::add);
        fourth.arrive(new byte[600]);
        fourth.arrive(new byte[400]);
        assertEquals(1, bodies.size(), "taken once the memory came back");
        assertEquals(1000, small.held(), "kept for a retry until its exchange ends");
        taken.release();
        assertEquals(0, small.held());
    }

    /**
     * Whatever a body's outcome, what it reserved comes back once, when it is released; after
     * that, bytes that still arrive take nothing and report nothing. A leak here would shrink the
     * router's memory for bodies request by request until every body was refused.
     */
    @Test
    void shouldGiveBackAllABodyReservedOnceWhateverItsOutcome() throws Exception {
        List<BodyReader> readers = new ArrayList<>();
        java.util.function.LongFunction<Scripted> reading = expected -> {
            Scripted in = new Scripted();
            readers.add(BodyReader.read(in, budget, expected, 5000, 60_000_000_000L, System::nanoTime, timer,
                    bodies::add, refusals::add));
            return in;
        };
        reading.apply(3000).arrive(new byte[3000]); // handed on, whole
        Scripted chunked = reading.apply(-1);
        chunked.arrive(new byte[100]);
        chunked.arrive(new byte[1400]); // its buffer grown to 2048
        chunked.end(); // handed on; the room it grew into past its end goes back at once
        assertEquals(3000 + 1500, budget.held(), "the bodies handed on hold their own lengths");
        Scripted tooLarge = reading.apply(-1);
        tooLarge.arrive(new byte[4000]);
        tooLarge.arrive(new byte[1001]); // 413
        Scripted shortBody = reading.apply(4000);
        shortBody.arrive(new byte[100]);
        shortBody.end(); // 400: shorter than its Content-Length
        Scripted broken = reading.apply(4000);
        broken.arrive(new byte[2000]);
        broken.listener.onError(new IOException("Connection reset by peer")); // 400: client gone
        Scripted stalled = reading.apply(4000);
        stalled.arrive(new byte[2500]); // no outcome yet: its exchange ends first (time-out, or the router stops)
        assertEquals(2, bodies.size());
        assertEquals(3, refusals.size(), "413, and 400 twice: " + refusals);
        assertTrue(budget.held() > 3000 + 1500, "the refused and stalled bodies still hold what they read");

        for (BodyReader r : readers) {
            r.release();
        }
        assertEquals(0, budget.held(), "everything came back");
        for (BodyReader r : readers) {
            r.release(); // an exchange ends once; a second release changes nothing all the same
        }
        stalled.arrive(new byte[1500]);
        stalled.end();
        assertEquals(0, budget.held(), "bytes arriving after the release take nothing");
        assertEquals(2, bodies.size(), "and report nothing");
        assertEquals(3, refusals.size());
    }

    /**
     * The reader as the servlet wires it, its release a task at its exchange's end: the memory
     * comes back when the exchange is answered, broken off, or had ended before the task was
     * given (then it runs at once).
     */
    @Test
    void shouldGiveTheMemoryBackWhenTheExchangeEndsHoweverItEnds() throws Exception {
        for (String ending : List.of("answered", "broken off", "ended before")) {
            Exchange exchange = ExchangeTest.exchange();
            if (ending.equals("ended before")) {
                exchange.complete();
            }
            Scripted in = new Scripted();
            BodyReader reader = BodyReader.read(in, budget, 2000, 5000, 60_000_000_000L, System::nanoTime, timer,
                    bodies::add, refusals::add);
            in.arrive(new byte[1000]);
            exchange.whenDone(reader::release);
            switch (ending) {
                case "answered" -> exchange.complete();
                case "broken off" -> exchange.abort(new IOException("client gone"));
                default -> {
                }
            }
            assertEquals(0, budget.held(), ending);
        }
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
