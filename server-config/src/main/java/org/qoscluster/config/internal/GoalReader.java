package org.qoscluster.config.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.RequestRule;
import org.qoscluster.config.ServiceClass;
import org.qoscluster.config.UserClassGoal;

/**
 * Reads and validates the service classes ({@code qos.class.NAME.*} and {@code qos.class.default}):
 * the one validation of QoS goals, used by the cluster's configuration at start-up and by the
 * router when its goals change while it runs. Every problem is collected, naming the key and
 * echoing the value.
 *
 * <p>Besides each value's own check, a rule that could never match is refused: classes are tried
 * in name order (the default class last) and the first whose rule matches a request wins, so a
 * rule is dead when a class tried earlier has a rule that matches every request it matches
 * ({@link RequestRule#covers}). Two classes with an identical rule are the plainest case.
 */
public final class GoalReader {

    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern METHOD = Pattern.compile("\\*|[A-Z]{1,16}");
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~/%-]*(\\*\\*?)?");
    private static final Set<String> CLASS_FIELDS = Set.of("p95-ms", "priority", "max-concurrency", "match");
    /** The fields of a user class's goal within a class: {@code qos.class.NAME.user.USERCLASS.FIELD}. */
    private static final Set<String> USER_FIELDS = Set.of("p95-ms", "priority");
    /** The word between a class's name and a user class's: {@code qos.class.NAME.user.USERCLASS.FIELD}. */
    public static final String USER = "user";

    /** The classes read, the default class last, and the default class; null fields only with problems. */
    public record Result(List<ServiceClass> classes, ServiceClass defaultClass) {
    }

    private final Map<String, String> props;
    private final List<String> problems;
    /** Per class name, the user classes that have keys of their own. */
    private final Map<String, Set<String>> userClasses = new TreeMap<>();

    private GoalReader(Map<String, String> props, List<String> problems) {
        this.props = props;
        this.problems = problems;
    }

    /**
     * Reads the goal keys among {@code props} (other keys are ignored), adding every problem to
     * {@code problems}.
     *
     * @param defaultName the value of {@code qos.class.default} when the key is absent
     */
    public static Result read(Map<String, String> props, String defaultName, List<String> problems) {
        Map<String, String> goals = new TreeMap<>();
        props.forEach((k, v) -> {
            if (isGoalKey(k)) {
                goals.put(k, v);
            }
        });
        goals.putIfAbsent(ClusterConfig.DEFAULT_CLASS, defaultName);
        return new GoalReader(goals, problems).read();
    }

    /** Whether {@code key} belongs to the QoS goals: {@code qos.class.} and anything under it. */
    public static boolean isGoalKey(String key) {
        return key.startsWith(ClusterConfig.CLASS_PREFIX);
    }

    private Result read() {
        Set<String> names = classNames();
        List<ServiceClass> classes = new ArrayList<>();
        for (String name : names) {
            classes.add(serviceClass(name));
        }
        String defaultName = value(ClusterConfig.DEFAULT_CLASS);
        ServiceClass defaultClass = classes.stream().filter(c -> c.name().equals(defaultName)).findFirst().orElse(null);
        if (defaultClass == null) {
            problems.add(ClusterConfig.DEFAULT_CLASS + ": '" + defaultName + "' names no configured class (have "
                    + names + ")");
        } else {
            classes.remove(defaultClass);
            classes.add(defaultClass);
        }
        checkDeadRules(classes);
        return new Result(classes, defaultClass);
    }

    /**
     * Refuses unknown keys under {@code qos.class.}; returns the class names found and notes the
     * user classes with keys of their own ({@code NAME.user.USERCLASS.FIELD}).
     */
    private Set<String> classNames() {
        Set<String> names = new TreeSet<>();
        for (String key : props.keySet()) {
            if (key.equals(ClusterConfig.DEFAULT_CLASS)) {
                continue;
            }
            String rest = key.substring(ClusterConfig.CLASS_PREFIX.length());
            String[] parts = rest.split("\\.", -1);
            if (parts.length == 4 && parts[1].equals(USER)) {
                if (!USER_FIELDS.contains(parts[3])) {
                    problems.add(key + ": unknown key (value '" + props.get(key) + "'); a user class's keys are "
                            + ClusterConfig.CLASS_PREFIX + "NAME." + USER + ".USERCLASS." + new TreeSet<>(USER_FIELDS));
                } else if (!NAME.matcher(parts[0]).matches()) {
                    problems.add(key + ": '" + parts[0] + "' is not a valid class name (lower-case letters, digits, dashes)");
                } else if (!NAME.matcher(parts[2]).matches()) {
                    problems.add(key + ": '" + parts[2] + "' is not a valid user class name (lower-case letters, digits, dashes)");
                } else {
                    userClasses.computeIfAbsent(parts[0], n -> new TreeSet<>()).add(parts[2]);
                }
                continue;
            }
            int dot = rest.lastIndexOf('.');
            if (dot > 0 && CLASS_FIELDS.contains(rest.substring(dot + 1))) {
                String name = rest.substring(0, dot);
                if (NAME.matcher(name).matches()) {
                    names.add(name);
                } else {
                    problems.add(key + ": '" + name + "' is not a valid class name (lower-case letters, digits, dashes)");
                }
                continue;
            }
            problems.add(key + ": unknown key (value '" + props.get(key) + "'); a class's keys are "
                    + ClusterConfig.CLASS_PREFIX + "NAME." + new TreeSet<>(CLASS_FIELDS) + ", a user class's within it "
                    + ClusterConfig.CLASS_PREFIX + "NAME." + USER + ".USERCLASS." + new TreeSet<>(USER_FIELDS));
        }
        userClasses.forEach((name, users) -> {
            if (!names.contains(name)) {
                String base = ClusterConfig.CLASS_PREFIX + name + "." + USER + "." + users.iterator().next() + ".";
                String key = props.containsKey(base + "p95-ms") ? base + "p95-ms" : base + "priority";
                problems.add(key + ": '" + props.get(key) + "' is a goal of user class '" + users.iterator().next()
                        + "' in class '" + name + "', which is not configured (give " + ClusterConfig.CLASS_PREFIX + name
                        + ".p95-ms)");
            }
        });
        return names;
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
        Map<String, UserClassGoal> goals = new TreeMap<>();
        for (String user : userClasses.getOrDefault(name, Set.of())) {
            String userBase = base + USER + "." + user + ".";
            goals.put(user, new UserClassGoal(intIn(userBase + "p95-ms", 1, 600_000, Integer.toString(p95)),
                    intIn(userBase + "priority", 0, 100, Integer.toString(priority))));
        }
        return new ServiceClass(name, p95, priority, cap, rules, goals);
    }

    /** Refuses every rule that a class tried before its own matches entirely. */
    private void checkDeadRules(List<ServiceClass> inOrder) {
        for (int i = 0; i < inOrder.size(); i++) {
            ServiceClass later = inOrder.get(i);
            for (RequestRule rule : later.rules()) {
                found:
                for (int j = 0; j < i; j++) {
                    ServiceClass earlier = inOrder.get(j);
                    for (RequestRule cover : earlier.rules()) {
                        if (cover.covers(rule)) {
                            problems.add(ClusterConfig.CLASS_PREFIX + later.name() + ".match: '" + rule
                                    + "' can never match: class '" + earlier.name() + "' is tried first and its rule '"
                                    + cover + "' (" + ClusterConfig.CLASS_PREFIX + earlier.name()
                                    + ".match) matches every request it matches (classes are tried in name order,"
                                    + " the default class last)");
                            break found;
                        }
                    }
                }
            }
        }
    }

    private String value(String key) {
        String v = props.get(key);
        return v == null ? "" : v.trim();
    }

    private int intIn(String key, int min, int max, String dflt) {
        return intIn(props, problems, key, min, max, dflt);
    }

    /**
     * {@code key} of {@code props} (trimmed; {@code dflt} when absent, a problem when that is null
     * too) as a whole number in {@code min..max}; what is wrong goes to {@code problems}.
     */
    static int intIn(Map<String, String> props, List<String> problems, String key, int min, int max, String dflt) {
        String v = props.containsKey(key) ? props.get(key).trim() : dflt;
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
}
