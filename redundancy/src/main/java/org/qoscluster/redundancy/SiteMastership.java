package org.qoscluster.redundancy;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.qoscluster.contract.GroupState;

/**
 * What one site does for a group that spans sites ({@link SiteGroup}), beat by beat, as pure
 * logic over the heartbeat's view of every copy and an injected clock. A site "reaches" another
 * when one of that site's copies answered its last probe ({@link CopyHealth#AVAILABLE}); it
 * always reaches itself.
 *
 * <ul>
 * <li>{@link Role#LEAD}: this site holds the master and decides as a single cluster does (its
 * coordinator's failovers stay among its own copies; its agent ships to every copy).</li>
 * <li>{@link Role#FENCED}: this site holds the master but has not reached, within the lease,
 * copies of enough sites to make its side of a cut more than half of the group's sites (itself
 * included; with two sites: the other one): its write paths relay nothing, so a site that
 * promotes after twice the lease takes over from a master that no longer writes. In a group of
 * two sites, a site that has not reached the other since its coordinator started, or since the
 * master came to it from the other (it promoted because that site was lost), is not fenced (the
 * first site to start runs alone until the other comes; the site that took over runs alone until
 * the lost one is back). With three or more sites there is no such exception: the master's site
 * writes only while its side is more than half of the sites.</li>
 * <li>{@link Role#FOLLOW}: another site holds the master; this one follows it (its write paths
 * relay to that master, its agent ships nothing).</li>
 * <li>{@link Role#PROMOTE}: another site holds the master, a copy of that site answered since
 * this coordinator started but none for twice the lease, this site's side (itself and the sites
 * it reached within the lease) is at least half of the group's sites, and this site is the first,
 * in {@code qos.sites} order, of its side: it promotes a copy of its own. Two sites that reach
 * each other never both promote; a site that never reached the master's site (it started while
 * the link was down) never promotes.</li>
 * </ul>
 *
 * <p>The majority: with three or more sites, a cut can leave several islands. The master's side
 * leads only while it is more than half of the sites, and another side promotes only when it is at
 * least half, so two sides cut from each other never both write (more than half and at least half
 * of the same sites would share one). With two sites, half is one site: the master's site alone
 * is fenced, the other alone promotes, as a whole site's death needs. With an even number of
 * sites split in two halves, the half without the master takes over. This assumes reachability
 * is mutual and transitive within a side; a site that reaches both sides of a cut that do not
 * reach each other is not resolved by this rule.</p>
 *
 * <p>Why the master's site fences before another promotes: the master's site last reached the
 * other site at most when the link was cut (plus a probe's age), so it is fenced within the
 * lease plus a beat of that; the other site reached it no earlier than a beat and a probe before
 * the cut, and promotes twice the lease after that. With the lease longer than two beats and two
 * probes' age, the fence always comes first (a property {@code SiteMastershipTest} checks on
 * random beats).</p>
 */
public final class SiteMastership {

    /** What this site does this beat. */
    public enum Role { LEAD, FENCED, FOLLOW, PROMOTE }

    private final SiteGroup group;
    private final Clock clock;
    /** When a copy of each other site last answered, by site. */
    private final Map<String, Long> reached = new HashMap<>();
    /** The site that held the master at the last beat (null before the first). */
    private String lastMasterSite;

    public SiteMastership(SiteGroup group, Clock clock) {
        this.group = group;
        this.clock = clock;
    }

    /** Records which sites answered this beat ({@code statuses}: the heartbeat's view) and says what to do in state {@code s}. */
    public Role beat(GroupState s, Map<String, CopyHealth> statuses) {
        long now = clock.millis();
        statuses.forEach((copy, status) -> {
            if (status == CopyHealth.AVAILABLE && s.copy(copy).isPresent()) {
                reached.put(group.siteOf(copy), now);
            }
        });
        reached.remove(group.site());
        long lease = group.lease().toMillis();
        String masterSite = group.siteOf(s.master());
        if (masterSite.equals(group.site()) && lastMasterSite != null && !lastMasterSite.equals(masterSite)) {
            // The master came here from another site (this site promoted, or follows a promotion
            // of its own copy): the sites not reached within the lease are lost, and their lease
            // counts from when they are reached again (with two sites: this one runs alone).
            reached.values().removeIf(at -> now - at >= lease);
        }
        lastMasterSite = masterSite;
        Set<String> withCopies = sitesWithCopies(s);
        int sites = withCopies.size();
        // This site and the others with copies reached within the lease: its side of any cut.
        long side = 1 + withCopies.stream().filter(site -> !site.equals(group.site()))
                .filter(site -> reached.containsKey(site) && now - reached.get(site) < lease).count();
        if (masterSite.equals(group.site())) {
            if (sites < 2 || (sites == 2 && reached.isEmpty())) {
                return Role.LEAD;
            }
            return 2 * side > sites ? Role.LEAD : Role.FENCED; // more than half of the sites, or fenced
        }
        Long since = reached.get(masterSite);
        if (since == null || now - since < 2 * lease) {
            return Role.FOLLOW;
        }
        if (2 * side < sites) {
            return Role.FOLLOW; // fewer than half: the master's side may hold more than half, and lead
        }
        for (String site : group.sites()) {
            if (site.equals(group.site())) {
                return Role.PROMOTE;
            }
            Long last = reached.get(site);
            if (last != null && now - last < lease) {
                return Role.FOLLOW; // an earlier site in the order is reached: it promotes
            }
        }
        return Role.FOLLOW;
    }

    /** How long ago a copy of {@code site} last answered ({@code -1}: never since this coordinator started). */
    public long sinceReached(String site) {
        Long last = reached.get(site);
        return last == null ? -1 : clock.millis() - last;
    }

    private Set<String> sitesWithCopies(GroupState s) {
        Set<String> out = new LinkedHashSet<>();
        s.copies().forEach(c -> out.add(group.siteOf(c.name())));
        return out;
    }
}
