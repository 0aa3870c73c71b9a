package org.qoscluster.sitedns;

import java.util.List;
import java.util.Map;

/**
 * What a site DNS server answers, decided from what its own probes see: each site's state, and
 * how many of its configured peers (the other sites' DNS servers) answer. Pure.
 * <ul>
 * <li>A site is answered when its own status page answers this server's probes (its state is
 * available): a peer's silence alone does not take its site out, since users talk to the
 * site's router, not to its DNS server; a site that is gone whole fails both.</li>
 * <li><em>Isolated</em>: peers are configured and none answers. The server cannot tell whether
 * every other site died or it is cut off from them; either way it still answers the sites its
 * own probes reach (in practice its own site): when the others died that is the one right
 * answer, and when it is cut off, the users who reach it can most likely reach the site beside
 * it, while the other servers answer from their own view.</li>
 * <li><em>Blind</em>: isolated, and no site answers either. Its view then says more about its own
 * network than about the sites, so it answers SERVFAIL (whatever {@code empty-answer} says): a
 * resolver then asks another of the zone's servers, where an empty NOERROR answer would be
 * cached and end the resolution.</li>
 * </ul>
 *
 * @param states each site's state, by name
 * @param isolated peers are configured and none answers
 * @param blind isolated, and no site is available
 */
public record SiteVerdict(Map<String, SiteState> states, boolean isolated, boolean blind) {

    public SiteVerdict {
        states = Map.copyOf(states);
    }

    /**
     * Decides.
     *
     * @param states each site's state as this server's probes see it
     * @param peers how many peers are configured
     * @param peersUp how many of them answer
     */
    public static SiteVerdict of(Map<String, SiteState> states, int peers, int peersUp) {
        boolean isolated = peers > 0 && peersUp == 0;
        boolean anySite = states.values().stream().anyMatch(SiteState::available);
        return new SiteVerdict(states, isolated, isolated && !anySite);
    }

    /** The names of the available sites, in {@code order}. */
    public List<String> available(List<Site> order) {
        return order.stream().map(Site::name).filter(n -> states.containsKey(n) && states.get(n).available()).toList();
    }
}
