package org.qoscluster.session;

import java.util.Map;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.SettingsReader;

/**
 * The Session Synchronizer's settings ({@code qos.session.*}, the UID cookie's name and key),
 * validated once when the application starts; an error names the key.
 */
public final class SessionSettings {

    /** Key of {@link #flagTtlSeconds()}. */
    public static final String FLAG_TTL_SECONDS = "qos.session.flag-ttl-seconds";
    /** Key of {@link #newPerAddressPerMinute()}. */
    public static final String NEW_PER_ADDRESS_PER_MINUTE = "qos.session.new-per-address-per-minute";
    /** Key of {@link #nearCacheEntries()}. */
    public static final String NEAR_CACHE_ENTRIES = "qos.session.near-cache-entries";
    /** Key of {@link #tableEnabled()}. */
    public static final String TABLE_ENABLED = "qos.session.table.enabled";
    /** Key of {@link #tableMode()}. */
    public static final String TABLE_MODE = "qos.session.table.mode";
    /** Key of {@link #writeDelaySeconds()}. */
    public static final String TABLE_WRITE_DELAY_SECONDS = "qos.session.table.write-delay-seconds";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** How session records reach the session table ({@value #TABLE_MODE}). */
    public enum TableMode {
        /** Before the response: the store waits for the master's commit. */
        WRITE_THROUGH("write-through"),
        /** In batches, {@link #writeDelaySeconds()} after the change; the request does not wait. */
        WRITE_BEHIND("write-behind");

        private final String key;

        TableMode(String key) {
            this.key = key;
        }

        /** As configured: {@code write-through} or {@code write-behind}. */
        public String key() {
            return key;
        }
    }

    private final boolean enabled;
    private final byte[] uidKey;
    private final String cookieName;
    private final boolean cookieSecure;
    private final int timeoutSeconds;
    private final int backupCount;
    private final int maxBytes;
    private final String mapName;
    private final String node;
    private final boolean synchronous;
    private final int syncTimeoutMs;
    private final int flagTtlSeconds;
    private final int newPerAddressPerMinute;
    private final int nearCacheEntries;
    private final boolean tableEnabled;
    private final TableMode tableMode;
    private final int writeDelaySeconds;
    private final String masterJndi;
    private final java.io.ObjectInputFilter attributeFilter;
    private final org.qoscluster.config.UserClassRoles userClassRoles;

    private SessionSettings(ClusterConfig cluster, Map<String, String> secrets, String node) {
        SettingsReader r = new SettingsReader(cluster, secrets);
        this.enabled = r.bool("qos.session.enabled");
        this.uidKey = r.secret(ClusterConfig.SECRET_UID_KEY);
        this.cookieName = r.matching("qos.router.cookie-name", NAME, "a cookie name (letters, digits, _ -)");
        this.cookieSecure = r.bool("qos.router.cookie-secure");
        this.timeoutSeconds = r.intIn("qos.session.timeout-seconds", 1, 31_536_000);
        this.backupCount = r.intIn("qos.session.backup-count", 1, 6);
        this.maxBytes = r.intIn("qos.session.max-bytes", 1_024, 64 * 1024 * 1024);
        this.mapName = r.matching("qos.session.map", NAME, "a map name (letters, digits, _ -)");
        String mode = r.matching("qos.group.mode", Pattern.compile("async|sync"), "async or sync");
        this.synchronous = "sync".equals(mode);
        this.syncTimeoutMs = r.intIn("qos.group.sync.timeout-ms", 10, 600_000);
        this.flagTtlSeconds = r.intIn(FLAG_TTL_SECONDS, 1, 86_400);
        this.newPerAddressPerMinute = r.intIn(NEW_PER_ADDRESS_PER_MINUTE, 0, 1_000_000);
        this.nearCacheEntries = r.intIn(NEAR_CACHE_ENTRIES, 0, 10_000_000);
        this.tableEnabled = r.bool(TABLE_ENABLED);
        this.tableMode = "write-through".equals(r.matching(TABLE_MODE, Pattern.compile("write-through|write-behind"),
                "write-through or write-behind")) ? TableMode.WRITE_THROUGH : TableMode.WRITE_BEHIND;
        this.writeDelaySeconds = r.intIn(TABLE_WRITE_DELAY_SECONDS, 1, 300);
        this.masterJndi = cluster.master().jndiName();
        this.attributeFilter = org.qoscluster.config.SerialFilters.sessionAttributes(cluster);
        java.util.List<String> roleProblems = new java.util.ArrayList<>();
        this.userClassRoles = org.qoscluster.config.UserClassRoles.read(cluster.properties(), roleProblems);
        roleProblems.forEach(p -> r.problem(p, null));
        this.node = node == null || !node.matches("[a-z][a-z0-9-]{0,39}")
                ? r.problem("qos.member.name: '" + node + "' is not a member name", "unknown") : node;
        r.check();
    }

    /** Validates the settings; {@code secrets} holds the {@code qos.secret.*} values, {@code node} this member's name. */
    public static SessionSettings of(ClusterConfig cluster, Map<String, String> secrets, String node) {
        return new SessionSettings(cluster, secrets, node);
    }

    /** Whether the filter synchronizes sessions (false: it passes requests through). */
    public boolean enabled() {
        return enabled;
    }

    public byte[] uidKey() {
        return uidKey.clone();
    }

    public String cookieName() {
        return cookieName;
    }

    /**
     * The cookie that tells a node which version of the session the user's client was last
     * answered with ({@code VERSION.UIDSTART}): the UID cookie's name with {@code _V} appended.
     */
    public String versionCookieName() {
        return cookieName + "_V";
    }

    public boolean cookieSecure() {
        return cookieSecure;
    }

    /** Default session time-out. */
    public int timeoutSeconds() {
        return timeoutSeconds;
    }

    public int backupCount() {
        return backupCount;
    }

    /** Largest serialized session. */
    public int maxBytes() {
        return maxBytes;
    }

    public String mapName() {
        return mapName;
    }

    /**
     * {@code qos.group.mode=sync}: a request that wrote answers only once a replica has its write,
     * within {@link #syncTimeoutMs()}, else with an error.
     */
    public boolean synchronous() {
        return synchronous;
    }

    public int syncTimeoutMs() {
        return syncTimeoutMs;
    }

    /** How long a published state-change flag lives at most, in seconds (default 60). */
    public int flagTtlSeconds() {
        return flagTtlSeconds;
    }

    /** New sessions one client address may create on this node per minute; 0 = no limit (default 300). */
    public int newPerAddressPerMinute() {
        return newPerAddressPerMinute;
    }

    /**
     * Session records each node keeps at hand (Hazelcast's near cache of the session map, and the
     * records this node wrote last); 0 = none: every request reads the record's owner.
     */
    public int nearCacheEntries() {
        return nearCacheEntries;
    }

    /**
     * Whether records are also kept in the session table ({@link ClusterConfig#SESSION_TABLE}) of the
     * application's database, from which a node loads a record its Hazelcast cluster lacks.
     */
    public boolean tableEnabled() {
        return tableEnabled;
    }

    /** How records reach the session table. */
    public TableMode tableMode() {
        return tableMode;
    }

    /** {@link TableMode#WRITE_BEHIND}: seconds a change waits before it is written to the table. */
    public int writeDelaySeconds() {
        return writeDelaySeconds;
    }

    /** The JNDI name of the node's JDBC resource on the master path (its write-path proxy). */
    public String masterJndi() {
        return masterJndi;
    }

    /** The JNDI name of the node's JDBC resource on its own copy (a replica; the master's when there is none). */
    public String replicaJndi() {
        return org.qoscluster.config.PayaraMemberConfig.NODE_REPLICA_JNDI;
    }

    /**
     * What a session attribute's bytes may deserialize to: Java's value types and
     * {@code qos.serialization.allow} ({@link org.qoscluster.config.SerialFilters#sessionAttributes}).
     */
    public java.io.ObjectInputFilter attributeFilter() {
        return attributeFilter;
    }

    /** The user classes of authenticated users' roles ({@code qos.user-class.role.*}); empty when none is configured. */
    public org.qoscluster.config.UserClassRoles userClassRoles() {
        return userClassRoles;
    }

    /** This node's name. */
    public String node() {
        return node;
    }
}
