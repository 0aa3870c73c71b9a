package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

/**
 * Reads a request body whole, without a thread waiting on it (Servlet non-blocking input), so
 * that clients that send headers and then trickle or stall hold no router thread, no upstream
 * connection and no node capacity. The body is then replayable: a request that failed before it
 * was sent goes to another node with the same bytes.
 *
 * <p>Exactly one outcome is reported: the bytes, or a {@link Refusal} (over the limit: 413; the
 * router's memory for bodies in use ({@link BodyBudget}): 503; no byte for the idle time-out: 408;
 * unreadable, such as a client gone, a body shorter than its Content-Length or broken chunking: 400).
 *
 * <p>Every growth of the body's buffer is reserved from the router's {@link BodyBudget} before it is
 * made; {@link #release()}, called once the body's exchange has ended whatever its outcome, gives all
 * of it back, and the reader takes nothing more after it.
 *
 * <p>Once the body is complete (its Content-Length read, or the container says the input is
 * finished) the reader never asks {@code isReady()} again. In Payara's container a false
 * {@code isReady()} registers a read callback with the connection, and one registered after the
 * last byte of a body outlives the request: the next request on that keep-alive connection went
 * to it and was never answered.
 */
final class BodyReader implements ReadListener {

    /**
     * Where a container thread reads a piece of a body before the body keeps it: one buffer per
     * thread, none per request, so that connections that declare a large body and send it slowly,
     * or never, hold only what they sent (a buffer of the declared length, made at once, let a few
     * hundred such connections fill the router's heap).
     */
    private static final ThreadLocal<byte[]> PIECES = ThreadLocal.withInitial(() -> new byte[16 * 1024]);
    /** The first room a body gets once a byte of it arrived; it doubles as more arrive. */
    static final int FIRST_CAPACITY = 1024;

    /** Why a body was not taken, as the status and message the client gets. */
    record Refusal(int status, String message) {
    }

    private final ServletInputStream in;
    private final BodyBudget budget;
    /** The Content-Length, or -1 for a chunked body. */
    private final long expected;
    private final int maxBytes;
    private final long idleNanos;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService timer;
    private final Consumer<byte[]> onBody;
    private final Consumer<Refusal> onRefused;
    /** What the body has taken so far, grown as its bytes arrive: never what a client only declared. */
    private byte[] bytes = new byte[0];
    private int size;
    private volatile long lastProgress;
    private boolean finished;
    /** Whether what the body reserved has been given back: it then reserves nothing more. */
    private boolean released;

    private BodyReader(ServletInputStream in, BodyBudget budget, long expected, int maxBytes, long idleNanos,
                       LongSupplier nanoClock, ScheduledExecutorService timer, Consumer<byte[]> onBody,
                       Consumer<Refusal> onRefused) {
        this.in = in;
        this.budget = budget;
        this.expected = expected;
        this.maxBytes = maxBytes;
        this.idleNanos = idleNanos;
        this.nanoClock = nanoClock;
        this.timer = timer;
        this.onBody = onBody;
        this.onRefused = onRefused;
    }

    /**
     * Starts reading; {@code onBody} or {@code onRefused} is called once, on a container or timer
     * thread. The caller calls {@link #release()} once the body's exchange has ended.
     *
     * @param budget   the router's memory for bodies, from which the body's buffer is reserved
     * @param expected the Content-Length, or -1 for a chunked body
     */
    static BodyReader read(ServletInputStream in, BodyBudget budget, long expected, int maxBytes, long idleNanos,
                           LongSupplier nanoClock, ScheduledExecutorService timer, Consumer<byte[]> onBody,
                           Consumer<Refusal> onRefused) {
        BodyReader reader = new BodyReader(in, budget, expected, maxBytes, idleNanos, nanoClock, timer,
                onBody, onRefused);
        reader.lastProgress = nanoClock.getAsLong();
        reader.scheduleIdleCheck(idleNanos);
        in.setReadListener(reader);
        return reader;
    }

    /**
     * The bytes of memory this body holds now, all reserved from the budget: at most twice what
     * arrived, and {@link #FIRST_CAPACITY} at least once any did; none once released.
     */
    synchronized int held() {
        return bytes.length;
    }

