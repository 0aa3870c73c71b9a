package org.qoscluster.redundancy;

/** What the heartbeat monitor knows of one copy of a redundancy group (R7). */
public enum CopyHealth {
    /** Not probed yet. */
    UNKNOWN,
    /** Its last probe answered in time. */
    AVAILABLE,
    /** Its last probe failed or was late, fewer times in a row than the retries allow. */
    SUSPECT,
    /** As many probes in a row as the retries allow failed or were late. */
    UNAVAILABLE,
    /**
     * It answers but is not up to date: a returning or new copy being copied, or a replica
     * whose published watermark has not moved for a while. Set by the coordinator, not the monitor.
     */
    CATCHING_UP
}
