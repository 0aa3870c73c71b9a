package org.qoscluster.redundancy;

/**
 * One look at whether a copy answers; throws when it does not. May block: the monitor bounds it.
 * A probe may keep a connection between looks; {@link #close} releases it, and the monitor calls
 * it for a probe it no longer uses.
 */
@FunctionalInterface
public interface Probe extends AutoCloseable {
    void check() throws Exception;

    @Override
    default void close() {
    }
}
