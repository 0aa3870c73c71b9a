package org.qoscluster.session.internal;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;

import org.qoscluster.contract.Logs;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.session.BytePatch;
import org.qoscluster.session.SessionContext;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionMergeable;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;
import org.qoscluster.session.StoredAttribute;
import org.qoscluster.session.TooManySessionsException;

/**
 * One request's view of one user's session: loaded from the session database before the
 * application runs (M6), stored back as a delta before the response is committed (M9).
 *
 * <p>Attributes are deserialized only when the application reads them. At store time, every
 * attribute the application set, and every one it read that holds a mutable value, is serialized
 * and compared with what was loaded, so an object changed in place without {@code setAttribute}
 * is stored too; an attribute only read that holds an immutable value ({@link ImmutableValues})
 * is unchanged without that. Only changed attributes travel; with none (and nothing else to
 * store) the request does not reach the session database at all. Two overlapping requests of one user merge per attribute (see
 * {@link SessionRecord#apply}): changes to different attributes both stay; for one attribute, a
 * {@link SessionMergeable} value merges both changes, any other value is taken from the request
 * that stores last, and the conflict is logged.
 */
final class RequestSession {

    private static final Logger LOG = Logger.getLogger(RequestSession.class.getName());
    private static final int MAX_MERGE_ROUNDS = 32;
    private static final AtomicLong LAST_CONFLICT_WARNING = new AtomicLong();
    private static final AtomicLong CONFLICTS = new AtomicLong();
    /** Attributes dropped because they could not be read back, by attribute name and reason: how often. */
    private static final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> DROPPED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int LONGEST_TIMEOUT = 31_536_000;

    private final SessionStore store;
    private final SessionSettings settings;
    private final SessionContext context;
    private final ServletContext servletContext;
    private final ClassLoader loader;
    private final long now;
    private final Supplier<String> newUid;
    private final Consumer<String> announceUid;
    /** Charges the client's address for a new record: 0 when allowed, else seconds to wait. */
    private final LongSupplier newRecord;
    /** Whether this request may store a record it did not arrive with (counted, or arrived with one). */
    private boolean admitted;

    private String uid;
    private final String requestedId;
    /** Whether the store holds a record under {@link #uid}. */
    private boolean stored;
    private long createdAt;
    private long lastStoredAt;
    /** What the store holds, as far as this request knows: the base of the next delta. */
    private final Map<String, StoredAttribute> base = new HashMap<>();
    /** Attributes the application read or set, by name; null value = removed by the application. */
    private final Map<String, Object> objects = new HashMap<>();
    /** Attributes the application set or removed (the others in {@link #objects} it only read). */
    private final Set<String> assigned = new java.util.HashSet<>();
    /**
     * The record as the owner holds it, when this request knows it exactly (the one it loaded, then
     * each of its stores that met no other change); else null.
     */
    private SessionRecord current;
    /** The version of the record under {@link #uid} after this request's last load or store; 0 for none. */
    private long version;
    private boolean exists;
    private boolean isNew;
    /**
     * The UID was minted for this request (or by its rotation), nothing is stored under it yet, and
     * no other request can know it (its cookie has not gone out in a committed answer).
     */
    private boolean unwrittenUid;
    /**
     * A store failed without knowing whether the owner applied it (the answer did not come in
     * time): its delta may hold, so it is never sent again on the same base.
     */
    private boolean outcomeUnknown;
    /** The record must be written from scratch (invalidated and made anew, or moved to a new UID). */
    private boolean replace;
    /** UIDs whose records must be deleted (invalidated, or moved away from). */
    private final List<String> toRemove = new ArrayList<>();
    private int generation;
    private int maxInactive;
    private boolean maxInactiveChanged;
    private StateChangeFlag published;
    /** The principal's user class now: null without a principal, empty for one whose roles give none. */
    private final Supplier<String> principalClass;
    /** The user classes the record holds, as far as this request knows. */
    private UserClasses held;
    /** Whether the container signed the user out during this request: the principal's class goes. */
    private boolean principalCleared;
    /** The UID and classes last published to the router (the loaded record's at first). */
    private String publishedUid;
    private UserClasses publishedClasses;
    /** The user classes to announce in the response, once, or null. */
    private String announcement;
    /** Whether store() ran, and whether the application used the session since. */
    private boolean storedOnce;
    private boolean usedSinceStore;

