package org.qoscluster.group.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.hazelcast.map.IMap;

import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.RequestAnswer;
import org.qoscluster.contract.Shipping;
import org.qoscluster.redundancy.Coordinator;
import org.qoscluster.redundancy.OperatorRequests;
import org.qoscluster.redundancy.CopyHealth;
import org.qoscluster.redundancy.SignedRequest;

/**
 * The operators' requests on a node (R9): switchover, add, remove, move, stop and start. Each is
 * checked here first against the shared state (refused at once when it cannot be carried out),
 * then handed to the coordinator through the requests' map, signed with the admin token, one
 * pending per group, and waited for; a stop also waits for the replication agent to confirm in
 * the agents' map that it has stopped shipping.
 */
final class GroupAdmin {

    private final GroupMaps maps;
    /** The groups' names, the application's first. */
    private final List<String> groups;
    private final String adminToken;
    private final Clock clock;

    GroupAdmin(GroupMaps maps, List<String> groups, String adminToken, Clock clock) {
        this.maps = maps;
        this.groups = List.copyOf(groups);
        this.adminToken = adminToken;
        this.clock = clock;
    }

    /** An answer for a group that does not exist. */
    private Outcome noGroup(String group) {
        return new Outcome(404, "no group '" + group + "' (groups: " + groups + ")", Optional.empty());
    }

    /**
     * Asks the coordinator for a planned switchover of {@code group} to {@code target} and waits up
     * to {@code within} for the new epoch to open. Refused at once when the target is unknown, the
     * master already, not available and caught up as the coordinator last published, or the
     * group is stopped or in the middle of a change.
     */
    public Outcome switchover(String group, String target, Duration within) throws InterruptedException {
        if (!groups.contains(group)) {
            return noGroup(group);
        }
        Optional<GroupState> s = maps.read(group);
        if (s.isEmpty()) {
            return new Outcome(409, "the group has no state yet", Optional.empty());
        }
        Map<String, CopyHealth> seen = new HashMap<>();
        maps.statuses.getAll(Set.copyOf(s.get().copyNames())).forEach((copy, value) -> {
            try {
                seen.put(copy, CopyHealth.valueOf(CopyStatus.parse(value).status()));
            } catch (IllegalArgumentException e) {
                // not a status: not available
            }
        });
        Optional<String> refused = OperatorRequests.refuseSwitchover(s.get(), target, seen);
        if (refused.isPresent()) {
            return new Outcome(s.get().copy(target).isPresent() ? 409 : 400, refused.get(), s);
        }
        long deadline = System.nanoTime() + within.toNanos();
        Outcome asked = ask(group, Coordinator.Kind.SWITCHOVER, target, within);
        if (asked.status() != 202) {
            return asked;
        }
        long epoch = s.get().epoch();
        while (System.nanoTime() < deadline) {
            Optional<GroupState> now = maps.read(group);
            if (now.isPresent() && now.get().epoch() > epoch && now.get().open()) {
                return new Outcome(now.get().master().equals(target) ? 200 : 409,
                        now.get().master().equals(target) ? "switched over to " + target
                                : "the group moved to " + now.get().master() + " meanwhile", now);
            }
            Thread.sleep(50);
        }
        return new Outcome(202, asked.message(), maps.read(group));
    }

    /**
     * Adds the copy at {@code host:port} to {@code group} as {@code name} (R9): refused at once for
     * a name of a copy of any group or an address of a copy of this one, by the
     * coordinator when no database answers there. Once added, the replication agent gives it a
     * copy of the master, then the changes.
     */
    public Outcome add(String group, String name, String host, int port, Duration within) throws InterruptedException {
        if (!groups.contains(group)) {
            return noGroup(group);
        }
        Optional<String> elsewhere = groupOf(name).filter(g -> !g.equals(group));
        if (elsewhere.isPresent()) {
            return new Outcome(409, "'" + name + "' is a copy of group " + elsewhere.get() + "; move it, or choose another name",
                    maps.read(group));
        }
        Optional<GroupState> s = maps.read(group);
        Optional<String> refused = s.flatMap(g -> OperatorRequests.refuseAdd(g, name, host, port));
        if (refused.isPresent()) {
            return new Outcome(409, refused.get(), s);
        }
        return ask(group, Coordinator.Kind.ADD, OperatorRequests.addArgument(name, host, port), within);
    }

    /** Removes {@code name} from {@code group} (R9): refused for an unknown copy, the master or the last one. */
    public Outcome remove(String group, String name, Duration within) throws InterruptedException {
        if (!groups.contains(group)) {
            return noGroup(group);
        }
        Optional<GroupState> s = maps.read(group);
        Optional<String> refused = s.flatMap(g -> OperatorRequests.refuseRemove(g, name));
        if (refused.isPresent()) {
            return new Outcome(s.get().copy(name).isEmpty() ? 400 : 409, refused.get(), s);
        }
        return ask(group, Coordinator.Kind.REMOVE, name, within);
    }

