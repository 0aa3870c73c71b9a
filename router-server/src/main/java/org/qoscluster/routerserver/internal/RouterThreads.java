package org.qoscluster.routerserver.internal;

import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The router server's thread pool, which lets a user's connection go on where its answer ended.
 *
 * <p>When an answer completes after the handler has returned (on the router's fast path, always:
 * the node's answer is written on the upstream client's selector thread), Jetty hands the user's
 * connection to this pool to read the next request: a wake-up and a context switch per request,
 * most of what the router spent over HAProxy. An answer ended inside {@link #endingAnswer}
 * instead resumes its connection on the thread that ended it. The router's handler never blocks
 * (a request with a body, or for one of the router's own pages, goes to a pool thread of its
 * own), so reading and routing the next request there is the work the selector thread would do.
 * Every other job goes to the pool as before, and so does a connection resumed from anywhere
 * else (an answer that ended later, from a write callback of a slow client, for one).
 */
final class RouterThreads extends QueuedThreadPool {

    private static final Logger LOG = Logger.getLogger(RouterThreads.class.getName());
    /** Set while the fast path ends an answer. */
    private static final ThreadLocal<Boolean> ENDING = new ThreadLocal<>();
    private final LongAdder resumedInPlace = new LongAdder();

    RouterThreads(String name, int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
        setName(name);
    }

    /** Runs {@code end}, which ends an answer; the connection it may resume goes on on this thread. */
    static void endingAnswer(Runnable end) {
        ENDING.set(Boolean.TRUE);
        try {
            end.run();
        } finally {
            ENDING.remove();
        }
    }

    /** How many connections went on in place rather than on a pool thread. */
    long resumedInPlace() {
        return resumedInPlace.sum();
    }

    @Override
    public void execute(Runnable job) {
        if (job instanceof HttpConnection && ENDING.get() != null) {
            ENDING.remove(); // once: whatever the next request does goes to the pool
            resumedInPlace.increment();
            try {
                job.run();
            } catch (RuntimeException e) {
                // Jetty's reading catches its own failures; should one escape, it must not reach
                // Jetty's hand-off, which takes a refused job for a reason to run it once more.
                LOG.log(Level.WARNING, "a user's connection failed reading its next request in place", e);
            }
            return;
        }
        super.execute(job);
    }
}
