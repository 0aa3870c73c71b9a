package org.qoscluster.redundancy;

import java.util.Map;
import java.util.Optional;

import org.qoscluster.contract.GroupState;

/**
 * The rules an operator's request to a redundancy group (R9) must pass, as pure checks on the
 * group's state: the node that takes the request refuses it at once with the reason, and the
 * {@link Coordinator} checks again against the state it acts on.
 */
public final class OperatorRequests {

    private OperatorRequests() {
    }

    /**
     * Why adding a copy called {@code name} at {@code host:port} to {@code s} is refused, if it
     * is: the name or the address is a copy's already.
     */
    public static Optional<String> refuseAdd(GroupState s, String name, String host, int port) {
        if (s.copy(name).isPresent()) {
            return Optional.of("'" + name + "' is a copy already (copies: " + s.copyNames() + ")");
        }
        return s.copies().stream().filter(m -> m.host().equals(host) && m.port() == port).findFirst()
                .map(m -> host + ":" + port + " is copy " + m.name() + " already");
    }

    /**
     * Why removing {@code name} from {@code s} is refused, if it is: not a copy, the last one,
     * or the master (switch over first).
     */
    public static Optional<String> refuseRemove(GroupState s, String name) {
        if (s.copy(name).isEmpty()) {
            return Optional.of("no copy '" + name + "' in the group (copies: " + s.copyNames() + ")");
        }
        if (s.copies().size() == 1) {
            return Optional.of(name + " is the group's last copy: a group keeps at least one");
        }
        if (name.equals(s.master())) {
            return Optional.of(name + " is the master: switch over to another copy first");
        }
        return Optional.empty();
    }

    /** The argument of an {@link Coordinator.Kind#ADD} request: {@code NAME/HOST/PORT}, read back by the coordinator only. */
    public static String addArgument(String name, String host, int port) {
        return name + "/" + host + "/" + port;
    }

    /**
     * Why a planned switchover of {@code s} to {@code target} is refused, if it is: the target is
     * not a copy, is the master already, does not answer, or is behind (not a caught-up replica
     * of this epoch); or the group is in the middle of a change.
     */
    public static Optional<String> refuseSwitchover(GroupState s, String target, Map<String, CopyHealth> statuses) {
        if (s.copy(target).isEmpty()) {
            return Optional.of("no copy '" + target + "' in the group (copies: " + s.copyNames() + ")");
        }
        if (s.stopped()) {
            return Optional.of("the group is stopped: start it first");
        }
        if (!s.open()) {
            return Optional.of("epoch " + s.epoch() + " is " + s.phase() + ": a failover or switchover is under way");
        }
        if (target.equals(s.master())) {
            return Optional.of(target + " is the master already");
        }
        CopyHealth st = statuses.get(target);
        if (st != CopyHealth.AVAILABLE) {
            return Optional.of(target + " is " + (st == null ? "not monitored" : st)
                    + (st == CopyHealth.CATCHING_UP ? " (behind the master)" : "") + ": only an available, caught-up replica can take over");
        }
        return Optional.empty();
    }
}
