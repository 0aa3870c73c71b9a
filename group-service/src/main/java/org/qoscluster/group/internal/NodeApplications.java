package org.qoscluster.group.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.qoscluster.contract.NodeApp;

/**
 * The applications this node is meant to run, in deployment order, and whether an operator has
 * drained it: what its health page answers besides the database. The launcher gives the list at
 * start ({@link NodeApp#NODE_APPS_PROPERTY}); a deployment or undeployment through
 * {@link AppsEndpoint} changes it. Thread-safe.
 */
final class NodeApplications {

    private final Map<String, NodeApp> expected = new LinkedHashMap<>();
    private volatile boolean draining;

    NodeApplications(List<NodeApp> apps) {
        apps.forEach(a -> expected.put(a.name(), a));
    }

    synchronized List<NodeApp> expected() {
        return List.copyOf(expected.values());
    }

    synchronized Optional<NodeApp> named(String name) {
        return Optional.ofNullable(expected.get(name));
    }

    /** The application that has {@code contextRoot} already, if one has. */
    synchronized Optional<NodeApp> at(String contextRoot) {
        return expected.values().stream().filter(a -> a.contextRoot().equals(contextRoot)).findFirst();
    }

    synchronized void add(NodeApp app) {
        expected.put(app.name(), app);
    }

    synchronized void remove(String name) {
        expected.remove(name);
    }

    void drain(boolean on) {
        draining = on;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Why this node must stay out of rotation as far as its applications go, given the names of
     * those Payara has started: drained, or some of its applications not (yet) deployed. Empty
     * when neither.
     */
    Optional<String> problem(Collection<String> started) {
        if (draining) {
            return Optional.of("drained by an operator");
        }
        List<String> missing = new ArrayList<>();
        for (NodeApp a : expected()) {
            if (!started.contains(a.name())) {
                missing.add(a.name());
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("applications not deployed: " + missing);
    }
}
