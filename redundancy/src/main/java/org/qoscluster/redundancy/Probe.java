package org.qoscluster.redundancy;

/** One look at whether a copy answers; throws when it does not. May block: the monitor bounds it. */
@FunctionalInterface
public interface Probe {
    void check() throws Exception;
}
