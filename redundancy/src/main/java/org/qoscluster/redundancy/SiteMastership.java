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
 * <li>{@link Role#FENCED}: this site holds the master but has reached no copy of another site for
 * the lease: its write paths relay nothing, so a site that promotes after twice the lease takes
 * over from a master that no longer writes. A site that has not reached another site since its
 * coordinator started, or since the master came to it from another site (it promoted because
 * that site was lost), is not fenced (the first site to start runs alone until the others come;
 * the site that took over runs alone until the lost one is back).</li>
 * <li>{@link Role#FOLLOW}: another site holds the master; this one follows it (its write paths
 * relay to that master, its agent ships nothing).</li>
 * <li>{@link Role#PROMOTE}: another site holds the master, a copy of that site answered since
 * this coordinator started but none for twice the lease, and this site is the first, in
 * {@code qos.sites} order, of the sites it reaches (reached within the lease): it promotes a copy
 * of its own. Two sites that reach each other never both promote; a site that never reached the
 * master's site (it started while the link was down) never promotes.</li>
 * </ul>
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
            // of its own copy): the other sites were not reached then, and the lease counts from
            // when one is reached again.
            reached.clear();
        }
        lastMasterSite = masterSite;
        if (masterSite.equals(group.site())) {
            if (reached.isEmpty() || sitesWithCopies(s).size() < 2) {
                return Role.LEAD;
            }
            long last = reached.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            return now - last >= lease ? Role.FENCED : Role.LEAD;
        }
        Long since = reached.get(masterSite);
        if (since == null || now - since < 2 * lease) {
            return Role.FOLLOW;
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
