package org.qoscluster.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

import org.qoscluster.config.internal.ConfigReader;

/**
 * The whole cluster's configuration: one validated, immutable object from which every role's
 * {@code domain.xml} and every process's command line is produced.
 *
 * <p>It is read from {@code qos.*} properties (secrets, {@code qos.secret.*}, excepted) laid over the shipped defaults
 * ({@code org/qoscluster/config/defaults.properties}, where each key is documented). An unknown
 * {@code qos.*} key, a bad value or a clash (two parts on one port) fails with an
 * {@link InvalidConfigException} that names every bad key and echoes its value.
 */
public final class ClusterConfig {

    public static final String CLUSTER_NAME = "qos.cluster.name";
    /**
     * The address of the one host when {@link #HOSTS} is empty (the default: {@code 127.0.0.1});
     * with {@link #HOSTS} given it stays at its default.
     */
    public static final String HOST = "qos.host";
    /** The cluster's hosts, {@code NAME=ADDRESS,...}; empty: one host {@code local} at {@link #HOST}. */
    public static final String HOSTS = "qos.hosts";
    /** Prefix of the placement keys: {@code qos.place.PART=HOST}; a part not named runs on the first host. */
    public static final String PLACE_PREFIX = "qos.place.";
    /** The replication agent's part name, also its placement key's ({@code qos.place.replication-agent}). */
    public static final String REPLICATION_AGENT = "replication-agent";
    public static final String DB_NAME = "qos.db.name";
    public static final String DB_MASTER_PORT = "qos.db.master.port";
    public static final String DB_REPLICA_PORTS = "qos.db.replica.ports";
    public static final String NODE_HTTP_PORTS = "qos.node.http.ports";
    public static final String NODE_HAZELCAST_PORTS = "qos.node.hazelcast.ports";
    public static final String NODE_HEAP = "qos.node.heap";
    /** One port per node: its write path to the group's master (the fencing proxy). */
    public static final String NODE_DB_PROXY_PORTS = "qos.node.db-proxy.ports";
    public static final String ROUTER_HTTP_PORT = "qos.router.http.port";
    /** Further redundancy groups besides the application's: comma-separated names (R9). */
    public static final String GROUPS = "qos.groups";
    /** Prefix of a further group's keys: {@code qos.group.NAME.ports|tables|database}. */
    public static final String GROUP_PREFIX = "qos.group.";
    public static final String ROUTER_HAZELCAST_PORT = "qos.router.hazelcast.port";
    /**
     * What runs the router's servlets: {@code jetty} (a standalone Jetty 12 server, a Hazelcast
     * client of the nodes) or {@code payara} (a Payara Micro member, the router WAR deployed).
     */
    public static final String ROUTER_SERVER = "qos.router.server";
    /** Bytes of request line and headers the router's listener accepts from a client. */
    public static final String HTTP_MAX_HEADER_BYTES = "qos.http.max-header-bytes";
    /**
     * How each node's HTTP listener hands a request to a thread: {@code leader-follower} or
     * {@code worker-thread} (Grizzly's strategies of those names).
     */
    public static final String HTTP_IO_STRATEGY = "qos.http.io-strategy";
    /**
     * Room a node's listener (and the router's client to it) has beyond
     * {@link #HTTP_MAX_HEADER_BYTES}, for the headers the router adds to a request.
     */
    public static final int FORWARDED_HEADER_ROOM = 4096;
    /** Largest request body accepted, at the router and at every node. */
    public static final String HTTP_MAX_BODY_BYTES = "qos.http.max-body-bytes";
    public static final String DEFAULT_CLASS = "qos.class.default";
    /** Prefix of the service-class keys: {@code qos.class.NAME.p95-ms|priority|max-concurrency|match}. */
    public static final String CLASS_PREFIX = "qos.class.";

