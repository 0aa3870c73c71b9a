package org.qoscluster.launcher.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.LauncherException;

/**
 * The check before a cluster starts that every port it will listen on is free: the Derby
 * servers', and with the members also the nodes' HTTP, Hazelcast and write-path ports and the
 * router's. One refusal names every busy port with the configuration key that set it.
 */
public final class PortCheck {

    private PortCheck() {
    }

    /** Throws a {@link LauncherException} naming each port of {@code config} already in use. */
    public static void requireFree(ClusterConfig config, boolean withNodes) {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (DatabaseSpec db : config.databases()) {
            ports.put(db.port(), (db.master() ? ClusterConfig.DB_MASTER_PORT : ClusterConfig.DB_REPLICA_PORTS)
                    + ", Derby " + db.name());
        }
        for (GroupSpec g : config.furtherGroups()) {
            for (DatabaseSpec db : g.copies()) {
                ports.put(db.port(), ClusterConfig.GROUP_PREFIX + g.name() + ".ports, Derby " + db.name());
            }
        }
        for (MemberSpec n : withNodes ? config.nodes() : List.<MemberSpec>of()) {
            ports.put(n.httpPort(), ClusterConfig.NODE_HTTP_PORTS + ", " + n.name() + " HTTP");
            ports.put(n.hazelcastPort(), ClusterConfig.NODE_HAZELCAST_PORTS + ", " + n.name() + " Hazelcast");
            ports.put(n.dbProxyPort(), ClusterConfig.NODE_DB_PROXY_PORTS + ", " + n.name() + " write-path proxy");
        }
        if (withNodes) {
            ports.put(config.router().httpPort(), ClusterConfig.ROUTER_HTTP_PORT + ", router HTTP");
            ports.put(config.router().hazelcastPort(), ClusterConfig.ROUTER_HAZELCAST_PORT + ", router Hazelcast");
        }
        List<String> busy = new ArrayList<>();
        ports.forEach((port, what) -> {
            if (!Readiness.portFree(config.host(), port)) {
                busy.add("port " + port + " (" + what + ") is already in use on " + config.host());
            }
        });
        if (!busy.isEmpty()) {
            throw new LauncherException(String.join("\n", busy) + "\nchoose other ports in the configuration or stop what uses them");
        }
    }
}
