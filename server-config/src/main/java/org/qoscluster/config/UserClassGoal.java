package org.qoscluster.config;

/**
 * The goal of one user class within a service class ({@code qos.class.NAME.user.USERCLASS.p95-ms}
 * and {@code .priority}); a field the admin did not give is the service class's.
 *
 * @param p95Millis target 95th percentile latency, in milliseconds
 * @param priority  0 to 100, as the service class's
 */
public record UserClassGoal(int p95Millis, int priority) {
}
