package org.qoscluster.qrs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.SettingsReader;
import org.qoscluster.qrs.internal.Cidr;

/**
 * The router's own settings ({@code qos.router.*} and its secrets), validated once at start-up.
 * An error names the key and echoes the bad value; a secret is never echoed.
 */
public final class RouterSettings {

    public static final String UID_KEY = ClusterConfig.SECRET_UID_KEY;
    public static final String ADMIN_TOKEN = ClusterConfig.SECRET_ADMIN_TOKEN;

    private final ClusterConfig cluster;
    private final byte[] uidKey;
    private final String adminToken;
    private final String cookieName;
    private final boolean cookieSecure;
    private final UserClassSources userClassSources;
    private final String userClassHeader;
    private final List<Cidr> trustedNetworks;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;
    private final int nodeCapacity;
    private final String healthPath;
    private final String healthKeyword;
    private final int healthIntervalMs;
    private final int healthTimeoutMs;
    private final int healthRise;
    private final String sessionCookie;
    private final int bodyIdleTimeoutMs;
    private final long maxBodyMemoryBytes;
    private final int maxRequestsPerClient;
    private final int maxQueueWaitMs;
    private final int flagTtlSeconds;

    private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The largest {@code qos.router.max-body-memory-bytes}: 1 TiB. */
    private static final long MAX_BODY_MEMORY = 1L << 40;

    private RouterSettings(ClusterConfig cluster, Map<String, String> secrets) {
        SettingsReader r = new SettingsReader(cluster, secrets);
        this.cluster = cluster;
        this.uidKey = r.secret(UID_KEY);
        this.adminToken = r.secret(ADMIN_TOKEN) == null ? null : secrets.get(ADMIN_TOKEN).strip();
        this.cookieName = r.matching("qos.router.cookie-name", COOKIE_NAME, "a cookie name (letters, digits, _ -)");
        this.cookieSecure = r.bool("qos.router.cookie-secure");
        UserClassSources sources = UserClassSources.NONE;
        String sourceList = r.raw("qos.router.user-class-source");
        try {
            sources = UserClassSources.parse(sourceList);
        } catch (IllegalArgumentException e) {
            r.problem("qos.router.user-class-source: '" + sourceList + "': " + e.getMessage(), null);
        }
        this.userClassSources = sources;
        this.userClassHeader = r.matching("qos.router.user-class-header", Pattern.compile("[A-Za-z0-9-]{1,64}"), "a header name");
        this.trustedNetworks = new ArrayList<>();
        for (String block : r.raw("qos.router.trusted-networks").split(",")) {
            if (block.isBlank()) {
                continue;
            }
            try {
                trustedNetworks.add(Cidr.parse(block.strip()));
            } catch (IllegalArgumentException e) {
                r.problem("qos.router.trusted-networks: '" + block.strip() + "' is not a CIDR block (" + e.getMessage() + ")", null);
            }
        }
        this.connectTimeoutMs = r.intIn("qos.router.connect-timeout-ms", 10, 60_000);
        this.readTimeoutMs = r.intIn("qos.router.read-timeout-ms", 10, 3_600_000);
        this.nodeCapacity = r.intIn("qos.router.node-capacity", 1, 100_000);
        this.healthPath = r.matching("qos.router.health.path", Pattern.compile("/[A-Za-z0-9._~/-]*"), "a path");
        this.healthKeyword = r.matching("qos.router.health.keyword", Pattern.compile("[A-Za-z0-9._-]{1,64}"), "a database copy name");
        this.healthIntervalMs = r.intIn("qos.router.health.interval-ms", 50, 60_000);
        this.healthTimeoutMs = r.intIn("qos.router.health.timeout-ms", 50, 60_000);
        this.healthRise = r.intIn("qos.router.health.rise", 1, 100);
        this.bodyIdleTimeoutMs = r.intIn("qos.router.body-idle-timeout-ms", 100, 600_000);
        // Unset: a quarter of the heap the router may grow to, and room for one body of the largest size at least.
        this.maxBodyMemoryBytes = r.raw("qos.router.max-body-memory-bytes").isEmpty()
                ? Math.max(cluster.maxBodyBytes(), Runtime.getRuntime().maxMemory() / 4)
                : r.longIn("qos.router.max-body-memory-bytes", cluster.maxBodyBytes(), MAX_BODY_MEMORY);
        // 0: no cap; else the requests one client may have in flight.
        this.maxRequestsPerClient = r.intIn("qos.router.max-requests-per-client", 0, 100_000);
        // 0: shed at once; else how long, at most, a request may wait for a node's place.
        this.maxQueueWaitMs = r.intIn("qos.router.max-queue-wait-ms", 0, 60_000);
        this.flagTtlSeconds = r.intIn("qos.session.flag-ttl-seconds", 1, 86_400);
        this.sessionCookie = r.raw("qos.router.session-cookie");
        if (!sessionCookie.isEmpty() && !COOKIE_NAME.matcher(sessionCookie).matches()) {
            r.problem("qos.router.session-cookie: '" + sessionCookie + "' is not a cookie name", null);
        }
        r.check();
    }

