package org.qoscluster.qrs;

import org.qoscluster.contract.UserClasses;

/**
 * Where the router reads the user classes a user's session holds (the "session" and
 * "principal" sources): the nodes publish them in the Hazelcast map
 * {@link org.qoscluster.contract.ClusterMaps#USER_CLASSES}, which the router mirrors in memory,
 * so a request costs one local map read, never a remote call.
 */
public interface UserClassDirectory {

    /** What the user's session holds, or null when it holds no class (or the router has not heard of it). */
    UserClasses classes(String uid);

    /**
     * A node announced the user's classes in its response: held from now on, as if the map's
     * listener had delivered them (an empty value forgets the user).
     */
    default void announced(String uid, UserClasses classes) {
    }

    /** No session classes at all: for a router without a cluster. */
    UserClassDirectory NONE = uid -> null;
}
