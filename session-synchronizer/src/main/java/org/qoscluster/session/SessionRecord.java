package org.qoscluster.session;

import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.qoscluster.contract.StateChangeFlag;

/**
 * A user's session as the session database keeps it, keyed by the router's UID: every attribute
 * as Java-serialized bytes with the version that wrote it, the database-state-change flag, the
 * user classes (the one the application set, the one of the principal's roles), the node that
 * served the last write, and the times that decide expiry.
 *
 * <p>Plain data on purpose: a member can store, back up and merge it without the application's
 * classes, and a Hazelcast {@code MapStore} (or a replicated state table, row S6) can write it
 * as one row: scalar columns plus one blob per attribute.
 */
public final class SessionRecord implements Serializable {

    private static final long serialVersionUID = 2L;

    private final String uid;
    private final long createdAt;
    private final long lastAccessedAt;
    private final int maxInactiveSeconds;
    private final long version;
    private final HashMap<String, StoredAttribute> attributes;
    private final StateChangeFlag flag;
    private final String userClass;
    private final String principalUserClass;
    private final String lastWriteNode;

    public SessionRecord(String uid, long createdAt, long lastAccessedAt, int maxInactiveSeconds, long version,
                         Map<String, StoredAttribute> attributes, StateChangeFlag flag, String userClass,
                         String principalUserClass, String lastWriteNode) {
        this.uid = Objects.requireNonNull(uid, "uid");
        this.createdAt = createdAt;
        this.lastAccessedAt = lastAccessedAt;
        this.maxInactiveSeconds = maxInactiveSeconds;
        this.version = version;
        this.attributes = new HashMap<>(attributes);
        this.flag = flag;
        this.userClass = userClass;
        this.principalUserClass = principalUserClass;
        this.lastWriteNode = lastWriteNode;
    }

    /**
     * Applies {@code delta} to {@code current} (null when there is no record): the pure merge
     * step the owning member runs. Per attribute: a change whose base version is still the
     * stored one is applied; otherwise another request changed the attribute since this one read
     * it, and the stored value is returned as a conflict for the caller to merge and send again
     * (a forced change is applied regardless). A change that arrives as a patch alone
     * ({@link SessionDelta.Change#patch()}) is applied only to the bytes it was made from: the
     * stored ones, at the version it names, with the patch's length and checksum; else it is a
     * conflict too. An expired record counts as absent.
     */
    public static Applied apply(String uid, SessionRecord current, SessionDelta delta) {
        SessionRecord cur = current != null && current.expired(delta.now()) ? null : current;
        if (delta.remove()) {
            return new Applied(null, cur == null ? 0 : cur.version, Map.of());
        }
        boolean fresh = cur == null || delta.replace();
        long next = (cur == null ? 0 : cur.version) + 1;
        Map<String, StoredAttribute> attrs = fresh ? new HashMap<>() : new HashMap<>(cur.attributes);
        Map<String, StoredAttribute> conflicts = new HashMap<>();
        for (Map.Entry<String, SessionDelta.Change> e : delta.changes().entrySet()) {
            StoredAttribute present = attrs.getOrDefault(e.getKey(), StoredAttribute.ABSENT);
            SessionDelta.Change change = e.getValue();
            if (!delta.replace() && !change.force() && present.version() != change.baseVersion()) {
                conflicts.put(e.getKey(), present);
            } else if (change.value() != null) {
                attrs.put(e.getKey(), change.patch() == null ? new StoredAttribute(change.value(), next)
                        : new StoredAttribute(change.value(), next, change.patch().valueChecksum()));
            } else if (change.patch() == null) {
                attrs.remove(e.getKey());
            } else if (change.patch().fits(present)) {
                attrs.put(e.getKey(), change.patch().applyTo(present, next));
            } else {
                // At the version read, but not the bytes the patch was made from (the record was
                // made again under the UID meanwhile): the request is shown them and sends its whole value.
                conflicts.put(e.getKey(), present);
            }
        }
        StateChangeFlag flag = cur == null ? null : cur.flag;
        String lastWriteNode = cur == null ? null : cur.lastWriteNode;
        if (delta.flag() != null && (flag == null || delta.flag().sequence() >= flag.sequence())) {
            flag = delta.flag();
            lastWriteNode = delta.node();
        }
        SessionRecord record = new SessionRecord(uid, fresh ? delta.now() : cur.createdAt, delta.now(),
                delta.maxInactiveSeconds(), next, attrs, flag, changed(fresh ? null : cur.userClass, delta.sessionUserClass()),
                changed(fresh ? null : cur.principalUserClass, delta.principalUserClass()), lastWriteNode);
        return new Applied(record, next, conflicts);
    }

    /** A user class after a delta's change: null keeps {@code stored}, empty removes it. */
    private static String changed(String stored, String change) {
        return change == null ? stored : change.isEmpty() ? null : change;
    }

    /** Whether the session has had no request for its time-out at {@code now} (epoch ms). */
    public boolean expired(long now) {
        return now - lastAccessedAt >= maxInactiveSeconds * 1000L;
    }

    public String uid() {
        return uid;
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastAccessedAt() {
        return lastAccessedAt;
    }

    public int maxInactiveSeconds() {
        return maxInactiveSeconds;
    }

    /** Increases by one with every applied delta. */
    public long version() {
        return version;
    }

    public Map<String, StoredAttribute> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    /** The user's database-state-change flag, or null. */
    public StateChangeFlag flag() {
        return flag;
    }

    /** The user class the application set ({@link SessionContext#setUserClass}), or null. */
    public String userClass() {
        return userClass;
    }

    /** The user class of the authenticated principal's roles ({@code qos.user-class.role.*}), or null. */
    public String principalUserClass() {
        return principalUserClass;
    }

    /** Both user classes, as the router reads them. */
    public org.qoscluster.contract.UserClasses userClasses() {
        return new org.qoscluster.contract.UserClasses(userClass, principalUserClass);
    }

    /** The node that served the user's last recorded write, or null. */
    public String lastWriteNode() {
        return lastWriteNode;
    }

    /**
     * The outcome of {@link #apply}: the new record (null when removed), its version, and the
     * attributes that were not applied because another request changed them first (their stored
     * value; {@link StoredAttribute#ABSENT} when it removed them). It travels back from the owner
     * in a byte form of its own, never through Java serialization.
     */
    public record Applied(SessionRecord record, long version, Map<String, StoredAttribute> conflicts) {

        public Applied {
            conflicts = Map.copyOf(conflicts);
        }

        /** The same outcome without the record, to send back to the caller. */
        public Applied withoutRecord() {
            return new Applied(null, version, conflicts);
        }
    }
}