    /** Validates the router's settings; {@code secrets} holds the {@code qos.secret.*} values. */
    public static RouterSettings of(ClusterConfig cluster, Map<String, String> secrets) {
        return new RouterSettings(cluster, secrets);
    }

    public ClusterConfig cluster() {
        return cluster;
    }

    public byte[] uidKey() {
        return uidKey.clone();
    }

    public String adminToken() {
        return adminToken;
    }

    public String cookieName() {
        return cookieName;
    }

    /**
     * The staleness bound of a state-change flag ({@code qos.session.flag-ttl-seconds}): the router
     * removes a flag this long after its write at the latest.
     */
    public int flagTtlSeconds() {
        return flagTtlSeconds;
    }

    public boolean cookieSecure() {
        return cookieSecure;
    }

    /** Whether the user class may be read from a header (from a trusted network). */
    public boolean userClassFromHeader() {
        return userClassSources.uses(UserClassSources.Source.HEADER);
    }

    /** Where the user class comes from, in order ({@code qos.router.user-class-source}). */
    public UserClassSources userClassSources() {
        return userClassSources;
    }

    public String userClassHeader() {
        return userClassHeader;
    }

    /**
     * Whether a request from this address may set forwarded headers and its user class: only
     * one from a configured block ({@code qos.router.trusted-networks}, empty by default).
     */
    public boolean trusted(String address) {
        return trustedNetworks.stream().anyMatch(c -> c.contains(address));
    }

    public int connectTimeoutMs() {
        return connectTimeoutMs;
    }

    public int readTimeoutMs() {
        return readTimeoutMs;
    }

    /** Requests one node may have in flight through this router. */
    public int nodeCapacity() {
        return nodeCapacity;
    }

    public String healthPath() {
        return healthPath;
    }

    public String healthKeyword() {
        return healthKeyword;
    }

    public int healthIntervalMs() {
        return healthIntervalMs;
    }

    public int healthTimeoutMs() {
        return healthTimeoutMs;
    }

    public int healthRise() {
        return healthRise;
    }

    /** How long a request body may send nothing before it is abandoned with 408, in ms. */
    public int bodyIdleTimeoutMs() {
        return bodyIdleTimeoutMs;
    }

    /**
     * The memory all request bodies may hold at once, in bytes ({@code qos.router.max-body-memory-bytes};
     * unset, a quarter of the router's largest heap); never less than one body of the largest size.
     */
    public long maxBodyMemoryBytes() {
        return maxBodyMemoryBytes;
    }

    /**
     * The requests one client may have in flight through the router at once
     * ({@code qos.router.max-requests-per-client}); 0 for no cap.
     */
    public int maxRequestsPerClient() {
        return maxRequestsPerClient;
    }

    /**
     * How long a request that finds no node with room for its class may wait for a place, at most
     * ({@code qos.router.max-queue-wait-ms}); each waits at most a quarter of its class's goal
     * within it. 0: shed at once.
     */
    public int maxQueueWaitMs() {
        return maxQueueWaitMs;
    }

    /** The largest request body the router takes, in bytes ({@code qos.http.max-body-bytes}). */
    public int maxBodyBytes() {
        return cluster.maxBodyBytes();
    }

    /** The application's session cookie that requests stick to, or empty for no affinity. */
    public String sessionCookie() {
        return sessionCookie;
    }
}
