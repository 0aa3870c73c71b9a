package org.qoscluster.config.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.HostSpec;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.Role;
import org.qoscluster.config.ServiceClass;

/**
 * Reads and validates {@code qos.*} properties. Every problem is collected, so one run of the
 * launcher names all of them; each names the key and echoes the bad value.
 */
public final class ConfigReader {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern DB_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]{0,5}[mMgG]");
    private static final Set<String> GROUP_FIELDS = Set.of("ports", "tables", "database");
    /** Names a further group cannot have: the application's group, and the words of qos.group.* settings. */
    private static final Set<String> RESERVED_GROUPS = Set.of("store", "heartbeat", "mode", "sync");
    private static final Pattern CLASS_PATTERN =
            Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*(\\.\\*\\*?)?");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    /** The default of {@value ClusterConfig#HOST}, which {@value ClusterConfig#HOSTS} replaces. */
    private static final String DEFAULT_HOST = "127.0.0.1";
    /** The name of the one host when {@value ClusterConfig#HOSTS} is empty. */
    public static final String DEFAULT_HOST_NAME = "local";

    /** What was read; only handed out when there were no problems. */
    public record Result(Map<String, String> properties, String clusterName, String host, String databaseName,
                         List<DatabaseSpec> databases, List<MemberSpec> nodes, MemberSpec router, String nodeHeap,
                         List<ServiceClass> serviceClasses, ServiceClass defaultClass, List<GroupSpec> groups,
                         int maxHeaderBytes, int maxBodyBytes,
                         List<String> serializationAllowed, List<HostSpec> hosts, Map<String, HostSpec> placement) {
    }

    private static final Pattern ROUTER_SERVER = Pattern.compile("jetty|payara");
    private static final Pattern IO_STRATEGY = Pattern.compile("leader-follower|worker-thread");

    private final Map<String, String> props;
    private final Set<String> knownKeys;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(Map<String, String> props, Set<String> knownKeys) {
        this.props = props;
        this.knownKeys = knownKeys;
    }

    /**
     * Validates {@code props} (defaults already merged in) or throws {@link InvalidConfigException}.
     *
     * @param knownKeys the keys that exist besides the {@code qos.class.NAME.*} ones: those of the defaults
     */
    public static Result read(Map<String, String> props, Set<String> knownKeys) {
        return new ConfigReader(new TreeMap<>(props), Set.copyOf(knownKeys)).read();
    }

    private Result read() {
        checkKeys();
        String clusterName = matching(ClusterConfig.CLUSTER_NAME, NAME, "a name of lower-case letters, digits and dashes");
        List<HostSpec> hosts = hosts();
        String host = hosts.isEmpty() ? DEFAULT_HOST : hosts.get(0).address();
        String dbName = matching(ClusterConfig.DB_NAME, DB_NAME, "a database name (letter, then letters, digits, _)");
        String heap = matching(ClusterConfig.NODE_HEAP, HEAP, "a heap size such as 512m or 2g");
        matching(ClusterConfig.ROUTER_SERVER, ROUTER_SERVER, "jetty or payara");
        matching(ClusterConfig.HTTP_IO_STRATEGY, IO_STRATEGY, "leader-follower or worker-thread");

        List<DatabaseSpec> databases = new ArrayList<>();
        databases.add(new DatabaseSpec("master", true, port(ClusterConfig.DB_MASTER_PORT, value(ClusterConfig.DB_MASTER_PORT))));
        List<Integer> replicaPorts = ports(ClusterConfig.DB_REPLICA_PORTS, false);
        for (int i = 0; i < replicaPorts.size(); i++) {
            databases.add(new DatabaseSpec("replica-" + (i + 1), false, replicaPorts.get(i)));
        }

        List<Integer> httpPorts = ports(ClusterConfig.NODE_HTTP_PORTS, true);
        List<Integer> hzPorts = ports(ClusterConfig.NODE_HAZELCAST_PORTS, true);
        if (httpPorts.size() != hzPorts.size()) {
            problems.add(ClusterConfig.NODE_HAZELCAST_PORTS + ": '" + value(ClusterConfig.NODE_HAZELCAST_PORTS)
                    + "' lists " + hzPorts.size() + " ports but " + ClusterConfig.NODE_HTTP_PORTS + " lists "
                    + httpPorts.size() + " nodes; give one Hazelcast port per node");
        }
        List<Integer> proxyPorts = ports(ClusterConfig.NODE_DB_PROXY_PORTS, true);
        if (httpPorts.size() != proxyPorts.size()) {
            problems.add(ClusterConfig.NODE_DB_PROXY_PORTS + ": '" + value(ClusterConfig.NODE_DB_PROXY_PORTS)
                    + "' lists " + proxyPorts.size() + " ports but " + ClusterConfig.NODE_HTTP_PORTS + " lists "
                    + httpPorts.size() + " nodes; give one write-path proxy port per node");
        }
        List<MemberSpec> nodes = new ArrayList<>();
        for (int i = 0; i < Math.min(httpPorts.size(), Math.min(hzPorts.size(), proxyPorts.size())); i++) {
            nodes.add(new MemberSpec("node-" + (i + 1), Role.NODE, httpPorts.get(i), hzPorts.get(i), proxyPorts.get(i)));
        }
        MemberSpec router = new MemberSpec("router", Role.ROUTER,
                port(ClusterConfig.ROUTER_HTTP_PORT, value(ClusterConfig.ROUTER_HTTP_PORT)),
                port(ClusterConfig.ROUTER_HAZELCAST_PORT, value(ClusterConfig.ROUTER_HAZELCAST_PORT)), 0);
        List<GroupSpec> groups = groups();
        Map<String, HostSpec> placement = placement(hosts, databases, nodes, router, groups);
        checkDistinctPorts(databases, nodes, router, groups, placement);
        int maxHeaderBytes = intIn(ClusterConfig.HTTP_MAX_HEADER_BYTES, 1024, 65_536, null);
        int maxBodyBytes = intIn(ClusterConfig.HTTP_MAX_BODY_BYTES, 1, 64 * 1024 * 1024, null);
        List<String> allowed = classPatterns(ClusterConfig.SERIALIZATION_ALLOW);

        GoalReader.Result goals = GoalReader.read(props, org.qoscluster.config.GoalSet.DEFAULT_CLASS_NAME, problems);
        org.qoscluster.config.UserClassRoles.read(props, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new Result(props, clusterName, host, dbName, databases, nodes, router, heap, goals.classes(), goals.defaultClass(), groups,
                maxHeaderBytes, maxBodyBytes,
                allowed, hosts, placement);
    }

    /**
     * The hosts of {@value ClusterConfig#HOSTS} ({@code NAME=ADDRESS,...}), or when it is empty the
     * one host {@value #DEFAULT_HOST_NAME} at {@value ClusterConfig#HOST}.
     */
    private List<HostSpec> hosts() {
        String listed = value(ClusterConfig.HOSTS);
        if (listed.isEmpty()) {
            String address = address(ClusterConfig.HOST, value(ClusterConfig.HOST));
            return address == null ? List.of() : List.of(new HostSpec(DEFAULT_HOST_NAME, address));
        }
        if (!value(ClusterConfig.HOST).equals(DEFAULT_HOST)) {
            problems.add(ClusterConfig.HOST + ": '" + value(ClusterConfig.HOST) + "' is given together with "
                    + ClusterConfig.HOSTS + "; give every host's address in " + ClusterConfig.HOSTS + " and leave "
                    + ClusterConfig.HOST + " out");
        }
        List<HostSpec> hosts = new ArrayList<>();
        Map<String, String> nameByAddress = new HashMap<>();
        for (String entry : names(ClusterConfig.HOSTS)) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? entry : entry.substring(0, eq).trim();
            if (eq < 0 || !NAME.matcher(name).matches()) {
                problems.add(ClusterConfig.HOSTS + ": '" + entry + "' is not NAME=ADDRESS (a name of lower-case letters,"
                        + " digits and dashes, then a literal IPv4 or IPv6 address)");
                continue;
            }
            String address = address(ClusterConfig.HOSTS + " (host " + name + ")", entry.substring(eq + 1).trim());
            if (address == null) {
                continue;
            }
            if (hosts.stream().anyMatch(h -> h.name().equals(name))) {
                problems.add(ClusterConfig.HOSTS + ": host name '" + name + "' is given twice");
                continue;
            }
            String canonical = canonical(address);
            String other = nameByAddress.putIfAbsent(canonical, name);
            if (other != null) {
                problems.add(ClusterConfig.HOSTS + ": hosts '" + other + "' and '" + name + "' have the same address "
                        + address + "; every host needs its own");
                continue;
            }
            hosts.add(new HostSpec(name, address));
        }
        return hosts;
    }

    /**
     * {@code v} when it is a literal IPv4 or IPv6 address that a server can bind (not the wildcard,
     * not multicast); else null, with the problem recorded under {@code key}. No name is resolved.
     */
    private String address(String key, String v) {
        boolean literal = IPV4.matcher(v).matches() || (v.indexOf(':') >= 0 && IPV6.matcher(v).matches());
        if (literal) {
            try {
                // A literal is parsed, never looked up.
                InetAddress a = InetAddress.getByName(v);
                if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                    problems.add(key + ": '" + v + "' is " + (a.isAnyLocalAddress() ? "the wildcard address" : "a multicast address")
                            + "; give the one address the parts listen on");
                    return null;
                }
                return v;
            } catch (UnknownHostException e) {
                // reported below
            }
        }
        problems.add(key + ": '" + v + "' is not a literal IPv4 or IPv6 address (host names are not resolved)");
        return null;
    }

    private static String canonical(String address) {
        try {
            InetAddress a = InetAddress.getByName(address);
            return a instanceof Inet6Address ? a.getHostAddress() : address;
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /**
     * Every part's host: {@code qos.place.PART=HOST} for the parts named there, the first host for
     * the others. Parts: {@code router}, {@code node-N}, {@code master}, {@code replica-N}, the
     * copies of further groups, {@value ClusterConfig#REPLICATION_AGENT}.
     */
    private Map<String, HostSpec> placement(List<HostSpec> hosts, List<DatabaseSpec> databases, List<MemberSpec> nodes,
                                            MemberSpec router, List<GroupSpec> groups) {
        List<String> parts = new ArrayList<>();
        parts.add(router.name());
        nodes.forEach(n -> parts.add(n.name()));
        databases.forEach(d -> parts.add(d.name()));
        groups.forEach(g -> g.copies().forEach(c -> parts.add(c.name())));
        parts.add(ClusterConfig.REPLICATION_AGENT);
        Map<String, HostSpec> placement = new LinkedHashMap<>();
        if (hosts.isEmpty()) {
            return placement;
        }
        for (String part : parts) {
            placement.put(part, hosts.get(0));
        }
        for (String key : props.keySet()) {
            if (!key.startsWith(ClusterConfig.PLACE_PREFIX)) {
                continue;
            }
            String part = key.substring(ClusterConfig.PLACE_PREFIX.length());
            String hostName = value(key);
            if (!placement.containsKey(part)) {
                problems.add(key + ": '" + part + "' is not a part of this cluster (parts: " + String.join(", ", parts) + ")");
                continue;
            }
            HostSpec h = hosts.stream().filter(x -> x.name().equals(hostName)).findFirst().orElse(null);
            if (h == null) {
                problems.add(key + ": '" + hostName + "' is not a host of " + ClusterConfig.HOSTS + " (hosts: "
                        + String.join(", ", hosts.stream().map(HostSpec::name).toList()) + ")");
                continue;
            }
            placement.put(part, h);
        }
        return placement;
    }

    /**
     * Class patterns separated by ';': a class name, {@code package.*} or {@code package.**};
     * refusals ('!') and limits are the filter's own, not the operator's.
     */
    private List<String> classPatterns(String key) {
        List<String> patterns = new ArrayList<>();
        String v = value(key);
        for (String part : v.split(";")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (!CLASS_PATTERN.matcher(p).matches()) {
                problems.add(key + ": '" + p + "' (in '" + v + "') is not a class name, package.* or package.**");
            } else {
                patterns.add(p);
            }
        }
        return patterns;
    }

    /** The further redundancy groups of {@code qos.groups}, each with its {@code qos.group.NAME.*} keys. */
    private List<GroupSpec> groups() {
        List<GroupSpec> groups = new ArrayList<>();
        for (String name : names(ClusterConfig.GROUPS)) {
            if (!NAME.matcher(name).matches() || RESERVED_GROUPS.contains(name)) {
                problems.add(ClusterConfig.GROUPS + ": '" + name + "' is not a group name (lower-case letters, digits, dashes;"
                        + " not one of " + new TreeSet<>(RESERVED_GROUPS) + ")");
                continue;
            }
            String base = ClusterConfig.GROUP_PREFIX + name + ".";
            List<Integer> ports = ports(base + "ports", true);
            List<DatabaseSpec> copies = new ArrayList<>();
            for (int i = 0; i < ports.size(); i++) {
                copies.add(new DatabaseSpec(name + "-" + (i + 1), i == 0, ports.get(i)));
            }
            String database = props.containsKey(base + "database") ? value(base + "database") : name.replace('-', '_');
            if (!DB_NAME.matcher(database).matches()) {
                problems.add(base + "database: '" + database + "' is not a database name (letter, then letters, digits, _)");
            }
            List<String> tables = names(base + "tables");
            if (tables.isEmpty()) {
                problems.add(base + "tables: missing; give the group's replicated tables, comma separated");
            }
            for (String t : tables) {
                if (!TABLE.matcher(t).matches()) {
                    problems.add(base + "tables: '" + t + "' is not a table name");
                }
            }
            if (!copies.isEmpty()) {
                groups.add(new GroupSpec(name, database, copies, tables));
            }
        }
        return groups;
    }

    /** The comma-separated, trimmed, non-empty entries of {@code key}. */
    private List<String> names(String key) {
        List<String> out = new ArrayList<>();
        for (String part : value(key).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    /** Refuses unknown keys; the goal keys ({@code qos.class.*}) are {@link GoalReader}'s. */
    private void checkKeys() {
        for (String key : props.keySet()) {
            if (GoalReader.isGoalKey(key) || knownKeys.contains(key)) {
                continue;
            }
            if (key.startsWith(ClusterConfig.PLACE_PREFIX) || org.qoscluster.config.UserClassRoles.isRoleKey(key)) {
                continue;
            }
            if (key.startsWith(ClusterConfig.GROUP_PREFIX)) {
                String rest = key.substring(ClusterConfig.GROUP_PREFIX.length());
                int dot = rest.lastIndexOf('.');
                if (dot > 0 && GROUP_FIELDS.contains(rest.substring(dot + 1)) && names(ClusterConfig.GROUPS).contains(rest.substring(0, dot))) {
                    continue;
                }
                problems.add(key + ": unknown key (value '" + props.get(key) + "'); a further group's keys are "
                        + ClusterConfig.GROUP_PREFIX + "NAME." + new TreeSet<>(GROUP_FIELDS) + " for a NAME listed in " + ClusterConfig.GROUPS);
                continue;
            }
            problems.add(key + ": unknown key (value '" + props.get(key) + "'); see defaults.properties for the keys that exist");
        }
    }

    private String value(String key) {
        String v = props.get(key);
        return v == null ? "" : v.trim();
    }

    private String matching(String key, Pattern pattern, String what) {
        String v = value(key);
        if (!pattern.matcher(v).matches()) {
            problems.add(key + ": '" + v + "' is not " + what);
        }
        return v;
    }

    private int intIn(String key, int min, int max, String dflt) {
        return GoalReader.intIn(props, problems, key, min, max, dflt);
    }

    private int port(String key, String v) {
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key + ": '" + v.trim() + "' is not a port number (1-65535)");
        return 0;
    }

    private List<Integer> ports(String key, boolean atLeastOne) {
        String v = value(key);
        List<Integer> ports = new ArrayList<>();
        if (!v.isEmpty()) {
            for (String part : v.split(",")) {
                ports.add(port(key, part));
            }
        }
        if (atLeastOne && ports.isEmpty()) {
            problems.add(key + ": empty; give at least one port");
        }
        return ports;
    }

    /** Refuses two parts on one host and port; parts on different hosts may share a port number. */
    private void checkDistinctPorts(List<DatabaseSpec> databases, List<MemberSpec> nodes, MemberSpec router,
                                    List<GroupSpec> groups, Map<String, HostSpec> placement) {
        record Use(String part, String key, int port) {
        }
        List<Use> uses = new ArrayList<>();
        for (DatabaseSpec d : databases) {
            uses.add(new Use(d.name(), d.master() ? ClusterConfig.DB_MASTER_PORT : ClusterConfig.DB_REPLICA_PORTS, d.port()));
        }
        for (MemberSpec n : nodes) {
            uses.add(new Use(n.name(), ClusterConfig.NODE_HTTP_PORTS, n.httpPort()));
            uses.add(new Use(n.name(), ClusterConfig.NODE_HAZELCAST_PORTS, n.hazelcastPort()));
            uses.add(new Use(n.name(), ClusterConfig.NODE_DB_PROXY_PORTS, n.dbProxyPort()));
        }
        uses.add(new Use(router.name(), ClusterConfig.ROUTER_HTTP_PORT, router.httpPort()));
        uses.add(new Use(router.name(), ClusterConfig.ROUTER_HAZELCAST_PORT, router.hazelcastPort()));
        for (GroupSpec g : groups) {
            g.copies().forEach(c -> uses.add(new Use(c.name(), ClusterConfig.GROUP_PREFIX + g.name() + ".ports", c.port())));
        }
        Map<String, Use> owner = new HashMap<>();
        for (Use u : uses) {
            if (u.port() == 0) {
                continue; // not a port: reported already
            }
            HostSpec h = placement.get(u.part());
            String where = (h == null ? "" : h.name()) + ":" + u.port();
            Use previous = owner.putIfAbsent(where, u);
            if (previous != null) {
                problems.add(u.key() + ": port " + u.port() + " is also given in " + previous.key() + " ("
                        + previous.part() + " and " + u.part() + (h == null ? "" : ", both on host " + h.name())
                        + "); every part needs its own port on its host");
            }
        }
    }
}
