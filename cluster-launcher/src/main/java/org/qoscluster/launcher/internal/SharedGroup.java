package org.qoscluster.launcher.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.launcher.SitesConfig;
import org.qoscluster.redundancy.SiteGroup;
import org.qoscluster.replication.ReplicationSettings;

/**
 * One database group across the sites ({@code qos.sites.database=shared}): derives each site's
 * {@code qos.shared-group.*} keys (this site, every site, every site's copies as this site reaches
 * them, the master's lease) from the sites' own configurations and their
 * {@code qos.site.NAME.wan.COPY=ADDRESS:PORT} keys (where the other sites reach a copy; default
 * the copy's own address and port), and validates them as the group reads them ({@link SiteGroup}).
 */
public final class SharedGroup {

    private static final String WAN = "wan.";

    private SharedGroup() {
    }

    /**
     * {@code sites} with their clusters' {@code qos.shared-group.*} keys set; problems (named keys)
     * are added to {@code problems} and the sites returned as they were.
     *
     * @param own each site's own keys ({@code qos.site.NAME.X} as {@code X}), by site
     */
    public static List<SitesConfig.Site> derive(List<SitesConfig.Site> sites, Map<String, Map<String, String>> own, int leaseMs,
                                                List<String> problems) {
        int before = problems.size();
        SitesConfig.Site first = sites.get(0);
        // Where the other sites reach each copy: SITE -> COPY -> ADDRESS/PORT.
        Map<String, Map<String, String>> wan = new LinkedHashMap<>();
        for (SitesConfig.Site s : sites) {
            ClusterConfig c = s.cluster();
            String prefix = SitesConfig.SITE_PREFIX + s.name() + ".";
            if (!c.databaseName().equals(first.cluster().databaseName())) {
                problems.add(prefix + "db.name: '" + c.databaseName() + "', but site " + first.name() + "'s is '"
                        + first.cluster().databaseName() + "'; the sites share one database group (" + SitesConfig.DATABASE + "=shared)");
            }
            if (!ReplicationSettings.of(c).tables().equals(ReplicationSettings.of(first.cluster()).tables())) {
                problems.add(prefix + "replication.tables: not site " + first.name() + "'s; the sites share one database group ("
                        + SitesConfig.DATABASE + "=shared)");
            }
            Map<String, String> reached = new LinkedHashMap<>();
            for (DatabaseSpec db : c.databases()) {
                reached.put(db.name(), c.address(db.name()) + "/" + db.port());
            }
            own.getOrDefault(s.name(), Map.of()).forEach((k, v) -> {
                if (!k.startsWith(WAN)) {
                    return;
                }
                String copy = k.substring(WAN.length());
                if (!reached.containsKey(copy)) {
                    problems.add(prefix + k + ": '" + copy + "' is not a database copy of site " + s.name() + " (" + reached.keySet() + ")");
                    return;
                }
                String value = v.strip();
                int colon = value.lastIndexOf(':');
                String host = colon < 0 ? "" : value.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    int port = Integer.parseInt(value.substring(colon + 1));
                    if (host.isEmpty() || port < 1 || port > 65_535) {
                        throw new NumberFormatException();
                    }
                    org.qoscluster.sitedns.Subnet.literal(host);
                    reached.put(copy, host + "/" + port);
                } catch (IllegalArgumentException e) {
                    problems.add(prefix + k + ": '" + v + "' is not ADDRESS:PORT (an IP address literal, [IPv6]:PORT, a port 1-65535)");
                }
            });
            wan.put(s.name(), reached);
        }
        if (problems.size() > before) {
            return sites;
        }
        String names = String.join(",", sites.stream().map(SitesConfig.Site::name).toList());
        List<SitesConfig.Site> out = new ArrayList<>();
        for (SitesConfig.Site s : sites) {
            List<String> copies = new ArrayList<>();
            for (SitesConfig.Site t : sites) {
                ClusterConfig c = t.cluster();
                for (DatabaseSpec db : c.databases()) {
                    String at = t.name().equals(s.name()) ? c.address(db.name()) + "/" + db.port() : wan.get(t.name()).get(db.name());
                    copies.add(t.name() + "/" + db.name() + "/" + at);
                }
            }
            Map<String, String> p = new LinkedHashMap<>(s.cluster().properties());
            p.put(ClusterConfig.SHARED_GROUP_SITE, s.name());
            p.put(ClusterConfig.SHARED_GROUP_SITES, names);
            p.put(ClusterConfig.SHARED_GROUP_COPIES, String.join(",", copies));
            p.put(ClusterConfig.SHARED_GROUP_LEASE, Integer.toString(leaseMs));
            try {
                ClusterConfig c = ClusterConfig.fromEffective(p);
                SiteGroup.from(c);
                out.add(new SitesConfig.Site(s.name(), c, s.dnsAddress(), s.dnsPort(), s.dnsPeer(), s.addresses(), s.statusUrl()));
            } catch (InvalidConfigException | IllegalArgumentException e) {
                problems.add("site " + s.name() + "'s database group across sites: " + e.getMessage());
                return sites;
            }
        }
        return List.copyOf(out);
    }
}
