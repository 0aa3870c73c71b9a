package org.qoscluster.session;

import java.util.Optional;

import org.qoscluster.contract.StateChangeFlag;

/**
 * The session database as the Session Synchronizer sees it. The Hazelcast implementation keeps
 * records in an {@code IMap} with synchronous backups and applies deltas with an entry processor
 * on the owning member; persistence (a {@code MapStore}, or a replicated state table for
 * multi-site, row S6) belongs behind this interface and needs no change to the filter.
 */
public interface SessionStore {

    /** The user's record as its owner holds it, if there is one. */
    Optional<SessionRecord> load(String uid);

    /**
     * The user's record, from a copy this node holds when that copy is at least version
     * {@code seen} (the version the user's client was last answered with; 0 when unknown; -1 when
     * it was answered with none, so any copy at hand will do), else
     * from its owner as {@link #load(String)}.
     */
    default Optional<SessionRecord> load(String uid, long seen) {
        return load(uid);
    }

    /**
     * Tells the store the record as its owner now holds it after this node's store (the delta
     * applied to the record it was based on, with no other change in between), so the user's
     * next request on this node need not read it back.
     */
    default void wrote(SessionRecord record) {
    }

    /**
     * Tells the store that the record of {@code uid} is now at {@code version} after this node's
     * store, but with other changes this node cannot work out: a copy it holds of an older
     * version is stale and must not serve the user's next request (a store based on it would
     * meet a conflict, and its time stamps would make every request keep the session alive again).
     */
    default void forget(String uid, long version) {
    }

    /** Applies one request's changes atomically on the record's owner (see {@link SessionRecord#apply}). */
    SessionRecord.Applied apply(String uid, SessionDelta delta);

    /**
     * Stores the first record of a UID minted for this request, which no other request can have
     * written: {@link SessionRecord#apply} of {@code delta} on no record, stored as it is, without
     * reading what the owner holds (nor the session table behind it). {@link #apply} by default.
     */
    default SessionRecord.Applied create(String uid, SessionDelta delta) {
        return apply(uid, delta);
    }

    /** Makes the user's new state-change flag visible to the router. */
    void publish(String uid, StateChangeFlag flag);

    /**
     * Makes the user classes a session holds visible to the router for {@code ttlSeconds} (the
     * session's time-out); empty classes take the user out. Does not wait for the cluster: the
     * router also learns them from the response's announcement.
     */
    default void publish(String uid, org.qoscluster.contract.UserClasses classes, int ttlSeconds) {
    }
}
