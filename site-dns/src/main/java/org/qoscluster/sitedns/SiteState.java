package org.qoscluster.sitedns;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the site DNS server knows of a site right now: whether it is available, the spare
 * capacity its router reports (for the load policy) and the response time measured to it (for
 * the response-time policy); either may be unknown.
 */
public record SiteState(boolean available, OptionalLong spareCapacity, Optional<Duration> responseTime) {

    public static final SiteState AVAILABLE = new SiteState(true, OptionalLong.empty(), Optional.empty());
    public static final SiteState UNAVAILABLE = new SiteState(false, OptionalLong.empty(), Optional.empty());

    /** An available site that reports {@code spare} free capacity. */
    public static SiteState withSpareCapacity(long spare) {
        return new SiteState(true, OptionalLong.of(spare), Optional.empty());
    }

    /** An available site measured at {@code time}. */
    public static SiteState withResponseTime(Duration time) {
        return new SiteState(true, OptionalLong.empty(), Optional.of(time));
    }
}
