package org.qoscluster.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.qoscluster.config.internal.GoalReader;

/**
 * The QoS goals: every service class with its goal and rules, and the default class. Immutable
 * and validated: {@link #parse} refuses what {@link ClusterConfig} refuses at start-up (it is
 * the same code), so a router can take a new set while it runs and keep the last valid one
 * otherwise.
 */
public final class GoalSet {

    /** The default class's name when {@value ClusterConfig#DEFAULT_CLASS} is not given. */
    public static final String DEFAULT_CLASS_NAME = "default";

    private final List<ServiceClass> classes;
    private final ServiceClass defaultClass;
    /**
     * Per class name, the goal each user class is routed by, made once: a request's look-up is two
     * map reads, no allocation and no lock. Under {@code null} (not a user class name) the class's own goal.
     */
    private final Map<String, Map<String, ServiceClass>> byUserClass;

    GoalSet(List<ServiceClass> classes, ServiceClass defaultClass) {
        this.classes = List.copyOf(classes);
        this.defaultClass = Objects.requireNonNull(defaultClass);
        Map<String, Map<String, ServiceClass>> m = new java.util.HashMap<>();
        for (ServiceClass c : this.classes) {
            Map<String, ServiceClass> users = new java.util.HashMap<>();
            users.put(null, c.forUserClass(null));
            c.userClasses().keySet().forEach(u -> users.put(u, c.forUserClass(u)));
            m.put(c.name(), users);
        }
        this.byUserClass = m;
    }

    /**
     * Reads the goal keys ({@code qos.class.*}) among {@code properties}, ignoring every other key;
     * an {@link InvalidConfigException} names every bad key and echoes its value.
     */
    public static GoalSet parse(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        GoalReader.Result r = GoalReader.read(properties, DEFAULT_CLASS_NAME, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new GoalSet(r.classes(), r.defaultClass());
    }

    /** Whether {@code key} is one of the goal keys: {@code qos.class.} and anything under it. */
    public static boolean isGoalKey(String key) {
        return GoalReader.isGoalKey(key);
    }

    /** The goal keys among {@code properties}, sorted. */
    public static SortedMap<String, String> goalKeys(Map<String, String> properties) {
        SortedMap<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (isGoalKey(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Every class in the order they are tried: by name, the default class last. */
    public List<ServiceClass> classes() {
        return classes;
    }

    /** The class of requests that match no rule. */
    public ServiceClass defaultClass() {
        return defaultClass;
    }

    /** The class with this name, if any. */
    public Optional<ServiceClass> named(String name) {
        return classes.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The service class of a request: the first class with a matching rule, else the default class. */
    public ServiceClass classify(String method, String path) {
        for (ServiceClass c : classes) {
            for (RequestRule r : c.rules()) {
                if (r.matches(method, path)) {
                    return c;
                }
            }
        }
        return defaultClass;
    }

    /**
     * The goal a request of {@code serviceClass} (a class of this set, as {@link #classify} gave
     * it) by a user of {@code userClass} is routed by: the user class's own goal within the class
     * when it has one, else the class's. Its name, rules and cap are the class's.
     */
    public ServiceClass goalFor(ServiceClass serviceClass, String userClass) {
        Map<String, ServiceClass> users = byUserClass.get(serviceClass.name());
        if (users == null) {
            return serviceClass.forUserClass(userClass);
        }
        ServiceClass g = users.get(userClass);
        return g != null ? g : users.get(null);
    }

    /**
     * The goals as properties, one way of writing them: every class's {@code p95-ms},
     * {@code priority}, {@code max-concurrency}, (when it has rules) {@code match} and each of its
     * user classes' {@code user.USERCLASS.p95-ms} and {@code .priority}, and
     * {@value ClusterConfig#DEFAULT_CLASS}. {@code parse(properties())} equals this set.
     */
    public SortedMap<String, String> properties() {
        SortedMap<String, String> p = new TreeMap<>();
        for (ServiceClass c : classes) {
            String base = ClusterConfig.CLASS_PREFIX + c.name() + ".";
            p.put(base + "p95-ms", Integer.toString(c.p95Millis()));
            p.put(base + "priority", Integer.toString(c.priority()));
            p.put(base + "max-concurrency", Integer.toString(c.maxConcurrency()));
            if (!c.rules().isEmpty()) {
                p.put(base + "match", c.rules().stream().map(RequestRule::toString).collect(Collectors.joining(",")));
            }
            c.userClasses().forEach((user, g) -> {
                p.put(base + GoalReader.USER + "." + user + ".p95-ms", Integer.toString(g.p95Millis()));
                p.put(base + GoalReader.USER + "." + user + ".priority", Integer.toString(g.priority()));
            });
        }
        p.put(ClusterConfig.DEFAULT_CLASS, defaultClass.name());
        return p;
    }

    /**
     * A short digest of the goals (12 hex digits of the SHA-256 of {@link #properties()}): equal
     * sets have equal fingerprints, however they were written, so a tool can tell whether the
     * router runs the goals it wrote.
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest(properties().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** One line per class: its goal and rules, with its user classes' goals. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (ServiceClass c : classes) {
            lines.add(GoalDiff.describe(c) + (c.equals(defaultClass) ? " (default class)" : ""));
            c.userClasses().forEach((user, g) -> lines.add(GoalDiff.describe(c.name(), user, g)));
        }
        return lines;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GoalSet g && g.classes.equals(classes) && g.defaultClass.equals(defaultClass);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classes, defaultClass);
    }

    @Override
    public String toString() {
        return String.join("; ", describe());
    }
}
