package org.qoscluster.session.internal;

import java.util.Map;

import org.qoscluster.session.SessionRecord;

/**
 * The records this node stored last, as their owners hold them after the store, at most
 * {@code capacity} (the least recently stored go first). A store invalidates this node's near-cache
 * entry of the record, so without them a user's next request on this node would read the record
 * back from its owner.
 */
final class WrittenRecords {

    private final Map<String, SessionRecord> records;

    WrittenRecords(int capacity) {
        this.records = BoundedMaps.of(capacity, false);
    }

    synchronized SessionRecord get(String uid) {
        return records.get(uid);
    }

    /**
     * Keeps {@code record}, unless a newer version of it is kept already. A record of a session
     * begun later under the UID (the one kept ended, and the next started again at version 1)
     * replaces it whatever their versions.
     */
    synchronized void put(SessionRecord record) {
        SessionRecord kept = records.get(record.uid());
        if (kept == null || older(kept, record)) {
            records.remove(record.uid()); // re-inserted last: the most recently stored
            records.put(record.uid(), record);
        }
    }

    /**
     * Drops the kept record of {@code seen}'s UID if it is older: a lower version, or of a session
     * that ended before {@code seen}'s began under the same UID.
     */
    synchronized void forgetOlder(SessionRecord seen) {
        SessionRecord kept = records.get(seen.uid());
        if (kept != null && older(kept, seen)) {
            records.remove(seen.uid());
        }
    }

    /** Whether {@code a} is older than {@code b}, records of one UID: of a session begun earlier, else a lower version. */
    static boolean older(SessionRecord a, SessionRecord b) {
        return a.createdAt() != b.createdAt() ? a.createdAt() < b.createdAt() : a.version() < b.version();
    }

    /** Drops the kept record of {@code uid} if it is older than {@code version} (a newer one is known). */
    synchronized void forgetOlder(String uid, long version) {
        SessionRecord kept = records.get(uid);
        if (kept != null && kept.version() < version) {
            records.remove(uid);
        }
    }

    synchronized int size() {
        return records.size();
    }
}
