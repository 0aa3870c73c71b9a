package org.qoscluster.routerserver.internal;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The router server's thread pool, which lets a user's connection go on where its answer ended.
 *
 * <p>When an answer completes on another thread than the one that read its request (on the
 * router's fast path, always: the node's answer is written on the upstream client's selector
 * thread), Jetty hands the user's connection to this pool to read the next request: a wake-up and
 * a context switch per request, most of what the router spent over HAProxy. An answer ended
 * inside {@link #completing} instead resumes its connection on the thread that ended it. The
 * router's handler never blocks (a request with a body, or for one of the router's own pages,
 * goes to a pool thread of its own), so reading and routing the next request there is the work
 * the selector thread would do; every other hand-off goes to the pool as before.
 */
final class RouterThreads extends QueuedThreadPool {

    private static final Logger LOG = Logger.getLogger(RouterThreads.class.getName());
    /** Set while an answer is being ended on the fast path. */
    private static final ThreadLocal<Boolean> COMPLETING = new ThreadLocal<>();

    RouterThreads(String name, int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
        setName(name);
    }

    /** Runs {@code end}, which ends an answer; a connection it resumes goes on on this thread. */
    static void completing(Runnable end) {
        COMPLETING.set(Boolean.TRUE);
        try {
            end.run();
        } finally {
            COMPLETING.remove();
        }
    }

    @Override
    public void execute(Runnable job) {
        if (job instanceof HttpConnection && COMPLETING.get() != null) {
            COMPLETING.remove(); // once: nothing the next request does is resumed here
            try {
                job.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a connection resumed after its answer failed: {0}", e.toString());
            }
            return;
        }
        super.execute(job);
    }
}
