package org.qoscluster.session;

/**
 * An attribute value's own rule for two requests of one user that changed it at the same time
 * (on two nodes, or on one). Without it, the request that stores last wins for that attribute
 * and the conflict is logged; with it, nothing either request did is lost.
 *
 * <p>Called on the node storing the session, on {@code this}: the value this request is storing.
 *
 * @param <T> the attribute's type
 */
public interface SessionMergeable<T> {

    /**
     * The value to store.
     *
     * @param base   the value this request read at its start, or null if the attribute was absent
     * @param theirs the value another request stored meanwhile, or null if it removed the attribute
     */
    T mergeConcurrent(T base, T theirs);
}
