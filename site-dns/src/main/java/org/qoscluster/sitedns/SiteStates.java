package org.qoscluster.sitedns;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The current state of every site, written by whatever watches the sites (the probes in a
 * running server; the tests directly) and read by the answerer at each query; a site never
 * reported is unavailable. Also whether the server is blind (see {@link SiteVerdict}): then it
 * answers SERVFAIL for the sites' addresses. Thread-safe: a query reads one consistent view.
 */
public final class SiteStates {

    /** One consistent view: the sites' states and whether the server is blind. */
    public record View(Map<String, SiteState> states, boolean blind) {

        public View {
            states = Map.copyOf(states);
        }
    }

    private volatile View view = new View(Map.of(), false);

    /** Every one of {@code sites} available, for a server that has nothing watching its sites. */
    public static SiteStates allAvailable(List<Site> sites) {
        SiteStates s = new SiteStates();
        sites.forEach(site -> s.set(site.name(), SiteState.AVAILABLE));
        return s;
    }

    /** Records the state of site {@code name}. */
    public synchronized void set(String name, SiteState state) {
        Map<String, SiteState> next = new HashMap<>(view.states());
        next.put(name, state);
        view = new View(next, view.blind());
    }

    /** Replaces every state, and the blind flag, with {@code verdict}'s. */
    public synchronized void publish(SiteVerdict verdict) {
        view = new View(verdict.states(), verdict.blind());
    }

    /** The states now, unchangeable. */
    public Map<String, SiteState> snapshot() {
        return view.states();
    }

    /** The states and the blind flag now, read together. */
    public View view() {
        return view;
    }
}
