package org.qoscluster.redundancy;

import java.time.Duration;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.SettingsReader;

/**
 * The heartbeat settings of a redundancy group ({@code qos.group.heartbeat.*}): a copy is
 * probed every {@code period}; a probe that fails or takes longer than {@code timeout} makes it
 * suspect, and {@code retries} of them in a row unavailable.
 */
public record GroupSettings(Duration period, Duration timeout, int retries) {

    public static final String PERIOD = "qos.group.heartbeat.period-ms";
    public static final String TIMEOUT = "qos.group.heartbeat.timeout-ms";
    public static final String RETRIES = "qos.group.heartbeat.retries";

    public GroupSettings {
        if (period.isNegative() || period.isZero() || timeout.isNegative() || timeout.isZero() || retries < 1) {
            throw new IllegalArgumentException("period and timeout must be positive and retries at least 1: "
                    + period + ", " + timeout + ", " + retries);
        }
    }

    /** Reads and validates the settings; every bad key is named in one {@link InvalidConfigException}. */
    public static GroupSettings from(ClusterConfig config) {
        SettingsReader r = new SettingsReader(config, java.util.Map.of());
        int period = r.intIn(PERIOD, 10, 60_000);
        int timeout = r.intIn(TIMEOUT, 10, 60_000);
        int retries = r.intIn(RETRIES, 1, 100);
        r.check();
        return new GroupSettings(Duration.ofMillis(period), Duration.ofMillis(timeout), retries);
    }

    /** The longest a copy that stops answering can stay out of {@link CopyHealth#UNAVAILABLE}. */
    public Duration detectionBound() {
        return period.plus(timeout).multipliedBy(retries);
    }
}
