package org.qoscluster.sitedns;

import java.util.Arrays;
import java.util.Optional;

/** The order in which the site DNS server answers the addresses of the available sites. */
public enum SitePolicy {
    /** The first configured site alone while it is available, else the next available one alone. */
    ACTIVE_PASSIVE("active-passive"),
    /** Every available site, in configured order. */
    ORDERED("ordered"),
    /** Every available site, the list rotated by one at each answer. */
    ROUND_ROBIN("round-robin"),
    /** Every available site, the most spare capacity first (sites that reported none last). */
    LOAD("load"),
    /** Every available site, the shortest measured response time first (unmeasured sites last). */
    RESPONSE_TIME("response-time"),
    /** The site whose subnet holds the client first, then the others in configured order. */
    LOCALITY("locality");

    private final String key;

    SitePolicy(String key) {
        this.key = key;
    }

    /** The name used in the configuration. */
    public String key() {
        return key;
    }

    /** The policy named {@code key} in the configuration. */
    public static Optional<SitePolicy> of(String key) {
        return Arrays.stream(values()).filter(p -> p.key.equals(key)).findFirst();
    }
}