    RequestSession(SessionStore store, SessionSettings settings, SessionContext context, SessionRecord loaded,
                   ServletContext servletContext, ClassLoader loader, long now, Supplier<String> newUid,
                   Consumer<String> announceUid, LongSupplier newRecord, Supplier<String> principalClass) {
        this.store = store;
        this.settings = settings;
        this.context = context;
        this.servletContext = servletContext;
        this.loader = loader;
        this.now = now;
        this.newUid = newUid;
        this.announceUid = announceUid;
        this.newRecord = newRecord;
        this.principalClass = principalClass;
        this.held = loaded == null ? UserClasses.NONE : loaded.userClasses();
        this.publishedUid = loaded == null ? null : loaded.uid();
        this.publishedClasses = held;
        this.admitted = loaded != null;
        this.uid = context.uid();
        this.stored = loaded != null;
        this.exists = loaded != null;
        this.requestedId = loaded == null ? null : loaded.uid();
        this.createdAt = loaded == null ? now : loaded.createdAt();
        this.lastStoredAt = loaded == null ? now : loaded.lastAccessedAt();
        this.maxInactive = loaded == null ? settings.timeoutSeconds() : loaded.maxInactiveSeconds();
        if (loaded != null) {
            base.putAll(loaded.attributes());
        }
        this.current = loaded;
        this.version = loaded == null ? 0 : loaded.version();
    }

    // ---- what the request wrapper and the session view ask ----

    synchronized HttpSession session(boolean create) {
        usedSinceStore = true;
        if (!exists) {
            if (!create) {
                return null;
            }
            admitNew();
            exists = true;
            isNew = true;
            createdAt = now;
        }
        return new SynchronizedSession(this, generation);
    }

    /** Counts a session this request creates against its client address, or refuses it. */
    private void admitNew() {
        if (admitted) {
            return;
        }
        long wait = newRecord.getAsLong();
        if (wait > 0) {
            throw new TooManySessionsException("too many new sessions from this address: "
                    + SessionSettings.NEW_PER_ADDRESS_PER_MINUTE + "=" + settings.newPerAddressPerMinute()
                    + " on node " + settings.node() + "; retry in " + wait + " s", wait);
        }
        admitted = true;
    }

    /** A new UID for the session, attributes kept (session fixation defence); returns it. */
    synchronized String changeId() {
        usedSinceStore = true;
        if (!exists) {
            throw new IllegalStateException("there is no session to change the id of");
        }
        for (Map.Entry<String, StoredAttribute> e : base.entrySet()) {
            // Carry every attribute to the new record, read or not.
            objects.computeIfAbsent(e.getKey(), k -> materialize(k, e.getValue()));
        }
        objects.values().removeIf(v -> v == null);
        rotate();
        replace = true;
        return uid;
    }

    synchronized void invalidate() {
        usedSinceStore = true;
        for (Map.Entry<String, Object> e : objects.entrySet()) {
            unbound(e.getKey(), e.getValue());
        }
        objects.clear();
        base.clear();
        held = UserClasses.NONE;
        exists = false;
        isNew = false;
        generation++;
        if (stored) {
            rotate();
        }
        replace = true;
        maxInactive = settings.timeoutSeconds();
    }

    private void rotate() {
        if (stored) {
            toRemove.add(uid);
            stored = false;
        }
        uid = newUid.get();
        unwrittenUid = true;
        announceUid.accept(uid);
        base.clear();
        current = null;
        version = 0;
    }

    /** The container signed the user out: the principal's user class leaves the session. */
    synchronized void principalLoggedOut() {
        principalCleared = true;
        usedSinceStore = true;
    }