    /**
     * Moves copy {@code name} from the group that has it to {@code target} (R9): removed from the
     * first (refused for its master or last copy), then added to the second at the same address,
     * where it gets a copy of that group's database (kept beside the first one's on its server) and
     * then its changes. Both steps are checked before the first is taken; should the second be
     * refused all the same (the target changed meanwhile), the answer says so and the copy is in
     * no group until it is added again.
     */
    public Outcome move(String name, String target, Duration within) throws InterruptedException {
        if (!groups.contains(target)) {
            return noGroup(target);
        }
        Optional<String> from = groupOf(name);
        if (from.isEmpty()) {
            return new Outcome(400, "no copy '" + name + "' in any group (groups: " + groups + ")", maps.read(target));
        }
        if (from.get().equals(target)) {
            return new Outcome(409, name + " is a copy of " + target + " already", maps.read(target));
        }
        GroupState source = maps.read(from.get()).orElseThrow();
        GroupState.Copy m = source.copy(name).orElseThrow();
        Optional<String> refused = OperatorRequests.refuseRemove(source, name)
                .or(() -> maps.read(target).flatMap(t -> OperatorRequests.refuseAdd(t, name, m.host(), m.port())))
                .or(() -> maps.read(target).filter(t -> t.open()).isEmpty() ? Optional.of("group " + target + " has no open state yet")
                        : Optional.empty());
        if (refused.isPresent()) {
            return new Outcome(409, refused.get(), maps.read(target));
        }
        Outcome removed = ask(from.get(), Coordinator.Kind.REMOVE, name, within);
        if (removed.status() != 200) {
            return removed;
        }
        Outcome added = ask(target, Coordinator.Kind.ADD, OperatorRequests.addArgument(name, m.host(), m.port()), within);
        if (added.status() != 200) {
            return new Outcome(added.status(), "removed from " + from.get() + ", but " + target + " refused it: " + added.message()
                    + "; it is in no group now", added.state());
        }
        return new Outcome(200, "moved " + name + " from " + from.get() + " to " + target + ": " + added.message(), added.state());
    }

    /** The group that has copy {@code name}, if any. */
    private Optional<String> groupOf(String name) {
        return groups.stream().filter(g -> maps.read(g).flatMap(s -> s.copy(name)).isPresent()).findFirst();
    }

    /**
     * Stops {@code group} ({@code stop} true: no failover, switchover or shipping; the master keeps
     * the writes and their changes queue on it) or starts it again.
     */
    public Outcome stopOrStart(String group, boolean stop, Duration within) throws InterruptedException {
        if (!groups.contains(group)) {
            return noGroup(group);
        }
        Outcome o = ask(group, stop ? Coordinator.Kind.STOP : Coordinator.Kind.START, "", within);
        if (!stop || o.status() != 200) {
            return o;
        }
        // Done once the replication agent has closed this group's shipping: nothing ships after the answer.
        IMap<String, String> agents = maps.agents();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            String said = agents.get(group);
            if (said != null && Shipping.decode(said).filter(a -> !a.running()).isPresent()) {
                return new Outcome(200, o.message() + "; the replication agent has stopped shipping", o.state());
            }
            Thread.sleep(20);
        }
        return new Outcome(202, o.message() + "; the replication agent has not confirmed within 10 s (not running?):"
                + " changes may still ship until it follows", o.state());
    }

    /** Hands a request to the coordinator (one pending per group) and waits for its answer. */
    private Outcome ask(String group, Coordinator.Kind kind, String argument, Duration within) throws InterruptedException {
        if (maps.read(group).isEmpty()) {
            return new Outcome(409, "the group has no state yet", Optional.empty());
        }
        Coordinator.Request r = new Coordinator.Request(java.util.UUID.randomUUID().toString(), kind, argument);
        // Signed with the admin token the caller proved: the coordinator refuses what is not.
        String signed = SignedRequest.sign(group, r, clock.millis(), adminToken).encode();
        String key = ClusterMaps.requestKey(group);
        String pending = maps.requests.putIfAbsent(key, signed, within.toMillis(), TimeUnit.MILLISECONDS);
        if (pending != null) {
            return new Outcome(409, "another request is pending (" + SignedRequest.decode(group, pending)
                    .map(p -> p.request().kind() + " " + p.request().argument()).orElse("unreadable")
                    + "); try again when it is answered", maps.read(group));
        }
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            String answer = maps.requests.remove(r.id());
            if (answer != null) {
                RequestAnswer a = RequestAnswer.parse(answer);
                return new Outcome(a.status(), a.message(), maps.read(group));
            }
            Thread.sleep(50);
        }
        // Not taken in time (the group is between masters, or has no coordinator): withdrawn if still there.
        maps.requests.remove(key, signed);
        return new Outcome(503, "the coordinator did not answer within " + within.toSeconds() + " s (the group is "
                + maps.read(group).map(g -> g.phase().name()).orElse("without state")
                + "); nothing was changed unless the status says so", maps.read(group));
    }

    /** What an operator's request came to: an HTTP status, a message, the group's state then. */
    public record Outcome(int status, String message, Optional<GroupState> state) {
    }
}
