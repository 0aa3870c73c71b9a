package org.qoscluster.session;

import java.util.Objects;
import java.util.Optional;

import org.qoscluster.contract.StateChangeFlag;

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

    /**
     * @param uid           the verified UID
     * @param userClass     the verified user class
     * @param node          this node's name
     * @param storedFlag    the flag in the session record, or null
     * @param lastWriteNode the node that stored the user's last write, or null
     */
    public SessionContext(String uid, String userClass, String node, StateChangeFlag storedFlag, String lastWriteNode) {
        this.uid = Objects.requireNonNull(uid, "uid");
        this.userClass = Objects.requireNonNull(userClass, "userClass");
        this.node = Objects.requireNonNull(node, "node");
        this.storedFlag = storedFlag;
        this.lastWriteNode = lastWriteNode;
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

    public String userClass() {
        return userClass;
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