    /**
     * Secrets ({@code qos.secret.*}) are never part of the configuration object, so they never
     * reach a {@code domain.xml}; members read them from their secrets directory.
     */
    public static final String SECRET_PREFIX = "qos.secret.";
    /** HMAC key of the router's signed UID cookie. */
    public static final String SECRET_UID_KEY = "qos.secret.uid-key";
    /** Bearer token of the router's admin endpoints. */
    public static final String SECRET_ADMIN_TOKEN = "qos.secret.admin-token";
    /**
     * The secret part of the Hazelcast cluster name: a member or client that does not know it
     * cannot join the cluster or read its maps (see {@link PayaraMemberConfig#hazelcastClusterName}).
     */
    public static final String SECRET_CLUSTER_NAME = "qos.secret.cluster-name";
    /** Password of the database user {@link #DB_USER} on every Derby server (Derby's built-in authentication). */
    public static final String SECRET_DB_PASSWORD = "qos.secret.db-password";
    /** This site's name when the application's group spans sites (derived by the launcher from a sites file). */
    public static final String SHARED_GROUP_SITE = "qos.shared-group.site";
    /** Every site of a group that spans sites, in order. */
    public static final String SHARED_GROUP_SITES = "qos.shared-group.sites";
    /** Every site's copies of a group that spans sites, {@code SITE/COPY/ADDRESS/PORT} as this site reaches them. */
    public static final String SHARED_GROUP_COPIES = "qos.shared-group.copies";
    /** How long the master's site keeps its write path without reaching another site's copy. */
    public static final String SHARED_GROUP_LEASE = "qos.shared-group.master-lease-ms";
    /** Every secret the launcher generates, one file each in the state directory's {@code secrets} folder. */
    public static final java.util.List<String> SECRETS = java.util.List.of(SECRET_UID_KEY, SECRET_ADMIN_TOKEN,
            SECRET_CLUSTER_NAME, SECRET_DB_PASSWORD);
    /** Packages (JDK filter patterns) besides {@code java.*} that members may deserialize: see {@link SerialFilters}. */
    public static final String SERIALIZATION_ALLOW = "qos.serialization.allow";

    /**
     * The table the Session Synchronizer keeps its session records in (with {@code qos.session.enabled}
     * and {@code qos.session.table.enabled}); replicated with the application's tables.
     */
    public static final String SESSION_TABLE = "QOS_SESSION";

    private static final String DEFAULTS = "defaults.properties";

    private final SortedMap<String, String> properties;
    private final String clusterName;
    private final String host;
    private final String databaseName;
    private final List<DatabaseSpec> databases;
    private final List<MemberSpec> nodes;
    private final MemberSpec router;
    private final String nodeHeap;
    private final GoalSet goals;
    private final List<GroupSpec> groups;
    private final int maxHeaderBytes;
    private final int maxBodyBytes;
    private final List<String> serializationAllowed;
    private final List<HostSpec> hosts;
    private final Map<String, HostSpec> placement;

    private ClusterConfig(ConfigReader.Result r) {
        this.properties = Collections.unmodifiableSortedMap(new TreeMap<>(r.properties()));
        this.clusterName = r.clusterName();
        this.host = r.host();
        this.databaseName = r.databaseName();
        this.databases = List.copyOf(r.databases());
        this.nodes = List.copyOf(r.nodes());
        this.router = r.router();
        this.nodeHeap = r.nodeHeap();
        this.goals = new GoalSet(r.serviceClasses(), r.defaultClass());
        this.groups = List.copyOf(r.groups());
        this.maxHeaderBytes = r.maxHeaderBytes();
        this.maxBodyBytes = r.maxBodyBytes();
        this.serializationAllowed = List.copyOf(r.serializationAllowed());
        this.hosts = List.copyOf(r.hosts());
        this.placement = Collections.unmodifiableMap(new LinkedHashMap<>(r.placement()));
    }

    /**
     * Whether the router runs on Payara Micro, as a member of the cluster's Hazelcast
     * ({@value #ROUTER_SERVER}{@code =payara}); otherwise it runs on its own Jetty server and
     * reaches the cluster's maps as a Hazelcast client of the nodes.
     */
    public boolean routerOnPayara() {
        return "payara".equals(properties.get(ROUTER_SERVER));
    }

    /** The hosts ({@value #HOSTS}), in their order; the first one takes every part not placed elsewhere. */
    public List<HostSpec> hosts() {
        return hosts;
    }

