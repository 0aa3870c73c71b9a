package org.qoscluster.config.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.GroupSpec;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.RequestRule;
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
    private static final Pattern METHOD = Pattern.compile("\\*|[A-Z]{1,16}");
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~/%-]*\\*?");
    private static final Set<String> CLASS_FIELDS = Set.of("p95-ms", "priority", "max-concurrency", "match");
    private static final Set<String> GROUP_FIELDS = Set.of("ports", "tables", "database");
    /** Names a further group cannot have: the application's group, and the words of qos.group.* settings. */
    private static final Set<String> RESERVED_GROUPS = Set.of("store", "heartbeat", "mode", "sync");
    private static final Pattern CLASS_PATTERN =
            Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*(\\.\\*\\*?)?");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");
    /** What was read; only handed out when there were no problems. */
    public record Result(Map<String, String> properties, String clusterName, String host, String databaseName,
                         List<DatabaseSpec> databases, List<MemberSpec> nodes, MemberSpec router, String nodeHeap,
                         List<ServiceClass> serviceClasses, ServiceClass defaultClass, List<GroupSpec> groups,
                         int maxHeaderBytes, int maxBodyBytes,
                         List<String> serializationAllowed) {
    }

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
        Set<String> classNames = checkKeys();
        String clusterName = matching(ClusterConfig.CLUSTER_NAME, NAME, "a name of lower-case letters, digits and dashes");
        String host = loopback(ClusterConfig.HOST);
        String dbName = matching(ClusterConfig.DB_NAME, DB_NAME, "a database name (letter, then letters, digits, _)");
        String heap = matching(ClusterConfig.NODE_HEAP, HEAP, "a heap size such as 512m or 2g");

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
        checkDistinctPorts(groups);
        int maxHeaderBytes = intIn(ClusterConfig.HTTP_MAX_HEADER_BYTES, 1024, 65_536, null);
        int maxBodyBytes = intIn(ClusterConfig.HTTP_MAX_BODY_BYTES, 1, 64 * 1024 * 1024, null);
        List<String> allowed = classPatterns(ClusterConfig.SERIALIZATION_ALLOW);

        List<ServiceClass> classes = new ArrayList<>();
        for (String name : classNames) {
            classes.add(serviceClass(name));
        }
        String defaultName = value(ClusterConfig.DEFAULT_CLASS);
        ServiceClass defaultClass = classes.stream().filter(c -> c.name().equals(defaultName)).findFirst().orElse(null);
        if (defaultClass == null) {
            problems.add(ClusterConfig.DEFAULT_CLASS + ": '" + defaultName + "' names no configured class (have "
                    + classNames + ")");
        } else {
            classes.remove(defaultClass);
            classes.add(defaultClass);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new Result(props, clusterName, host, dbName, databases, nodes, router, heap, classes, defaultClass, groups,
                maxHeaderBytes, maxBodyBytes,
                allowed);
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

    /** Refuses unknown keys; returns the service-class names found. */
    private Set<String> checkKeys() {
        Set<String> classNames = new TreeSet<>();
        for (String key : props.keySet()) {
            if (key.equals(ClusterConfig.DEFAULT_CLASS) || (knownKeys.contains(key) && !key.startsWith(ClusterConfig.CLASS_PREFIX))) {
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
            if (key.startsWith(ClusterConfig.CLASS_PREFIX) && !key.equals(ClusterConfig.DEFAULT_CLASS)) {
                String rest = key.substring(ClusterConfig.CLASS_PREFIX.length());
                int dot = rest.lastIndexOf('.');
                if (dot > 0 && CLASS_FIELDS.contains(rest.substring(dot + 1))) {
                    String name = rest.substring(0, dot);
                    if (NAME.matcher(name).matches()) {
                        classNames.add(name);
                    } else {
                        problems.add(key + ": '" + name + "' is not a valid class name (lower-case letters, digits, dashes)");
                    }
                    continue;
                }
            }
            problems.add(key + ": unknown key (value '" + props.get(key) + "'); see defaults.properties for the keys that exist");
        }
        return classNames;
    }

    private ServiceClass serviceClass(String name) {
        String base = ClusterConfig.CLASS_PREFIX + name + ".";
        int p95 = intIn(base + "p95-ms", 1, 600_000, null);
        int priority = intIn(base + "priority", 0, 100, "50");
        int cap = intIn(base + "max-concurrency", 0, 100_000, "0");
        List<RequestRule> rules = new ArrayList<>();
        String match = props.getOrDefault(base + "match", "").trim();
        if (!match.isEmpty()) {
            for (String rule : match.split(",")) {
                String[] parts = rule.trim().split("\\s+");
                if (parts.length != 2 || !METHOD.matcher(parts[0]).matches() || !PATH.matcher(parts[1]).matches()) {
                    problems.add(base + "match: '" + rule.trim() + "' is not a rule of the form 'METHOD /path' "
                            + "(METHOD upper case or *, path may end in *)");
                } else {
                    rules.add(new RequestRule(parts[0], parts[1]));
                }
            }
        }
        return new ServiceClass(name, p95, priority, cap, rules);
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

    private String loopback(String key) {
        String v = value(key);
        try {
            if (v.isEmpty() || !InetAddress.getByName(v).isLoopbackAddress() || !v.matches("[0-9.]+")) {
                problems.add(key + ": '" + v + "' is not a loopback IPv4 address (127.0.0.0/8)");
            }
        } catch (UnknownHostException e) {
            problems.add(key + ": '" + v + "' is not a loopback IPv4 address (127.0.0.0/8)");
        }
        return v;
    }

    private int intIn(String key, int min, int max, String dflt) {
        String v = props.containsKey(key) ? value(key) : dflt;
        if (v == null) {
            problems.add(key + ": missing; give a number from " + min + " to " + max);
            return min;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                problems.add(key + ": '" + v + "' is out of range " + min + "-" + max);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(key + ": '" + v + "' is not a whole number (" + min + "-" + max + ")");
            return min;
        }
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

    private void checkDistinctPorts(List<GroupSpec> groups) {
        Map<Integer, String> owner = new HashMap<>();
        List<String> keys = new ArrayList<>(List.of(ClusterConfig.DB_MASTER_PORT, ClusterConfig.DB_REPLICA_PORTS,
                ClusterConfig.NODE_HTTP_PORTS, ClusterConfig.NODE_HAZELCAST_PORTS, ClusterConfig.NODE_DB_PROXY_PORTS,
                ClusterConfig.ROUTER_HTTP_PORT, ClusterConfig.ROUTER_HAZELCAST_PORT));
        groups.forEach(g -> keys.add(ClusterConfig.GROUP_PREFIX + g.name() + ".ports"));
        for (String key : keys) {
            for (String part : value(key).split(",")) {
                String p = part.trim();
                if (p.isEmpty() || !p.matches("[0-9]{1,5}")) {
                    continue;
                }
                String previous = owner.putIfAbsent(Integer.parseInt(p), key);
                if (previous != null) {
                    problems.add(key + ": port " + p + " is also given in " + previous + "; every part needs its own port");
                }
            }
        }
    }
}