    /** The user classes to announce to the router in the response ({@link UserClasses#announce}), once; else null. */
    synchronized String takeAnnouncement() {
        String a = announcement;
        announcement = null;
        return a;
    }

    synchronized boolean isLive(int gen) {
        return exists && gen == generation;
    }

    synchronized Object attribute(String name) {
        usedSinceStore = true;
        if (objects.containsKey(name)) {
            return objects.get(name);
        }
        StoredAttribute stored = base.get(name);
        if (stored == null) {
            return null;
        }
        Object value = materialize(name, stored);
        objects.put(name, value);
        return value;
    }

    private Object materialize(String name, StoredAttribute stored) {
        try {
            return JavaSerialization.deserialize(stored.value(), loader, settings.attributeFilter());
        } catch (Exception e) {
            // Once per attribute and reason at WARNING (a request of every user would repeat it), with a count.
            long seen = DROPPED.computeIfAbsent(name + " " + e, k -> new AtomicLong()).incrementAndGet();
            if (seen == 1) {
                Logs.log(LOG, Level.WARNING, e, "node={0} uid={1} session attribute ''{2}'' cannot be read back ({3}); it is dropped"
                        + " (logged once per attribute and reason; later drops at FINE)", settings.node(), shortUid(), name, e);
            } else if (LOG.isLoggable(Level.FINE)) {
                LOG.log(Level.FINE, "node={0} uid={1} session attribute ''{2}'' cannot be read back ({3}); it is dropped ({4} times"
                        + " on this node)", new Object[] {settings.node(), shortUid(), name, e, String.valueOf(seen)});
            }
            return null;
        }
    }

    synchronized Set<String> attributeNames() {
        Set<String> names = new LinkedHashSet<>(base.keySet());
        for (Map.Entry<String, Object> e : objects.entrySet()) {
            if (e.getValue() == null) {
                names.remove(e.getKey());
            } else {
                names.add(e.getKey());
            }
        }
        return names;
    }

    synchronized void setAttribute(HttpSession view, String name, Object value) {
        if (name == null) {
            throw new IllegalArgumentException("session attribute name must not be null");
        }
        if (value != null && !(value instanceof Serializable)) {
            throw new IllegalArgumentException("session attribute '" + name + "': " + value.getClass().getName()
                    + " is not Serializable, and the Session Synchronizer keeps sessions in the cluster");
        }
        if (value != null && JavaSerialization.refuses(settings.attributeFilter(), value.getClass())) {
            throw new IllegalArgumentException(JavaSerialization.refusal(name, value, value.getClass()));
        }
        Object old = attribute(name);
        objects.put(name, value);
        assigned.add(name);
        if (old != value) {
            unbound(name, old);
            if (value instanceof HttpSessionBindingListener l) {
                l.valueBound(new HttpSessionBindingEvent(view, name, value));
            }
        }
    }

    private void unbound(String name, Object old) {
        if (old instanceof HttpSessionBindingListener l) {
            l.valueUnbound(new HttpSessionBindingEvent(new SynchronizedSession(this, generation), name, old));
        }
    }

    synchronized void setMaxInactive(int seconds) {
        usedSinceStore = true;
        maxInactive = seconds <= 0 ? LONGEST_TIMEOUT : Math.min(seconds, LONGEST_TIMEOUT);
        maxInactiveChanged = true;
    }

    synchronized int maxInactive() {
        return maxInactive;
    }

    /** The filter minted the request's UID (no cookie, or one the router issued for this request): nothing is stored under it. */
    synchronized void uidMintedForThisRequest() {
        unwrittenUid = current == null;
    }

    /**
     * The answer is committed, with the UID's cookie: the user's next request may store under the
     * UID before this one stores again, so this one's later stores go through the version check
     * too, never a plain write over what that request stored.
     */
    synchronized void answerCommitted() {
        unwrittenUid = false;
    }

    synchronized boolean isNew() {
        return isNew;
    }

    synchronized long creationTime() {
        return createdAt;
    }