    /** The host named {@code name}, if the configuration has one. */
    public Optional<HostSpec> hostNamed(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /**
     * The host a part runs on ({@code qos.place.PART}): {@code router}, {@code node-N}, a database
     * copy ({@code master}, {@code replica-N}, a further group's), {@value #REPLICATION_AGENT}. A
     * part the configuration does not know (a copy added at run time) is on the first host.
     */
    public HostSpec hostOf(String part) {
        return placement.getOrDefault(part, hosts.get(0));
    }

    /** The address a part listens on and is reached at: its host's. */
    public String address(String part) {
        return hostOf(part).address();
    }

    /** Whether every part runs on one host. */
    public boolean singleHost() {
        return placement.values().stream().map(HostSpec::name).distinct().count() <= 1;
    }

    /** {@value #HTTP_MAX_HEADER_BYTES}: bytes of request line and headers the router accepts from a client. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** What a node's listener and the router's client to the nodes accept: {@link #maxHeaderBytes()} and room for the router's own headers. */
    public int forwardedHeaderBytes() {
        return maxHeaderBytes + FORWARDED_HEADER_ROOM;
    }

    /**
     * The Grizzly class that {@value #HTTP_IO_STRATEGY} names, for a node's
     * {@code <transport io-strategy>}.
     */
    public String httpIoStrategyClass() {
        return "worker-thread".equals(properties.get(HTTP_IO_STRATEGY))
                ? "org.glassfish.grizzly.strategies.WorkerThreadIOStrategy"
                : "org.glassfish.grizzly.strategies.LeaderFollowerNIOStrategy";
    }

    /** {@value #HTTP_MAX_BODY_BYTES}: the largest request body accepted, in bytes. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The shipped defaults alone. */
    public static ClusterConfig defaults() {
        return from(Map.of());
    }

    /** The shipped defaults with {@code overrides} laid over them; keys outside {@code qos.*} are ignored. */
    public static ClusterConfig from(Map<String, String> overrides) {
        Map<String, String> defaults = defaultProperties();
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        overrides.forEach((k, v) -> {
            if (k.startsWith("qos.") && !k.startsWith(SECRET_PREFIX)) {
                merged.put(k, v);
            }
        });
        yieldShippedRules(defaults, overrides, merged);
        return new ClusterConfig(ConfigReader.read(merged, defaults.keySet()));
    }

    /**
     * The shipped classes yield to the configured ones: a rule of a shipped class the
     * configuration does not mention (the sample store's {@code browse}, {@code checkout}) is
     * dropped when a rule of a configured class covers it ({@link RequestRule#covers}), so an
     * application's own class for {@code GET /} takes those requests instead of leaving a rule
     * that could never match, or one that makes its own never match.
     */
    private static void yieldShippedRules(Map<String, String> defaults, Map<String, String> overrides, Map<String, String> merged) {
        java.util.Set<String> configured = new java.util.TreeSet<>();
        overrides.keySet().stream().filter(k -> GoalSet.isGoalKey(k) && !k.equals(DEFAULT_CLASS) && k.lastIndexOf('.') > CLASS_PREFIX.length())
                .forEach(k -> configured.add(k.substring(CLASS_PREFIX.length()).split("\\.")[0]));
        if (configured.isEmpty()) {
            return;
        }
        List<RequestRule> claimed = new ArrayList<>();
        configured.forEach(c -> claimed.addAll(rules(merged.get(CLASS_PREFIX + c + ".match"))));
        for (String key : defaults.keySet()) {
            if (!key.startsWith(CLASS_PREFIX) || !key.endsWith(".match")) {
                continue;
            }
            String shipped = key.substring(CLASS_PREFIX.length(), key.length() - ".match".length());
            if (configured.contains(shipped)) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            for (String rule : merged.getOrDefault(key, "").split(",")) {
                List<RequestRule> parsed = rules(rule);
                if (!rule.isBlank() && (parsed.isEmpty() || claimed.stream().noneMatch(c -> c.covers(parsed.get(0))))) {
                    kept.add(rule.trim());
                }
            }
            merged.put(key, String.join(",", kept));
        }
    }

    /** The well-formed {@code METHOD /path} rules of a match value; the rest is the validation's to report. */
    private static List<RequestRule> rules(String match) {
        List<RequestRule> out = new ArrayList<>();
        if (match == null) {
            return out;
        }
        for (String rule : match.split(",")) {
            String[] parts = rule.trim().split("\\s+");
            if (parts.length == 2 && parts[1].startsWith("/")) {
                out.add(new RequestRule(parts[0], parts[1]));
            }
        }
        return out;
    }

    /**
     * A configuration from the complete, effective properties a launcher wrote out
     * ({@link #properties()}, for example in a member's {@code domain.xml}): the defaults fill only
     * keys that are missing, and when {@code effective} holds any goal key ({@code qos.class.*}) its
     * goal keys are the whole set of classes: no shipped class is added, so a class an admin
     * removed stays removed. Keys outside {@code qos.*} are ignored.
     */
    public static ClusterConfig fromEffective(Map<String, String> effective) {
        Map<String, String> defaults = defaultProperties();
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        if (effective.keySet().stream().anyMatch(GoalSet::isGoalKey)) {
            merged.keySet().removeIf(GoalSet::isGoalKey);
        }
        effective.forEach((k, v) -> {
            if (k.startsWith("qos.") && !k.startsWith(SECRET_PREFIX)) {
                merged.put(k, v);
            }
        });
        return new ClusterConfig(ConfigReader.read(merged, defaults.keySet()));
    }

    /** {@link #fromEffective} of a properties file the launcher wrote ({@code cluster.properties}). */
    public static ClusterConfig loadEffective(Path file) {
        return fromEffective(readFile(file));
    }

    /**
     * This configuration with {@code goals} instead of its own service classes; every other
     * setting stays.
     */
    public ClusterConfig withGoals(GoalSet goals) {
        Map<String, String> merged = new LinkedHashMap<>(properties);
        merged.keySet().removeIf(GoalSet::isGoalKey);
        merged.putAll(goals.properties());
        return new ClusterConfig(ConfigReader.read(merged, defaultProperties().keySet()));
    }

    /**
     * Reads a properties file laid over the defaults, then {@code overrides} over that
     * (for example system properties given on a command line).
     */
    public static ClusterConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(readFile(file));
        merged.putAll(overrides);
        return from(merged);
    }