    @Override
    public void onDataAvailable() throws IOException {
        byte[] chunk = PIECES.get();
        while (!complete() && in.isReady()) {
            int n = in.read(chunk, 0, expected < 0 ? chunk.length : (int) Math.min(chunk.length, expected - size));
            if (n < 0) {
                if (expected >= 0 && size < expected) {
                    refuse(new Refusal(400, "request body ended after " + size + " of its " + expected
                            + " bytes (Content-Length)"));
                    return;
                }
                onAllDataRead(); // the container may call it too: one outcome all the same
                return;
            }
            lastProgress = nanoClock.getAsLong();
            Refusal refusal;
            synchronized (this) {
                if (finished) {
                    return;
                }
                refusal = append(chunk, n);
            }
            if (refusal != null) {
                // Outside this reader's lock: refusing ends the exchange, whose end takes the
                // exchange's lock and then this one's (release), in that order on every thread.
                refuse(refusal);
                return;
            }
        }
        // A body read to its end in this call may get no onAllDataRead from the container
        // (Grizzly, when the body came in a segment of its own): finish here, once.
        if (complete()) {
            onAllDataRead();
        }
    }

    /**
     * Adds {@code n} bytes of {@code chunk} to the body, its buffer grown first (the growth
     * reserved from the budget); the refusal instead when the body passes its limit or the budget
     * is spent. Called holding this reader's lock.
     */
    private Refusal append(byte[] chunk, int n) {
        if ((long) size + n > maxBytes) {
            return new Refusal(413, "request body is over the limit of " + maxBytes + " bytes (qos.http.max-body-bytes)");
        }
        if (size + n > bytes.length) {
            long limit = expected > 0 ? Math.min(expected, maxBytes) : maxBytes;
            int grown = (int) Math.min(limit, Math.max((long) size + n, Math.max(FIRST_CAPACITY, 2L * bytes.length)));
            if (!budget.reserve(grown - bytes.length)) {
                return new Refusal(503, "the router's memory for request bodies, " + budget.limit()
                        + " bytes (qos.router.max-body-memory-bytes), is in use; retry shortly");
            }
            bytes = Arrays.copyOf(bytes, grown);
        }
        System.arraycopy(chunk, 0, bytes, size, n);
        size += n;
        return null;
    }

    /** The whole body is in: its declared length read, or the container's input finished. */
    private boolean complete() {
        return expected >= 0 ? size >= expected : in.isFinished();
    }

    @Override
    public void onAllDataRead() {
        byte[] body;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            if (size < bytes.length) {
                // The room a chunked body grew into beyond its end goes back to the budget.
                body = Arrays.copyOf(bytes, size);
                budget.release(bytes.length - size);
                bytes = body;
            } else {
                body = bytes;
            }
        }
        onBody.accept(body);
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            if (finished) {
                return;
            }
        }
        refuse(new Refusal(400, "request body could not be read: " + t));
    }

    /**
     * Gives back all the body reserved, once, and ends the reading if it has not ended: called
     * when the body's exchange has ended, whatever its outcome (answered, refused, timed out,
     * broken off, client gone). The bytes handed on stay with the exchange until then, for a
     * retry on another node.
     */
    synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        finished = true;
        budget.release(bytes.length);
        bytes = new byte[0];
    }

    private void refuse(Refusal refusal) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        onRefused.accept(refusal);
    }

    private void scheduleIdleCheck(long delayNanos) {
        var unused = timer.schedule(this::checkIdle, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        try {
            checkIdleNow();
        } catch (RuntimeException e) {
            // A scheduled task's exception would vanish with it, and the request with no answer.
            refuse(new Refusal(400, "request body could not be read: " + e));
        }
    }

    private void checkIdleNow() {
        synchronized (this) {
            if (finished) {
                return;
            }
        }
        long idle = nanoClock.getAsLong() - lastProgress;
        if (idle >= idleNanos) {
            refuse(new Refusal(408, "no byte of the request body for " + idleNanos / 1_000_000
                    + " ms (qos.router.body-idle-timeout-ms)"));
        } else {
            scheduleIdleCheck(idleNanos - idle);
        }
    }
}