    synchronized long lastAccessedTime() {
        return lastStoredAt;
    }

    synchronized String uid() {
        return uid;
    }

    /**
     * The version of the session's record this request last read or stored (what the user's client
     * may be told it has seen), or 0 when there is no stored record under {@link #uid()}.
     */
    synchronized long version() {
        return stored ? version : 0;
    }

    /** The session id the request arrived with: the UID, if it had a live session. */
    String requestedId() {
        return requestedId;
    }

    ServletContext servletContext() {
        return servletContext;
    }

    // ---- storing ----

    /**
     * Stores what this request changed; does nothing when nothing changed and the record was
     * touched recently. Safe to call again later: only changes made since are sent (and nothing
     * is even compared when the application has not used the session since). A value
     * that cannot be serialized is reported (the others are stored); a session over
     * {@code qos.session.max-bytes} is not stored at all.
     */
    synchronized void store() {
        if (outcomeUnknown) {
            // The request failed on that store (its user got an error): what it changed may or
            // may not be in the record, and sending it again could count it twice (a merge
            // adds its own earlier change once more).
            return;
        }
        StateChangeFlag flag = context.recordedWrite().filter(f -> !f.equals(published)).orElse(null);
        String principalNow = principalClass.get();
        String sessionChange = context.userClassChanged() ? context.sessionUserClass().orElse("") : null;
        String principalChange = principalNow != null ? principalNow : principalCleared ? "" : null;
        if (replace) {
            // A record written anew (new id, or invalidated and made again) carries what the session holds.
            sessionChange = sessionChange != null ? sessionChange : held.session() == null ? "" : held.session();
            principalChange = principalChange != null ? principalChange : held.principal() == null ? "" : held.principal();
        }
        UserClasses classes = new UserClasses(changed(held.session(), sessionChange), changed(held.principal(), principalChange));
        boolean classesChanged = !classes.equals(held);
        if (storedOnce && !usedSinceStore && flag == null && !classesChanged) {
            return;
        }
        storedOnce = true;
        usedSinceStore = false;
        List<String> failures = new ArrayList<>();
        Map<String, SessionDelta.Change> changes = new HashMap<>();
        Map<String, byte[]> sent = new HashMap<>();
        for (Map.Entry<String, Object> e : objects.entrySet()) {
            String name = e.getKey();
            StoredAttribute was = base.getOrDefault(name, StoredAttribute.ABSENT);
            if (e.getValue() == null) {
                if (was.present()) {
                    changes.put(name, new SessionDelta.Change(was.version(), null));
                    sent.put(name, null);
                }
                continue;
            }
            if (!replace && !assigned.contains(name) && ImmutableValues.immutable(e.getValue())) {
                continue; // only read, and it cannot have changed
            }
            byte[] bytes;
            try {
                bytes = JavaSerialization.serialize(name, e.getValue(), settings.attributeFilter(), was.size());
            } catch (SessionStoreException ex) {
                failures.add(ex.getMessage());
                continue;
            }
            if (replace) {
                changes.put(name, new SessionDelta.Change(was.version(), bytes));
                sent.put(name, bytes);
                continue;
            }
            int first = was.present() ? Arrays.mismatch(was.value(), bytes) : 0;
            if (first >= 0) {
                // Changed: sent as a patch of the bytes read when that is much smaller (an object
                // changed in place), applied only to those bytes at that version.
                changes.put(name, new SessionDelta.Change(was.version(), bytes, false, BytePatch.between(was, bytes, first)));
                sent.put(name, bytes);
            }
        }
        checkSize(sent);
        boolean touch = stored && now - lastStoredAt >= touchIntervalMillis();
        boolean write = (exists && (!changes.isEmpty() || isNew || replace || touch || maxInactiveChanged || classesChanged))
                || flag != null;
        if (write && !exists && !admitted) {
            // A record only to carry a write's flag, for a user the application keeps no session
            // for: stored (the write happened), but over the address's limit it lives only as long
            // as the flag matters.
            admitted = true;
            if (newRecord.getAsLong() > 0) {
                maxInactive = Math.min(maxInactive, settings.flagTtlSeconds());
            }
        }
        boolean moved = !toRemove.isEmpty();
        if (write) {
            apply(changes, sent, flag, sessionChange, principalChange);
            held = classes;
        }
        for (String old : toRemove) {
            store.apply(old, new SessionDelta(now, settings.node(), null, null, maxInactive, false, true,
                    Map.of(), null));
        }
        toRemove.clear();
        if (write || moved) {
            publishClasses(exists ? held : UserClasses.NONE, touch);
        }
        if (!failures.isEmpty()) {
            throw new SessionStoreException(String.join("; ", failures));
        }
    }

