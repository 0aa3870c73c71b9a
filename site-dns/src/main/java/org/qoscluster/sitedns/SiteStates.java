package org.qoscluster.sitedns;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The current state of every site, written by whatever watches the sites and read by the
 * answerer at each query; a site never reported is unavailable. Thread-safe: a query reads one
 * consistent snapshot.
 */
public final class SiteStates {

    private volatile Map<String, SiteState> states = Map.of();

    /** Every one of {@code sites} available, for a server that has nothing watching its sites. */
    public static SiteStates allAvailable(List<Site> sites) {
        SiteStates s = new SiteStates();
        sites.forEach(site -> s.set(site.name(), SiteState.AVAILABLE));
        return s;
    }

    /** Records the state of site {@code name}. */
    public synchronized void set(String name, SiteState state) {
        Map<String, SiteState> next = new HashMap<>(states);
        next.put(name, state);
        states = Map.copyOf(next);
    }

    /** The states now, unchangeable. */
    public Map<String, SiteState> snapshot() {
        return states;
    }
}
