package org.qoscluster.config;

import java.util.List;

/**
 * A service class and its QoS goal, as admins configure it under {@code qos.class.NAME.*}.
 *
 * @param name           class name, lower case letters, digits and dashes
 * @param p95Millis      target 95th percentile latency, in milliseconds
 * @param priority       0 (least important) to 100; under shortage higher classes keep their goal
 * @param maxConcurrency most requests of this class in flight on one node; 0 means no cap
 * @param rules          request rules that put a request in this class; empty for the default class
 */
public record ServiceClass(String name, int p95Millis, int priority, int maxConcurrency, List<RequestRule> rules) {

    public ServiceClass {
        rules = List.copyOf(rules);
    }
}
