package org.qoscluster.contract;

/**
 * The headers the router adds to a request it forwards to a node. A client's own {@code X-QoS-*}
 * headers are dropped by the router; a node believes the identity headers only when their
 * signature verifies ({@link UidCookie}), so a client that reaches a node directly cannot use
 * them to become another user or another user class.
 */
public final class ForwardedHeaders {

    /** The user's UID, signed: {@code UID.SIGNATURE} (the same value as the UID cookie). */
    public static final String UID = "X-QoS-UID";
    /** The user class, signed for the UID: {@code CLASS.SIGNATURE}. */
    public static final String USER_CLASS = "X-QoS-User-Class";
    /**
     * The client's address as the router saw it, signed for the UID: {@code ADDRESS.SIGNATURE}.
     * A node counts new sessions per client address by it (behind the router every connection
     * comes from the router's own address).
     */
    public static final String CLIENT = "X-QoS-Client";
    /**
     * Present when the router issued the UID for this very request (a first visit), signed for the
     * UID ({@link UidCookie#signIssued}): the node knows there is no session to look for.
     */
    public static final String ISSUED = "X-QoS-UID-Issued";
    /** The service class the router put the request in (informative, not trusted). */
    public static final String SERVICE_CLASS = "X-QoS-Class";
    /** The node that answered (set on the response by the router). */
    public static final String NODE = "X-QoS-Node";
    /**
     * The goal the router routed the request by, on the response: {@code p95-ms=N; priority=N}
     * (the user class's goal within the service class). With {@link #SERVICE_CLASS} and
     * {@link #USER_CLASS} (the class it used, unsigned on the response) it tells the user how they
     * were treated.
     */
    public static final String GOAL = "X-QoS-Goal";
    /** The user class of a request without a verified one. */
    public static final String DEFAULT_USER_CLASS = "standard";

    private ForwardedHeaders() {
    }
}
