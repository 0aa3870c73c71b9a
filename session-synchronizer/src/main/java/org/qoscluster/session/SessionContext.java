package org.qoscluster.session;

import java.util.Objects;
import java.util.Optional;

import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UserClasses;

/**
 * What the Session Synchronizer knows about the current request's user, bound to the request
 * thread while the application runs (M6): the verified UID, the user class, the user's
 * database-state-change flag as the session database had it, and the node that served the
 * user's last write. The data layer reads it to choose a database copy, and calls
 * {@link #recordWrite} after a write so that the flag is stored with the session (M9) and
 * published to the router (M10).
 */
public final class SessionContext {

    private static final ThreadLocal<SessionContext> CURRENT = new ThreadLocal<>();

    private final String uid;
    private final String userClass;
    private final String node;
    private final StateChangeFlag storedFlag;
    private final String lastWriteNode;
    private volatile StateChangeFlag recorded;
    /** The user class the application keeps in the session: as stored, or as this request set it; null for none. */
    private volatile String sessionUserClass;
    private volatile boolean userClassChanged;

    /**
     * @param uid           the verified UID
     * @param userClass     the verified user class
     * @param node          this node's name
     * @param storedFlag    the flag in the session record, or null
     * @param lastWriteNode the node that stored the user's last write, or null
     */
    public SessionContext(String uid, String userClass, String node, StateChangeFlag storedFlag, String lastWriteNode) {
        this(uid, userClass, node, storedFlag, lastWriteNode, null);
    }

    /**
     * @param uid              the verified UID
     * @param userClass        the verified user class
     * @param node             this node's name
     * @param storedFlag       the flag in the session record, or null
     * @param lastWriteNode    the node that stored the user's last write, or null
     * @param sessionUserClass the user class the application set in the session, as stored, or null
     */
    public SessionContext(String uid, String userClass, String node, StateChangeFlag storedFlag, String lastWriteNode,
                          String sessionUserClass) {
        this.uid = Objects.requireNonNull(uid, "uid");
        this.userClass = Objects.requireNonNull(userClass, "userClass");
        this.node = Objects.requireNonNull(node, "node");
        this.storedFlag = storedFlag;
        this.lastWriteNode = lastWriteNode;
        this.sessionUserClass = sessionUserClass;
    }

    /** The context of the request this thread is serving, if the Session Synchronizer runs in front of it. */
    public static Optional<SessionContext> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Binds {@code context} to this thread until the returned scope is closed. */
    public static Scope bind(SessionContext context) {
        SessionContext previous = CURRENT.get();
        CURRENT.set(context);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    public String uid() {
        return uid;
    }

    /**
     * The user class the router gave this request (from its configured sources: a trusted header,
     * the session, the principal), verified by its signature; {@code standard} without one.
     */
    public String userClass() {
        return userClass;
    }

    /**
     * Puts the user in {@code userClass} for the rest of the session, as the application decides
     * (after sign-in, from the customer's record, say): stored with the session when this request
     * ends, and from the user's next request on the router routes them by that user class's goals
     * (when {@code qos.router.user-class-source} lists {@code session}). Only server-side code can
     * call this; nothing a client sends sets it. The class belongs to the session: a request that
     * has no session (and creates none) stores nothing; signing out ({@code invalidate}) ends it,
     * a new session id ({@code changeSessionId}) keeps it.
     *
     * @throws IllegalArgumentException when {@code userClass} is not a user class name
     *                                  (lower-case letter, then lower-case letters, digits, dashes; at most 40)
     */
    public void setUserClass(String userClass) {
        if (userClass == null || !UserClasses.NAME.matcher(userClass).matches()) {
            throw new IllegalArgumentException("user class: '" + userClass + "' is not a user class name"
                    + " (lower-case letter, then lower-case letters, digits, dashes; at most 40)");
        }
        sessionUserClass = userClass;
        userClassChanged = true;
    }

    /** Takes the user class the application set out of the session again (see {@link #setUserClass}). */
    public void clearUserClass() {
        sessionUserClass = null;
        userClassChanged = true;
    }

    /** The user class the application keeps in the session: as stored, or as this request set it. */
    public Optional<String> sessionUserClass() {
        return Optional.ofNullable(sessionUserClass);
    }

    /** Whether this request set or cleared the session's user class (for the Session Synchronizer). */
    public boolean userClassChanged() {
        return userClassChanged;
    }

    /** This node's name. */
    public String node() {
        return node;
    }

    /** The user's state-change flag: the one recorded by this request, else the stored one. */
    public Optional<StateChangeFlag> stateChange() {
        StateChangeFlag r = recorded;
        return Optional.ofNullable(r != null ? r : storedFlag);
    }

    /** The node that served the user's last write, as stored before this request. */
    public Optional<String> lastWriteNode() {
        return Optional.ofNullable(lastWriteNode);
    }

    /**
     * Records that this request wrote to the master: commit sequence {@code sequence} at
     * {@code epochMillis}. The flag is stored with the session when the request ends and
     * published to the router, which keeps the user on this node until the flag clears.
     */
    public void recordWrite(long sequence, long epochMillis) {
        StateChangeFlag r = recorded;
        if (r == null || sequence >= r.sequence()) {
            recorded = new StateChangeFlag(node, sequence, epochMillis);
        }
    }

    /** The flag recorded by this request, if any. */
    public Optional<StateChangeFlag> recordedWrite() {
        return Optional.ofNullable(recorded);
    }

    /** Ends a {@link #bind}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
