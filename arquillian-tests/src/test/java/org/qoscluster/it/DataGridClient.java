package org.qoscluster.it;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import org.qoscluster.launcher.Cluster;

/** A Hazelcast client of a test cluster's data grid, as a member of it would be reached. */
final class DataGridClient {

    private DataGridClient() {
    }

    /** A client that joins through the nodes' members, with the cluster's secret name; waits up to 30 s. */
    static HazelcastInstance connect(Cluster cluster) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(cluster.hazelcastClusterName());
        cluster.config().nodes().forEach(n -> config.getNetworkConfig().addAddress("127.0.0.1:" + n.hazelcastPort()));
        config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
        return HazelcastClient.newHazelcastClient(config);
    }
}
