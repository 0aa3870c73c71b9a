package org.qoscluster.qrs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;
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
    private final String userClassSource;
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

    private RouterSettings(ClusterConfig cluster, Map<String, String> secrets) {
        List<String> problems = new ArrayList<>();
        Map<String, String> p = cluster.properties();
        this.cluster = cluster;
        this.uidKey = secret(secrets, UID_KEY, problems);
        byte[] token = secret(secrets, ADMIN_TOKEN, problems);
        this.adminToken = token == null ? null : secrets.get(ADMIN_TOKEN).strip();
        this.cookieName = p.get("qos.router.cookie-name");
        if (cookieName == null || !cookieName.matches("[A-Za-z0-9_-]{1,64}")) {
            problems.add("qos.router.cookie-name: '" + cookieName + "' is not a cookie name (letters, digits, _ -)");
        }
        this.cookieSecure = bool(p, "qos.router.cookie-secure", problems);
        this.userClassSource = p.get("qos.router.user-class-source");
        if (!List.of("header", "none").contains(userClassSource)) {
            problems.add("qos.router.user-class-source: '" + userClassSource + "' is not one of header, none");
        }
        this.userClassHeader = p.get("qos.router.user-class-header");
        if (userClassHeader == null || !userClassHeader.matches("[A-Za-z0-9-]{1,64}")) {
            problems.add("qos.router.user-class-header: '" + userClassHeader + "' is not a header name");
        }
        this.trustedNetworks = new ArrayList<>();
        for (String block : p.getOrDefault("qos.router.trusted-networks", "").split(",")) {
            if (block.isBlank()) {
                continue;
            }
            try {
                trustedNetworks.add(Cidr.parse(block.strip()));
            } catch (IllegalArgumentException e) {
                problems.add("qos.router.trusted-networks: '" + block.strip() + "' is not a CIDR block (" + e.getMessage() + ")");
            }
        }
        this.connectTimeoutMs = intIn(p, "qos.router.connect-timeout-ms", 10, 60_000, problems);
        this.readTimeoutMs = intIn(p, "qos.router.read-timeout-ms", 10, 3_600_000, problems);
        this.nodeCapacity = intIn(p, "qos.router.node-capacity", 1, 100_000, problems);
        this.healthPath = p.get("qos.router.health.path");
        if (healthPath == null || !healthPath.matches("/[A-Za-z0-9._~/-]*")) {
            problems.add("qos.router.health.path: '" + healthPath + "' is not a path");
        }
        this.healthKeyword = p.getOrDefault("qos.router.health.keyword", "").strip();
        if (!healthKeyword.matches("[A-Za-z0-9._-]{1,64}")) {
            problems.add("qos.router.health.keyword: '" + healthKeyword + "' is not a database copy name");
        }
        this.healthIntervalMs = intIn(p, "qos.router.health.interval-ms", 50, 60_000, problems);
        this.healthTimeoutMs = intIn(p, "qos.router.health.timeout-ms", 50, 60_000, problems);
        this.healthRise = intIn(p, "qos.router.health.rise", 1, 100, problems);
        this.sessionCookie = p.getOrDefault("qos.router.session-cookie", "").strip();
        if (!sessionCookie.isEmpty() && !sessionCookie.matches("[A-Za-z0-9_-]{1,64}")) {
            problems.add("qos.router.session-cookie: '" + sessionCookie + "' is not a cookie name");
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    /** Validates the router's settings; {@code secrets} holds the {@code qos.secret.*} values. */
    public static RouterSettings of(ClusterConfig cluster, Map<String, String> secrets) {
        return new RouterSettings(cluster, secrets);
    }

    private static byte[] secret(Map<String, String> secrets, String key, List<String> problems) {
        String v = secrets.get(key);
        if (v == null || v.isBlank()) {
            problems.add(key + ": missing; the launcher writes it to the state directory's secrets folder");
            return null;
        }
        byte[] bytes = v.strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            problems.add(key + ": only " + bytes.length + " bytes long, at least 32 needed (value not shown)");
            return null;
        }
        return bytes;
    }

    private static boolean bool(Map<String, String> p, String key, List<String> problems) {
        String v = p.getOrDefault(key, "").strip();
        if (!v.equals("true") && !v.equals("false")) {
            problems.add(key + ": '" + v + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static int intIn(Map<String, String> p, String key, int min, int max, List<String> problems) {
        String v = p.getOrDefault(key, "").strip();
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key + ": '" + v + "' is not a whole number from " + min + " to " + max);
        return min;
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

    public boolean cookieSecure() {
        return cookieSecure;
    }

    /** Whether the user class is read from a header (else everyone is "standard"). */
    public boolean userClassFromHeader() {
        return "header".equals(userClassSource);
    }

    public String userClassHeader() {
        return userClassHeader;
    }

    /** Whether a request from this address may set forwarded headers and its user class. */
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

    /** The application's session cookie that requests stick to, or empty for no affinity. */
    public String sessionCookie() {
        return sessionCookie;
    }
}
