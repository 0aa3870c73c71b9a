package org.qoscluster.session.internal;

import java.util.function.Supplier;

import org.qoscluster.session.SessionRecord;

/**
 * Whether a copy of a session record held on this node (Hazelcast's near cache, or the record
 * this node wrote last) may serve a request instead of the copy on the record's owner. Pure.
 *
 * <p>A copy may be behind the owner's: Hazelcast invalidates other members' near caches
 * asynchronously after a change. The request carries the version its user's client was last
 * answered with ({@link VersionCookie}); a copy at least that new holds every change the user has
 * seen an answer to, so it gives read-your-writes across nodes. A change the user has not seen
 * an answer to yet comes from an overlapping request, which the per-attribute merge on the owner
 * already handles: a stale copy never loses an update, because every store goes to the owner,
 * which applies a change only on the version it was based on.
 */
final class LocalCopy {

    private LocalCopy() {
    }

    /**
     * Whether {@code copy} may serve a request that was last answered with version {@code seen}
     * (0: unknown, so only the owner can tell) at {@code now}: it exists, is at least that
     * version, and has not expired (a copy older than the owner's may look expired when the owner's
     * is not, so an expired-looking copy is asked again).
     */
    static boolean usable(SessionRecord copy, long seen, long now) {
        return copy != null && seen > 0 && copy.version() >= seen && !copy.expired(now);
    }

    /**
     * The record a request that was last answered with version {@code seen} reads at {@code now}:
     * the record this node stored last ({@code mine}, may be null) when usable, else the near
     * cache's copy ({@code near}, asked only then; a miss there reads the owner) when usable, else
     * the owner's ({@code owner}). With {@code seen} unknown (0), the owner's. With no version
     * ({@link VersionCookie#NONE}: the client was never answered with one), the near cache's "no
     * record" when that is what it holds (a record made meanwhile would have been answered with
     * its version), else the owner's: a copy held here may be one the owner has ended since (a
     * sign-out), which a client without the cookie, such as one replaying an old UID cookie, must
     * not see. Most visitors never write a session; their requests then read nothing from
     * another member.
     */
    static SessionRecord choose(long seen, long now, SessionRecord mine, Supplier<SessionRecord> near,
                                Supplier<SessionRecord> owner) {
        if (seen == VersionCookie.NONE) {
            return mine == null && near.get() == null ? null : owner.get();
        }
        if (seen > 0) {
            if (usable(mine, seen, now)) {
                return mine;
            }
            SessionRecord copy = near.get();
            if (usable(copy, seen, now)) {
                return copy;
            }
        }
        return owner.get();
    }
}
