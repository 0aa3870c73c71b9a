package org.qoscluster.clone;

import java.util.ServiceLoader;

/**
 * What the generated read-write clones ask before a read and tell after a write (M8). The
 * implementation comes from the node's class path ({@link ServiceLoader}, first found); without
 * one every read goes to the master, which is always correct and never reads from a replica.
 */
public interface ReadRouting {

    /** Reads from the master only: the routing when no implementation is installed. */
    ReadRouting MASTER_ONLY = new ReadRouting() {
        @Override
        public boolean replicaMayServe() {
            return false;
        }

        @Override
        public void replicaFailed(RuntimeException e) {
            // never asked to read one
        }

        @Override
        public void wrote(long sequence) {
            // nothing to remember: every read goes to the master anyway
        }

        @Override
        public String toString() {
            return "ReadRouting.MASTER_ONLY";
        }
    };

    /**
     * Whether the current thread's next read may be served by a replica: no write of this user
     * is waiting to reach the replicas, or a replica has applied it.
     */
    boolean replicaMayServe();

    /** A read on the replica failed (it was sent to the master instead); avoid it for a while. */
    void replicaFailed(RuntimeException e);

    /**
     * The current thread's transaction wrote to the master; {@code sequence} is its highest
     * change sequence so far (0 if unknown). The implementation stamps the time.
     */
    void wrote(long sequence);

    /** The installed routing, or {@link #MASTER_ONLY}. */
    static ReadRouting current() {
        return Installed.ROUTING;
    }

    /** Looked up once, lazily; an implementation that cannot load leaves every read on the master (logged). */
    final class Installed {
        static final ReadRouting ROUTING = load();

        private Installed() {
        }

        private static ReadRouting load() {
            try {
                return ServiceLoader.load(ReadRouting.class).findFirst().orElse(MASTER_ONLY);
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                java.util.logging.Logger.getLogger(ReadRouting.class.getName()).warning(
                        "no read routing (" + e + "); every read goes to the master");
                return MASTER_ONLY;
            }
        }
    }
}
