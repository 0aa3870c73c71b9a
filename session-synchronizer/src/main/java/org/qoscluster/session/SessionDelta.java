package org.qoscluster.session;

import java.util.Map;

import org.qoscluster.contract.StateChangeFlag;

/**
 * What one request changed in a session, applied to the stored record in one step on the member
 * that owns it ({@link SessionRecord#apply}). It travels there, and on to each backup, in the
 * entry processor's own form, never through Java serialization.
 *
 * @param now                the request's time (epoch ms): the record's last access
 * @param node               the node that served the request
 * @param sessionUserClass   the user class the application set: null keeps the stored one, an
 *                           empty string removes it
 * @param principalUserClass the user class of the authenticated principal's roles: null keeps the
 *                           stored one, an empty string removes it
 * @param maxInactiveSeconds the session's time-out from now on
 * @param replace            start from an empty record (the session was invalidated and made anew)
 * @param remove             delete the record (the session was invalidated)
 * @param changes            per attribute name: the version read and the new value (null removes)
 * @param flag               a database-state-change flag recorded by the request, or null
 */
public record SessionDelta(long now, String node, String sessionUserClass, String principalUserClass,
                           int maxInactiveSeconds, boolean replace,
                           boolean remove, Map<String, Change> changes, StateChangeFlag flag) {

    public SessionDelta {
        changes = Map.copyOf(changes);
        if (maxInactiveSeconds < 1) {
            throw new IllegalArgumentException("maxInactiveSeconds must be positive: " + maxInactiveSeconds);
        }
        if (replace && changes.values().stream().anyMatch(c -> c.patch() != null)) {
            throw new IllegalArgumentException("a record written anew has no base to patch");
        }
    }

    /**
     * One attribute's change.
     *
     * @param baseVersion the attribute's version when the request read it (0 when absent)
     * @param value       the new serialized value; null with no {@code patch} removes the attribute
     * @param force       apply whatever the stored version (the request that stores last wins)
     * @param patch       the new value as a patch of the bytes the request read at {@code baseVersion},
     *                    or null; what travels to the owner instead of {@code value}, so there it
     *                    arrives with no value ({@link #changesValue()}). Never forced: a forced change
     *                    has no known base.
     */
    @SuppressWarnings("ArrayRecordComponent") // serialized bytes passed through, never compared as a record
    public record Change(long baseVersion, byte[] value, boolean force, BytePatch patch) {

        public Change {
            if (patch != null && force) {
                throw new IllegalArgumentException("a forced change travels whole: its base is not known");
            }
            if (patch != null && value != null && patch.valueLength() != value.length) {
                throw new IllegalArgumentException("a patch that does not make the value");
            }
        }

        /** A change applied only if the attribute is still at {@code baseVersion}. */
        public Change(long baseVersion, byte[] value) {
            this(baseVersion, value, false, null);
        }

        public Change(long baseVersion, byte[] value, boolean force) {
            this(baseVersion, value, force, null);
        }

        /** Whether the attribute gets a value (whole or as a patch), rather than being removed. */
        public boolean changesValue() {
            return value != null || patch != null;
        }

        /** The change as it travels: the patch alone when there is one. */
        public Change onTheWire() {
            return patch == null || value == null ? this : new Change(baseVersion, null, false, patch);
        }
    }
}
