package org.qoscluster.config;

/** What a Payara Micro member of the cluster runs. */
public enum Role {
    /** The QoS-goal Router Servlet, in front of the nodes of a site. */
    ROUTER,
    /** An application node running the user's WAR. */
    NODE
}
