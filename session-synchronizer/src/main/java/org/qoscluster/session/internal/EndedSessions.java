package org.qoscluster.session.internal;

import java.util.Map;

/**
 * The sessions this node heard were removed lately (signed out, or moved to a new UID at
 * sign-in), for {@value #HOLD_MS} ms: a request of such a UID reads the owner's copy, never one
 * held on this node. Hazelcast invalidates the node's near cache only in batches (by default up
 * to 10 s after the change; a lost invalidation is repaired by its reconciliation, every 60 s),
 * and a client replaying the ended session's cookies (its UID and the version it was answered
 * with) would otherwise be served the copy still held here. Bounded: beyond {@code capacity}
 * UIDs the longest held go first. Pure: the caller gives the time.
 */
final class EndedSessions {

    /** How long an ended session is held: past the near cache's batched invalidation and its reconciliation. */
    static final long HOLD_MS = 300_000;

    private final Map<String, Long> endedAt;

    EndedSessions(int capacity) {
        this.endedAt = BoundedMaps.of(capacity, false);
    }

    /** {@code uid}'s session ended at {@code nowMillis}. */
    synchronized void end(String uid, long nowMillis) {
        endedAt.remove(uid); // re-inserted last: the most recently ended
        endedAt.put(uid, nowMillis);
    }

    /** Whether {@code uid}'s session ended less than {@value #HOLD_MS} ms before {@code nowMillis}. */
    synchronized boolean ended(String uid, long nowMillis) {
        Long at = endedAt.get(uid);
        if (at == null) {
            return false;
        }
        if (nowMillis - at >= HOLD_MS) {
            endedAt.remove(uid);
            return false;
        }
        return true;
    }

    synchronized int size() {
        return endedAt.size();
    }
}
