package org.qoscluster.routerserver.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Attaching the router to the cluster's maps once its Hazelcast client has connected: a first
 * attempt can fail while the members still start (a call timed out, the connection lost again),
 * and the client may stay connected afterwards without another connection event, so the attempt
 * is made again every {@link #PAUSE} until it succeeds or is no longer wanted (the router closed,
 * the client shut down). Without this, one failed attempt left the router without the maps, and
 * its site unavailable, for as long as the client stayed connected.
 */
final class MapsAttachment {

    private static final Logger LOG = Logger.getLogger(MapsAttachment.class.getName());
    /** Between two attempts. */
    static final Duration PAUSE = Duration.ofSeconds(1);
    /** A failure is logged the first time and then once every this many attempts. */
    static final int LOG_EVERY = 30;

    /** Waits between attempts; interrupted: stop trying. */
    @FunctionalInterface
    interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private MapsAttachment() {
    }

    /**
     * Runs {@code attach} until it returns normally, while {@code wanted} holds (checked before
     * every attempt), pausing {@link #PAUSE} after each failed one.
     *
     * @return the attempts made when one succeeded; otherwise 0 or less: minus the attempts made
     *         before it was no longer wanted or the thread was interrupted
     */
    static int untilAttached(Runnable attach, BooleanSupplier wanted, Pause pause) {
        int attempts = 0;
        while (wanted.getAsBoolean()) {
            attempts++;
            try {
                attach.run();
                if (attempts > 1) {
                    LOG.log(Level.INFO, "router: the cluster''s maps mirrored at attempt {0}", String.valueOf(attempts));
                }
                return attempts;
            } catch (RuntimeException e) {
                if (attempts % LOG_EVERY == 1) {
                    LOG.log(Level.WARNING, "router: cannot mirror the cluster''s maps yet (attempt {0}, trying again every {1} ms): {2}",
                            new Object[] {String.valueOf(attempts), String.valueOf(PAUSE.toMillis()), e.toString()});
                }
            }
            try {
                pause.sleep(PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -attempts;
            }
        }
        return -attempts;
    }
}
