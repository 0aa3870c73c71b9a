package org.qoscluster.it;

import org.qoscluster.testing.QosCluster;

/**
 * Every test of {@link RouterIT} against the router on Payara Micro ({@code qos.router.server=payara},
 * the router WAR deployed on a member of the cluster) instead of its own Jetty server: the same
 * servlets must behave the same in both containers.
 */
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.server=payara", "qos.router.node-capacity=8",
        "qos.node.test-switches=true", "qos.router.health.timeout-ms=3000", "qos.router.body-idle-timeout-ms=30000"})
class PayaraRouterIT extends RouterIT {
}
