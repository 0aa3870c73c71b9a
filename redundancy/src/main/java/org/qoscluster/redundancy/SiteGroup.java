package org.qoscluster.redundancy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.config.SettingsReader;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.GroupState.Copy;

/**
 * The application's group when it spans sites ({@code qos.shared-group.*}, which the launcher
 * derives from a sites file): every site's copies in one group, epoch 1's master the first
 * site's configured master, each copy named {@code SITE-COPY} and reached at the address this
 * site reaches it (another site's copy at its WAN address). Validated and immutable.
 *
 * @param site   this site
 * @param sites  every site, in configured order (the order of promotion among followers)
 * @param copies the group's copies, numbered from 1 in order
 * @param siteOf each copy's site, by copy name
 * @param lease  how long the master's site keeps its write path without reaching another site's copy;
 *               another site promotes after twice that
 */
public record SiteGroup(String site, List<String> sites, List<Copy> copies, Map<String, String> siteOf, Duration lease) {

    private static final Pattern SITE = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    public SiteGroup {
        sites = List.copyOf(sites);
        copies = List.copyOf(copies);
        siteOf = Map.copyOf(siteOf);
    }

    /**
     * The group across sites {@code config} describes; empty when its group is its own.
     *
     * @throws InvalidConfigException naming every bad {@code qos.shared-group.*} key
     */
    public static Optional<SiteGroup> from(ClusterConfig config) {
        Optional<String> me = config.groupSite();
        if (me.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> p = config.properties();
        SettingsReader r = new SettingsReader(config, Map.of());
        int lease = r.intIn(ClusterConfig.SHARED_GROUP_LEASE, 100, 600_000);
        List<String> problems = new ArrayList<>();
        List<String> sites = new ArrayList<>();
        for (String s : p.getOrDefault(ClusterConfig.SHARED_GROUP_SITES, "").split(",")) {
            if (s.isBlank()) {
                continue;
            }
            if (!SITE.matcher(s.strip()).matches() || sites.contains(s.strip())) {
                problems.add(ClusterConfig.SHARED_GROUP_SITES + ": '" + s.strip() + "' is not a site name, or named twice");
            }
            sites.add(s.strip());
        }
        if (!sites.contains(me.get())) {
            problems.add(ClusterConfig.SHARED_GROUP_SITE + ": '" + me.get() + "' is not one of " + ClusterConfig.SHARED_GROUP_SITES
                    + " (" + String.join(",", sites) + ")");
        }
        List<Copy> copies = new ArrayList<>();
        Map<String, String> siteOf = new LinkedHashMap<>();
        String key = ClusterConfig.SHARED_GROUP_COPIES;
        for (String c : p.getOrDefault(key, "").split(",")) {
            if (c.isBlank()) {
                continue;
            }
            String[] f = c.strip().split("/");
            try {
                if (f.length != 4 || !sites.contains(f[0])) {
                    throw new IllegalArgumentException("SITE/COPY/ADDRESS/PORT with SITE one of " + sites);
                }
                Copy copy = new Copy(f[0] + "-" + f[1], f[2], Integer.parseInt(f[3]), copies.size() + 1);
                if (siteOf.put(copy.name(), f[0]) != null) {
                    throw new IllegalArgumentException("copy " + copy.name() + " is named twice");
                }
                copies.add(copy);
            } catch (IllegalArgumentException e) {
                problems.add(key + ": '" + c.strip() + "' is not a copy (" + e.getMessage() + ")");
            }
        }
        if (problems.isEmpty() && (copies.isEmpty() || !siteOf.get(copies.get(0).name()).equals(sites.get(0)))) {
            problems.add(key + ": the first copy must be the first site's master (epoch 1's master)");
        }
        try {
            r.check();
        } catch (InvalidConfigException e) {
            problems.addAll(0, e.problems());
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return Optional.of(new SiteGroup(me.get(), sites, copies, siteOf, Duration.ofMillis(lease)));
    }

    /** Epoch 1's master: the first site's configured master. */
    public String firstMaster() {
        return copies.get(0).name();
    }

    /** The site of {@code copy}; a copy added at run time (no site known) is taken to be this site's. */
    public String siteOf(String copy) {
        return siteOf.getOrDefault(copy, site);
    }

    /** Whether {@code s}'s master is a copy of this site: this site decides and ships. */
    public boolean mastersHere(GroupState s) {
        return siteOf(s.master()).equals(site);
    }
}
