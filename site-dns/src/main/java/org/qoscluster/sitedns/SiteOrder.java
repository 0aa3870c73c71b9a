package org.qoscluster.sitedns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which sites the site DNS server answers, in which order: a pure decision over the configured
 * sites, their states, the client and a rotation counter. An unavailable site is never in the
 * answer, no site is in it twice, and with no available site the answer is empty.
 */
public final class SiteOrder {

    private SiteOrder() {
    }

    /**
     * The sites to answer.
     *
     * @param policy the configured policy
     * @param sites the configured sites, in configured order
     * @param states each site's state by name; a site without one is unavailable
     * @param client the client's subnet (the EDNS Client Subnet when the query had one, else the
     *     source address), for the locality policy
     * @param rotation a counter that changes at each answer, for round robin
     */
    public static List<Site> order(SitePolicy policy, List<Site> sites, Map<String, SiteState> states,
            Subnet client, long rotation) {
        List<Site> available = new ArrayList<>();
        for (Site s : sites) {
            SiteState state = states.get(s.name());
            if (state != null && state.available()) {
                available.add(s);
            }
        }
        if (available.isEmpty()) {
            return List.of();
        }
        return switch (policy) {
            case ACTIVE_PASSIVE -> List.of(available.get(0));
            case ORDERED -> List.copyOf(available);
            case ROUND_ROBIN -> {
                int shift = (int) Math.floorMod(rotation, (long) available.size());
                List<Site> rotated = new ArrayList<>(available.subList(shift, available.size()));
                rotated.addAll(available.subList(0, shift));
                yield List.copyOf(rotated);
            }
            case LOAD -> {
                // Most spare capacity first; a site that reported none after every one that did.
                available.sort(Comparator.comparingLong(
                        s -> -states.get(s.name()).spareCapacity().orElse(Long.MIN_VALUE + 1)));
                yield List.copyOf(available);
            }
            case RESPONSE_TIME -> {
                available.sort(Comparator.comparing(s -> states.get(s.name()).responseTime(),
                        Comparator.comparing((Optional<Duration> t) -> t.isEmpty())
                                .thenComparing(t -> t.orElse(Duration.ZERO))));
                yield List.copyOf(available);
            }
            case LOCALITY -> {
                Optional<Site> near = nearest(available, client);
                near.ifPresent(n -> {
                    available.remove(n);
                    available.add(0, n);
                });
                yield List.copyOf(available);
            }
        };
    }

    /** The site whose subnet covers the client with the longest prefix (the first such site on a tie). */
    private static Optional<Site> nearest(List<Site> sites, Subnet client) {
        Site best = null;
        int bestLength = -1;
        for (Site s : sites) {
            for (Subnet net : s.subnets()) {
                if (net.covers(client) && net.prefixLength() > bestLength) {
                    best = s;
                    bestLength = net.prefixLength();
                }
            }
        }
        return Optional.ofNullable(best);
    }
}
