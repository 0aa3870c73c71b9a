package org.qoscluster.contract;

import java.util.List;
import java.util.concurrent.TimeUnit;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig;

/**
 * How a process that is not a member (the replication agent, the router on Jetty) joins the
 * members' Hazelcast as a client: it connects in the background and reconnects on its own, every
 * 2 s at most while no member answers, and it gives up on a member that stopped answering within
 * {@code noHeartbeatSeconds} (Hazelcast's defaults, 60 s without a heartbeat and 120 s per call,
 * would hold a caller for minutes when a host is cut off).
 */
public final class ClusterClients {

    private ClusterClients() {
    }

    /**
     * The client's configuration: it connects in the background (proxies fail until it has).
     *
     * @param clusterName        the cluster's secret Hazelcast name
     * @param instanceName       the client's name in the members' logs
     * @param members            the members' {@code host:port} addresses
     * @param noHeartbeatSeconds seconds without a heartbeat after which a member is given up
     */
    public static ClientConfig config(String clusterName, String instanceName, List<String> members, int noHeartbeatSeconds) {
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName);
        c.setInstanceName(instanceName);
        c.getNetworkConfig().setAddresses(List.copyOf(members));
        c.getConnectionStrategyConfig().setAsyncStart(true)
                .setReconnectMode(ClientConnectionStrategyConfig.ReconnectMode.ASYNC)
                .getConnectionRetryConfig().setClusterConnectTimeoutMillis(Long.MAX_VALUE).setMaxBackoffMillis(2_000);
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.client.heartbeat.interval", "1000");
        c.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(TimeUnit.SECONDS.toMillis(noHeartbeatSeconds)));
        c.setProperty("hazelcast.client.invocation.timeout.seconds", Integer.toString(noHeartbeatSeconds));
        return c;
    }
}
