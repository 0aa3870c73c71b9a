package org.qoscluster.qrs.internal;

import java.util.Optional;

import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;

/**
 * Whether the application's redundancy group is changing masters, as the router's health checks
 * must know it: then every node's health page fails alike (it reads through the node's write path
 * to the master), so a failing check says nothing about the node, and a node that is out comes
 * back on its first passing check. That is the case while the group is between masters (draining
 * or promoting), for {@value #SETTLE_MS} ms after it opened a new master (a check sent before
 * may still fail), and while its coordinator finds the master not answering (suspect or
 * unavailable: the failover's detection, before the decision) when the group has another copy
 * to take over; a group of one copy never changes masters, and its nodes go out of rotation.
 */
final class GroupChange {

    /** How long after a new master opens a failing check is still taken for the change's. */
    static final long SETTLE_MS = 3_000;

    private GroupChange() {
    }

    /**
     * @param state  the group's state, empty without one (never changing then)
     * @param master the master's status as the coordinator last published it, empty without one
     * @param nowMillis the router's clock (one site: the coordinator's too)
     */
    static boolean changing(Optional<GroupState> state, Optional<CopyStatus> master, long nowMillis) {
        if (state.isEmpty()) {
            return false;
        }
        GroupState s = state.get();
        if (!s.open() || (s.epoch() > 1 && nowMillis - s.sinceMillis() < SETTLE_MS)) {
            return true;
        }
        // A master that stops answering starts a change only when another copy can take over: a
        // group of one copy has no failover, and its nodes' failing checks are theirs to report.
        boolean successor = s.copies().stream().anyMatch(c -> !c.name().equals(s.master()));
        return successor && master.filter(m -> m.group().equals(GroupState.DEFAULT_GROUP) && m.epoch() == s.epoch()
                && m.role() == CopyStatus.Role.MASTER && !"AVAILABLE".equals(m.status())).isPresent();
    }
}
