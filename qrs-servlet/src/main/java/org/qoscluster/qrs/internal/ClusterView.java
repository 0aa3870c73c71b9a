package org.qoscluster.qrs.internal;

import java.util.Map;

import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;

/** What the router sees of its cluster's shared maps, for the site's verdict ({@link SiteAvailability}). */
interface ClusterView {

    /** No cluster: never connected, nothing known. */
    ClusterView DETACHED = new ClusterView() {
        @Override
        public boolean connected() {
            return false;
        }

        @Override
        public Map<String, GroupState> groups() {
            return Map.of();
        }

        @Override
        public Map<String, CopyStatus> statuses() {
            return Map.of();
        }
    };

    /** Whether the router has the cluster's maps now: attached to them, and its connection to the cluster up. */
    boolean connected();

    /** The redundancy groups' states as last mirrored, by group name (malformed values left out). */
    Map<String, GroupState> groups();

    /** The copies' statuses as their coordinator last published them, by copy name (malformed values left out). */
    Map<String, CopyStatus> statuses();
}
