package org.qoscluster.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads one module's typed settings out of the validated {@code qos.*} properties and the
 * {@code qos.secret.*} values, collecting every problem (key, value, what was expected) so that
 * {@link #check()} reports them all at once. A secret's value is never echoed.
 */
public final class SettingsReader {

    private final Map<String, String> properties;
    private final Map<String, String> secrets;
    private final List<String> problems = new ArrayList<>();

    public SettingsReader(ClusterConfig cluster, Map<String, String> secrets) {
        this.properties = cluster.properties();
        this.secrets = Map.copyOf(secrets);
    }

    /** Over properties of a part that runs on its own (the site DNS server), without secrets. */
    public SettingsReader(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
        this.secrets = Map.of();
    }

    /** A whole number in [min, max]. */
    public int intIn(String key, int min, int max) {
        return (int) longIn(key, min, max);
    }

    /** A whole number in [min, max], for sizes that may pass {@code int}'s range. */
    public long longIn(String key, long min, long max) {
        String v = raw(key);
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return problem(key + ": '" + v + "' is not a whole number from " + min + " to " + max, min);
    }

    /** {@code true} or {@code false}. */
    public boolean bool(String key) {
        String v = raw(key);
        if (!v.equals("true") && !v.equals("false")) {
            problems.add(key + ": '" + v + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }

    /** A value matching {@code pattern} entirely, described as {@code what} in the error. */
    public String matching(String key, Pattern pattern, String what) {
        String v = raw(key);
        return pattern.matcher(v).matches() ? v : problem(key + ": '" + v + "' is not " + what, v);
    }

    /** A secret of at least 32 bytes, as its UTF-8 bytes; null (with a problem) when missing or short. */
    public byte[] secret(String key) {
        String v = secrets.get(key);
        if (v == null || v.isBlank()) {
            return problem(key + ": missing; the launcher writes it to the state directory's secrets folder", null);
        }
        byte[] bytes = v.strip().getBytes(StandardCharsets.UTF_8);
        return bytes.length >= 32 ? bytes
                : problem(key + ": only " + bytes.length + " bytes long, at least 32 needed (value not shown)", null);
    }

    /** The stripped value, empty when the key is not set. */
    public String raw(String key) {
        return properties.getOrDefault(key, "").strip();
    }

    /** Records a problem found by the caller. */
    public <T> T problem(String message, T fallback) {
        problems.add(message);
        return fallback;
    }

    /** Throws {@link InvalidConfigException} listing every problem found so far. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }
}
