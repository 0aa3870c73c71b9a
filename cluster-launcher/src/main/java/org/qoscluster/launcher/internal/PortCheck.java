package org.qoscluster.launcher.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

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
        requireFree(config, withNodes, part -> true);
    }

    /** Throws a {@link LauncherException} naming each port, of the parts {@code here} accepts, already in use at its host's address. */
    public static void requireFree(ClusterConfig config, boolean withNodes, Predicate<String> here) {
        record Use(String part, int port, String what) {
        }
        List<Use> uses = new ArrayList<>();
        for (DatabaseSpec db : config.databases()) {
            uses.add(new Use(db.name(), db.port(), (db.master() ? ClusterConfig.DB_MASTER_PORT : ClusterConfig.DB_REPLICA_PORTS)
                    + ", Derby " + db.name()));
        }
        for (GroupSpec g : config.furtherGroups()) {
            for (DatabaseSpec db : g.copies()) {
                uses.add(new Use(db.name(), db.port(), ClusterConfig.GROUP_PREFIX + g.name() + ".ports, Derby " + db.name()));
            }
        }
        for (MemberSpec n : withNodes ? config.nodes() : List.<MemberSpec>of()) {
            uses.add(new Use(n.name(), n.httpPort(), ClusterConfig.NODE_HTTP_PORTS + ", " + n.name() + " HTTP"));
            uses.add(new Use(n.name(), n.hazelcastPort(), ClusterConfig.NODE_HAZELCAST_PORTS + ", " + n.name() + " Hazelcast"));
            uses.add(new Use(n.name(), n.dbProxyPort(), ClusterConfig.NODE_DB_PROXY_PORTS + ", " + n.name() + " write-path proxy"));
        }
        if (withNodes) {
            MemberSpec r = config.router();
            uses.add(new Use(r.name(), r.httpPort(), ClusterConfig.ROUTER_HTTP_PORT + ", router HTTP"));
            uses.add(new Use(r.name(), r.hazelcastPort(), ClusterConfig.ROUTER_HAZELCAST_PORT + ", router Hazelcast"));
        }
        List<String> busy = new ArrayList<>();
        for (Use u : uses) {
            String address = config.address(u.part());
            if (here.test(u.part()) && !Readiness.portFree(address, u.port())) {
                busy.add("port " + u.port() + " (" + u.what() + ") is already in use on " + address);
            }
        }
        if (!busy.isEmpty()) {
            throw new LauncherException(String.join("\n", busy) + "\nchoose other ports in the configuration or stop what uses them");
        }
    }
}
