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

    /** The user's record, if there is one and it has not expired. */
    Optional<SessionRecord> load(String uid);

    /** Applies one request's changes atomically on the record's owner (see {@link SessionRecord#apply}). */
    SessionRecord.Applied apply(String uid, SessionDelta delta);

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