    /**
     * The properties of a cluster configuration file as they are written, unchecked (a file of
     * sites holds more than one cluster's keys).
     *
     * @throws InvalidConfigException when the file is not a properties file
     */
    public static Map<String, String> readFile(Path file) {
        Map<String, String> merged = new LinkedHashMap<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(in);
            p.stringPropertyNames().forEach(k -> merged.put(k, p.getProperty(k)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster configuration " + file, e);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(List.of(file + ": malformed properties file (" + e.getMessage() + ")"));
        }
        return merged;
    }

    private static Map<String, String> defaultProperties() {
        try (InputStream in = ClusterConfig.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS + " beside " + ClusterConfig.class.getName());
            }
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            Map<String, String> map = new LinkedHashMap<>();
            p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the default cluster configuration", e);
        }
    }

    /**
     * {@link #SESSION_TABLE} when sessions are synchronized and kept in the database too
     * ({@code qos.session.enabled} and {@code qos.session.table.enabled}, both true by default),
     * else empty: the launcher creates it on the master and adds it to the replicated tables.
     */
    public Optional<String> sessionTable() {
        return "true".equalsIgnoreCase(properties.getOrDefault("qos.session.enabled", "true").strip())
                && "true".equalsIgnoreCase(properties.getOrDefault("qos.session.table.enabled", "true").strip())
                ? Optional.of(SESSION_TABLE) : Optional.empty();
    }

    /** Every effective {@code qos.*} property, sorted; these become MicroProfile Config properties of each member. */
    public SortedMap<String, String> properties() {
        return properties;
    }

    /** Hazelcast cluster (group) name shared by every member. */
    public String clusterName() {
        return clusterName;
    }

    /**
     * The class patterns ({@value #SERIALIZATION_ALLOW}) members may deserialize besides
     * {@code java.*}, for example {@code org.qoscluster.**}.
     */
    public List<String> serializationAllowed() {
        return serializationAllowed;
    }

    /**
     * The first host's address: with {@value #HOSTS} empty (the default) the one address every part
     * listens on ({@value #HOST}). Where parts are placed on several hosts, use {@link #address(String)}.
     */
    public String host() {
        return host;
    }

    /** Name of the application database on every Derby server. */
    public String databaseName() {
        return databaseName;
    }

    /** Every database copy, master first. */
    public List<DatabaseSpec> databases() {
        return databases;
    }

    /** The redundancy groups besides the application's ({@code qos.groups}), possibly none. */
    public List<GroupSpec> furtherGroups() {
        return groups;
    }

    /** The JDBC URL of a further group's copy. */
    public String jdbcUrl(GroupSpec group, DatabaseSpec copy) {
        return "jdbc:derby://" + hostOf(copy.name()).uriHost() + ":" + copy.port() + "/" + group.database();
    }

    /** The copy that takes writes. */
    public DatabaseSpec master() {
        return databases.get(0);
    }

    /** The read replicas, possibly none. */
    public List<DatabaseSpec> replicas() {
        return databases.subList(1, databases.size());
    }

    /**
     * This site's name when the application's group spans sites ({@value #SHARED_GROUP_SITE}):
     * its copies are then part of one group with the other sites' copies; empty otherwise.
     */
    public Optional<String> groupSite() {
        String site = properties.getOrDefault(SHARED_GROUP_SITE, "").strip();
        return site.isEmpty() ? Optional.empty() : Optional.of(site);
    }

    /**
     * Whether this cluster keeps a redundancy group: it has replicas, or its copies are part of
     * a group that spans sites (then even a lone copy has a write path and a group service).
     */
    public boolean keepsGroup() {
        return !replicas().isEmpty() || groupSite().isPresent();
    }

    /**
     * Whether this cluster's configured master is the group's master in epoch 1: always, unless
     * the group spans sites and this is not the first site.
     */
    public boolean holdsFirstMaster() {
        Optional<String> site = groupSite();
        return site.isEmpty() || properties.getOrDefault(SHARED_GROUP_SITES, "").split(",")[0].strip().equals(site.get());
    }

    /** A copy's name in the group: its own, or {@code SITE-NAME} when the group spans sites. */
    public String groupCopyName(DatabaseSpec db) {
        return groupSite().map(site -> site + "-" + db.name()).orElse(db.name());
    }

    /**
     * The copies this cluster's nodes read from: the replicas; when the group spans sites and
     * this site does not hold epoch 1's master, every copy of this site (its configured master
     * too: it is a replica of the other site's master).
     */
    public List<DatabaseSpec> readCopies() {
        return holdsFirstMaster() ? replicas() : databases;
    }

    /**
     * The replica {@code member} reads from: nodes take the {@linkplain #readCopies read copies}
     * in turn ({@code node-1} the first); empty for the router or when there is none.
     */
    public java.util.Optional<DatabaseSpec> replicaOf(MemberSpec member) {
        int index = nodes.indexOf(member);
        List<DatabaseSpec> replicas = readCopies();
        return index < 0 || replicas.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(replicas.get(index % replicas.size()));
    }

    /** The application nodes, {@code node-1} first. */
    public List<MemberSpec> nodes() {
        return nodes;
    }

    /** The router member (started once the QRS exists). */
    public MemberSpec router() {
        return router;
    }

    /** Every Payara Micro member: the router, then the nodes. */
    public List<MemberSpec> members() {
        List<MemberSpec> all = new ArrayList<>();
        all.add(router);
        all.addAll(nodes);
        return List.copyOf(all);
    }

    /** Maximum heap of each node JVM, in the {@code -Xmx} syntax (for example {@code 512m}). */
    public String nodeHeap() {
        return nodeHeap;
    }

    /** The QoS goals: every service class and the default class. */
    public GoalSet goals() {
        return goals;
    }

    /** Every service class with its goal; the default class last. */
    public List<ServiceClass> serviceClasses() {
        return goals.classes();
    }

    /** The class of requests that match no rule. */
    public ServiceClass defaultServiceClass() {
        return goals.defaultClass();
    }

    /** The service class of a request: the first class with a matching rule, else the default class. */
    public ServiceClass classify(String method, String path) {
        return goals.classify(method, path);
    }

    /** The member with this name, if any. */
    public Optional<MemberSpec> member(String name) {
        return members().stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /**
     * The database user every part connects as; its schema holds the application's tables. Its
     * password is the secret {@link #SECRET_DB_PASSWORD}: every Derby server requires it.
     */
    public static final String DB_USER = "qos";

    /** The database password among {@code secrets}; an {@link InvalidConfigException} when it is missing. */
    public static String dbPassword(Map<String, String> secrets) {
        String p = secrets.get(SECRET_DB_PASSWORD);
        if (p == null || p.isBlank()) {
            throw new InvalidConfigException(List.of(SECRET_DB_PASSWORD
                    + ": missing; the launcher writes it to the state directory's secrets folder"));
        }
        return p.strip();
    }

    /** Derby network-client JDBC URL of a copy, at its host's address. */
    public String jdbcUrl(DatabaseSpec db) {
        return "jdbc:derby://" + hostOf(db.name()).uriHost() + ":" + db.port() + "/" + databaseName;
    }
}
