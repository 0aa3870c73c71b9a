package org.qoscluster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What changed from one {@link GoalSet} to another, one line per change: a class added or
 * removed, a field of a class changed ({@code browse: p95-ms 200 -> 300}), a user class's goal
 * added, removed or changed ({@code checkout user gold: priority 80 -> 90}), the default class
 * changed. Empty when the sets are equal.
 *
 * @param changes the changes, classes in name order
 */
public record GoalDiff(List<String> changes) {

    public GoalDiff {
        changes = List.copyOf(changes);
    }

    /** The changes that turn {@code before} into {@code after}. */
    public static GoalDiff between(GoalSet before, GoalSet after) {
        Map<String, ServiceClass> old = byName(before);
        Map<String, ServiceClass> now = byName(after);
        List<String> lines = new ArrayList<>();
        TreeMap<String, Boolean> names = new TreeMap<>();
        old.keySet().forEach(n -> names.put(n, true));
        now.keySet().forEach(n -> names.put(n, true));
        for (String name : names.keySet()) {
            ServiceClass a = old.get(name);
            ServiceClass b = now.get(name);
            if (a == null) {
                lines.add("added " + describe(b));
            } else if (b == null) {
                lines.add("removed " + name);
            } else {
                field(lines, name, "p95-ms", a.p95Millis(), b.p95Millis());
                field(lines, name, "priority", a.priority(), b.priority());
                field(lines, name, "max-concurrency", a.maxConcurrency(), b.maxConcurrency());
                field(lines, name, "match", rulesOrNone(a), rulesOrNone(b));
            }
            userClasses(lines, name, a == null ? Map.of() : a.userClasses(), b == null ? Map.of() : b.userClasses());
        }
        if (!before.defaultClass().name().equals(after.defaultClass().name())) {
            lines.add("default class " + before.defaultClass().name() + " -> " + after.defaultClass().name());
        }
        return new GoalDiff(lines);
    }

    /** The changes of one class's user-class goals: added, removed, a field changed ({@code checkout user gold: priority 80 -> 90}). */
    private static void userClasses(List<String> lines, String name, Map<String, UserClassGoal> before,
                                    Map<String, UserClassGoal> after) {
        java.util.TreeSet<String> users = new java.util.TreeSet<>(before.keySet());
        users.addAll(after.keySet());
        for (String user : users) {
            UserClassGoal a = before.get(user);
            UserClassGoal b = after.get(user);
            if (a == null) {
                lines.add("added " + describe(name, user, b));
            } else if (b == null) {
                lines.add("removed " + name + " user " + user);
            } else {
                field(lines, name + " user " + user, "p95-ms", a.p95Millis(), b.p95Millis());
                field(lines, name + " user " + user, "priority", a.priority(), b.priority());
            }
        }
    }

    /** A user class's goal in one line: {@code checkout user gold (p95-ms 300, priority 90)}. */
    public static String describe(String serviceClass, String userClass, UserClassGoal g) {
        return serviceClass + " user " + userClass + " (p95-ms " + g.p95Millis() + ", priority " + g.priority() + ")";
    }

    /** Whether nothing changed. */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** A class in one line: {@code browse (p95-ms 200, priority 50, max-concurrency 0, match GET /api/products*)}. */
    public static String describe(ServiceClass c) {
        return c.name() + " (p95-ms " + c.p95Millis() + ", priority " + c.priority() + ", max-concurrency "
                + c.maxConcurrency() + ", match " + rulesOrNone(c) + ")";
    }

    @Override
    public String toString() {
        return isEmpty() ? "no change" : String.join("; ", changes);
    }

    private static void field(List<String> lines, String name, String field, Object a, Object b) {
        if (!a.equals(b)) {
            lines.add(name + ": " + field + " " + a + " -> " + b);
        }
    }

    private static String rulesOrNone(ServiceClass c) {
        return c.rules().isEmpty() ? "none" : c.rules().stream().map(RequestRule::toString).collect(Collectors.joining(","));
    }

    private static Map<String, ServiceClass> byName(GoalSet g) {
        Map<String, ServiceClass> m = new TreeMap<>();
        g.classes().forEach(c -> m.put(c.name(), c));
        return m;
    }
}
