package org.qoscluster.session.internal;

import java.util.Map;

/**
 * When this node last read a user's row on the session table's master because the user's client
 * named a newer version than the cluster's copy ({@link HazelcastSessionStore#behindTheClient}):
 * at most once a minute per user. A version no copy holds (the session ended while the client kept
 * its version cookie, or the cookie is forged: it is not signed) would otherwise cost a read of
 * the master database on every request. A read that found the row newer installed it in the
 * cluster, so the next request needs none; one that did not will not find it newer a moment later
 * either (the row is written from the cluster's copy). Bounded: the users asked about least
 * recently are forgotten first. Pure: the caller gives the time.
 */
final class MasterReads {

    /** How long a user's master read counts before another may be made. */
    static final long AGAIN_MS = 60_000;

    private final Map<String, Long> lastRead;

    MasterReads(int capacity) {
        this.lastRead = BoundedMaps.of(capacity, true);
    }

    /** Whether {@code uid}'s master row may be read at {@code nowMillis}; if so, the read is counted from then. */
    synchronized boolean due(String uid, long nowMillis) {
        Long last = lastRead.get(uid);
        if (last != null && nowMillis - last < AGAIN_MS && nowMillis >= last) {
            return false;
        }
        lastRead.put(uid, nowMillis);
        return true;
    }
}
