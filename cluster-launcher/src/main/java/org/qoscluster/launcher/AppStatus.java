package org.qoscluster.launcher;

import java.util.Map;

/**
 * Where an application runs: its name and context root as on record (empty context root for
 * one a node runs that is not on record), and on each node, by name, {@code deployed},
 * {@code not deployed}, {@code node not running} or {@code node not answering} (in node name order).
 */
public record AppStatus(String name, String contextRoot, Map<String, String> nodes) {

    public AppStatus {
        nodes = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(nodes));
    }

    /** Whether every node that answered runs it. */
    public boolean deployedEverywhere() {
        return nodes.values().stream().allMatch(s -> s.equals("deployed"));
    }
}