    /** A user class after a change: null keeps {@code held}, empty removes it. */
    private static String changed(String held, String change) {
        return change == null ? held : change.isEmpty() ? null : change;
    }

    /**
     * Tells the router what user classes the session holds when that changed, the session moved to
     * another UID, or it was kept alive (the entry lives as long as the session): in the shared map,
     * without waiting, and in the response's announcement. A session that holds none leaves the map.
     */
    private void publishClasses(UserClasses now, boolean touch) {
        boolean sameUid = uid.equals(publishedUid);
        if (sameUid && now.equals(publishedClasses) && !(touch && !now.isEmpty())) {
            return;
        }
        if (!sameUid && publishedUid != null && !publishedClasses.isEmpty()) {
            store.publish(publishedUid, UserClasses.NONE, maxInactive);
        }
        if (!now.isEmpty() || (sameUid && !publishedClasses.isEmpty())) {
            store.publish(uid, now, maxInactive);
            announcement = now.announce(uid);
        }
        publishedUid = uid;
        publishedClasses = now;
    }

    private void apply(Map<String, SessionDelta.Change> changes, Map<String, byte[]> sent, StateChangeFlag flag,
                       String sessionChange, String principalChange) {
        SessionDelta delta = new SessionDelta(now, settings.node(), sessionChange, principalChange, maxInactive, replace, false,
                changes, flag);
        for (int round = 0; ; round++) {
            SessionRecord.Applied applied;
            try {
                applied = round == 0 && unwrittenUid ? store.create(uid, delta) : store.apply(uid, delta);
            } catch (RuntimeException e) {
                outcomeUnknown = true;
                throw e;
            }
            unwrittenUid = false;
            version = applied.version();
            knowWritten(round, delta, applied);
            for (Map.Entry<String, byte[]> e : sent.entrySet()) {
                if (!applied.conflicts().containsKey(e.getKey())) {
                    if (e.getValue() == null) {
                        base.remove(e.getKey());
                    } else {
                        base.put(e.getKey(), new StoredAttribute(e.getValue(), applied.version()));
                    }
                }
            }
            if (applied.conflicts().isEmpty()) {
                break;
            }
            if (round == MAX_MERGE_ROUNDS) {
                throw new SessionStoreException("session attributes " + applied.conflicts().keySet()
                        + " kept changing under this request; gave up after " + MAX_MERGE_ROUNDS + " merges");
            }
            if (round >= 2) {
                // Many requests of one user at once: let one of them through before merging again.
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(200_000, 2_000_000));
            }
            Map<String, SessionDelta.Change> merged = new HashMap<>();
            sent = new HashMap<>();
            for (Map.Entry<String, StoredAttribute> c : applied.conflicts().entrySet()) {
                boolean mergeable = objects.get(c.getKey()) instanceof SessionMergeable<?>;
                byte[] bytes = merge(c.getKey(), c.getValue());
                merged.put(c.getKey(), new SessionDelta.Change(c.getValue().version(), bytes, !mergeable));
                sent.put(c.getKey(), bytes);
                base.put(c.getKey(), c.getValue());
            }
            delta = new SessionDelta(now, settings.node(), null, null, maxInactive, false, false, merged, null);
        }
        if (flag != null) {
            store.publish(uid, flag);
            published = flag;
        }
        stored = true;
        lastStoredAt = now;
        isNew = false;
        replace = false;
        maxInactiveChanged = false;
    }

    /**
     * Works out the record the owner now holds, when this node can: the first delta met no other
     * change (no conflict, and the version went up by exactly one from the record it was based
     * on, or the record is new), so it is {@link SessionRecord#apply} of that delta on the record
     * this request knew. The store keeps it for the user's next request on this node.
     */
    private void knowWritten(int round, SessionDelta delta, SessionRecord.Applied applied) {
        SessionRecord known = current;
        current = null;
        if (round == 0 && applied.conflicts().isEmpty()) {
            SessionRecord.Applied local = SessionRecord.apply(uid, known, delta);
            if (local.record() != null && local.conflicts().isEmpty() && local.version() == applied.version()) {
                current = local.record();
                store.wrote(current);
                return;
            }
        }
        store.forget(uid, applied.version());
    }

    /** The bytes to send for an attribute another request changed since this one read it. */
    @SuppressWarnings("unchecked")
    private byte[] merge(String name, StoredAttribute theirs) {
        Object mine = objects.get(name);
        if (mine instanceof SessionMergeable<?> mergeable) {
            StoredAttribute was = base.getOrDefault(name, StoredAttribute.ABSENT);
            Object baseValue = was.present() ? materialize(name, was) : null;
            Object theirValue = theirs.present() ? materialize(name, theirs) : null;
            Object merged = ((SessionMergeable<Object>) mergeable).mergeConcurrent(baseValue, theirValue);
            objects.put(name, merged);
            if (LOG.isLoggable(Level.FINE)) {
                LOG.log(Level.FINE, "node={0} uid={1} merged concurrent changes of ''{2}''", new Object[] {settings.node(), shortUid(), name});
            }
            return merged == null ? null : JavaSerialization.serialize(name, merged, settings.attributeFilter());
        }
        long conflicts = CONFLICTS.incrementAndGet();
        long last = LAST_CONFLICT_WARNING.get();
        if (now - last >= 1_000 && LAST_CONFLICT_WARNING.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "node={0} uid={1} session attribute ''{2}'' was changed by two overlapping requests; its value is"
                    + " not SessionMergeable, so the request that stored last wins ({3} such conflicts on this node so far;"
                    + " logged once a second)", new Object[] {settings.node(), shortUid(), name, String.valueOf(conflicts)});
        }
        return mine == null ? null : JavaSerialization.serialize(name, mine, settings.attributeFilter());
    }

    private void checkSize(Map<String, byte[]> sent) {
        long stored = 0;
        for (Map.Entry<String, StoredAttribute> a : base.entrySet()) {
            stored += sent.containsKey(a.getKey()) ? 0 : a.getValue().size();
        }
        for (byte[] bytes : sent.values()) {
            stored += bytes == null ? 0 : bytes.length;
        }
        if (stored <= settings.maxBytes()) {
            return; // every store asks; the sizes are listed only for the message
        }
        Map<String, Integer> sizes = new HashMap<>();
        base.forEach((name, a) -> sizes.put(name, a.size()));
        sent.forEach((name, bytes) -> sizes.put(name, bytes == null ? 0 : bytes.length));
        long total = sizes.values().stream().mapToLong(Integer::longValue).sum();
        if (total > settings.maxBytes()) {
            List<String> largest = sizes.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                    .limit(3).map(e -> "'" + e.getKey() + "' " + e.getValue() + " bytes").toList();
            throw new SessionStoreException("session of " + total + " bytes is over qos.session.max-bytes="
                    + settings.maxBytes() + " and was not stored; largest attributes: " + String.join(", ", largest));
        }
    }

    /** How often an unchanged session is re-stored to keep it alive: a tenth of its time-out, a minute at most. */
    private long touchIntervalMillis() {
        return Math.min(60_000L, maxInactive * 100L);
    }

    /** The start of the user's UID, enough to follow one user through a log. */
    String shortUid() {
        return uid.substring(0, Math.min(8, uid.length()));
    }
}
