package org.qoscluster.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A service class and its QoS goal, as admins configure it under {@code qos.class.NAME.*}, with
 * the goals of user classes that have their own ({@code qos.class.NAME.user.USERCLASS.*}).
 *
 * @param name           class name, lower case letters, digits and dashes
 * @param p95Millis      target 95th percentile latency, in milliseconds
 * @param priority       0 (least important) to 100; under shortage higher classes keep their goal
 * @param maxConcurrency most requests of this class in flight on one node; 0 means no cap
 * @param rules          request rules that put a request in this class; empty for the default class
 * @param userClasses    per user class with a goal of its own, that goal (sorted by user class); a
 *                       user class not in it gets the class's goal
 */
public record ServiceClass(String name, int p95Millis, int priority, int maxConcurrency, List<RequestRule> rules,
                           Map<String, UserClassGoal> userClasses) {

    public ServiceClass {
        rules = List.copyOf(rules);
        userClasses = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(userClasses));
    }

    /** A class without goals per user class. */
    public ServiceClass(String name, int p95Millis, int priority, int maxConcurrency, List<RequestRule> rules) {
        this(name, p95Millis, priority, maxConcurrency, rules, Map.of());
    }

    /**
     * The goal a request of this class by a user of {@code userClass} is routed by: this class with
     * the user class's p95 and priority when it has a goal of its own, else this class itself.
     * Name, rules and cap stay the class's (its records and in-flight counts are the class's).
     * The result has no goals per user class.
     */
    public ServiceClass forUserClass(String userClass) {
        UserClassGoal g = userClass == null ? null : userClasses.get(userClass);
        if (g == null) {
            return userClasses.isEmpty() ? this : new ServiceClass(name, p95Millis, priority, maxConcurrency, rules, Map.of());
        }
        return new ServiceClass(name, g.p95Millis(), g.priority(), maxConcurrency, rules, Map.of());
    }
}
