package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.qrs.NodeRecord;

/**
 * The site's verdict: a table of each way a site becomes unavailable (and of the changes it
 * rides out), then every combination of router, nodes and two groups' situations, checked
 * against the rule and against the properties every verdict has.
 */
class SiteAvailabilityTest {

    private static final String STORE = GroupState.DEFAULT_GROUP;
    private static final String ARCHIVE = "archive";
    private static final List<SiteAvailability.Group> GROUPS = List.of(new SiteAvailability.Group(STORE, "master"),
            new SiteAvailability.Group(ARCHIVE, "archive-1"));

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    // ---- building blocks -------------------------------------------------------------------

    private static List<GroupState.Copy> copies(String... names) {
        List<GroupState.Copy> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(new GroupState.Copy(names[i], "127.0.0.1", 1527 + i, i + 1));
        }
        return out;
    }

    private static NodeRecord node(String name, boolean healthy, String problem) {
        NodeRecord n = new NodeRecord(name, URI.create("http://127.0.0.1:1/"));
        if (healthy) {
            n.markUp(1);
        } else {
            n.markDown(problem);
        }
        return n;
    }

    private static List<NodeRecord> nodes(boolean... healthy) {
        List<NodeRecord> out = new ArrayList<>();
        for (int i = 0; i < healthy.length; i++) {
            out.add(node("node-" + (i + 1), healthy[i], "health check failed: java.net.ConnectException: Connection refused"));
        }
        return out;
    }

    /**
     * One group's situation as the router's mirror holds it: its state (or none) and its copies'
     * statuses, with whether the group has a master to write to then (within the grace).
     */
    record Situation(String label, GroupState state, Map<String, CopyStatus> statuses, boolean writable, String reasonPart) {

        @Override
        public String toString() {
            return label;
        }
    }

    private static CopyStatus status(String status, boolean master, long epoch, String group) {
        return new CopyStatus(status, master ? CopyStatus.Role.MASTER : CopyStatus.Role.REPLICA, epoch, group);
    }

    /** The situations of a group of two copies {@code a} (the configured master) and {@code b}. */
    static List<Situation> situations(String group, String a, String b) {
        GroupState one = GroupState.initial(a, copies(a, b), 0);
        GroupState promoting = one.promoting(b, 10, 5);
        GroupState two = promoting.opened(6);
        List<Situation> out = new ArrayList<>();
        out.add(new Situation(group + ": steady", one, Map.of(a, status("AVAILABLE", true, 1, group),
                b, status("AVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": replica down", one, Map.of(a, status("AVAILABLE", true, 1, group),
                b, status("UNAVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": master suspect", one, Map.of(a, status("SUSPECT", true, 1, group),
                b, status("AVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": master down, replica can take over", one, Map.of(a, status("UNAVAILABLE", true, 1, group),
                b, status("AVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": promoting", promoting, Map.of(a, status("UNAVAILABLE", true, 1, group),
                b, status("AVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": opened, statuses of the old epoch", two, Map.of(a, status("UNAVAILABLE", true, 1, group),
                b, status("AVAILABLE", false, 1, group)), true, null));
        out.add(new Situation(group + ": new master writable", two, Map.of(a, status("UNAVAILABLE", false, 2, group),
                b, status("AVAILABLE", true, 2, group)), true, null));
        out.add(new Situation(group + ": every copy down", one, Map.of(a, status("UNAVAILABLE", true, 1, group),
                b, status("UNAVAILABLE", false, 1, group)), false, "master " + a + " is UNAVAILABLE"));
        out.add(new Situation(group + ": master down, replica catching up", one, Map.of(a, status("UNAVAILABLE", true, 1, group),
                b, status("CATCHING_UP", false, 1, group)), false, "no other copy is available"));
        out.add(new Situation(group + ": the new master down too", two, Map.of(a, status("UNAVAILABLE", false, 2, group),
                b, status("UNAVAILABLE", true, 2, group)), false, "master " + b + " is UNAVAILABLE"));
        out.add(new Situation(group + ": no state", null, Map.of(), false, "published no state"));
        return out;
    }

    /** A group of one copy whose master is down: nothing to take over. */
    static Situation oneCopyDown(String group, String a) {
        return new Situation(group + ": its one copy down", GroupState.initial(a, copies(a), 0),
                Map.of(a, status("UNAVAILABLE", true, 1, group)), false, "no other copy is available");
    }

    private SiteAvailability site() {
        return new SiteAvailability(GROUPS, true, nanos::get);
    }

    private static SiteAvailability.Verdict assess(SiteAvailability site, List<NodeRecord> nodes, boolean connected,
                                                   Situation store, Situation archive) {
        Map<String, GroupState> states = new HashMap<>();
        Map<String, CopyStatus> statuses = new HashMap<>();
        for (Map.Entry<String, Situation> e : Map.of(STORE, store, ARCHIVE, archive).entrySet()) {
            if (e.getValue().state() != null) {
                states.put(e.getKey(), e.getValue().state());
            }
            statuses.putAll(e.getValue().statuses());
        }
        return site.assess(nodes, connected, states, statuses);
    }

    private static Situation steady(String group) {
        return group.equals(STORE) ? situations(STORE, "master", "replica-1").get(0) : situations(ARCHIVE, "archive-1", "archive-2").get(0);
    }

    // ---- each way, one at a time ---------------------------------------------------------

    @Test
    void shouldBeAvailableWhenTheRouterIsConnectedANodePassesAndEveryGroupHasAWritableMaster() {
        SiteAvailability.Verdict v = assess(site(), nodes(true, false), true, steady(STORE), steady(ARCHIVE));
        assertTrue(v.available(), v.toString());
        assertTrue(v.router());
        assertTrue(v.database());
        assertEquals(1, v.healthyNodes());
        assertEquals(List.of(), v.reasons());
        assertEquals(List.of(SiteAvailability.Database.WRITABLE, SiteAvailability.Database.WRITABLE),
                v.groups().stream().map(SiteAvailability.GroupVerdict::state).toList());
        assertEquals("master", v.groups().get(0).master());
        assertEquals(SiteAvailability.JudgedBy.COORDINATOR, v.groups().get(0).judgedBy());
    }

    static Stream<Arguments> unavailable() {
        List<Situation> store = situations(STORE, "master", "replica-1");
        List<Situation> archive = situations(ARCHIVE, "archive-1", "archive-2");
        return Stream.of(
                Arguments.of("router not connected", false, new boolean[] {true, true}, store.get(0), archive.get(0),
                        List.of("router is not connected to the cluster's data grid")),
                Arguments.of("every node down", true, new boolean[] {false, false}, store.get(0), archive.get(0),
                        List.of("node node-1 is out of rotation (health check failed)", "node node-2 is out of rotation (health check failed)")),
                Arguments.of("the store's one copy down", true, new boolean[] {true, true}, oneCopyDown(STORE, "master"), archive.get(0),
                        List.of("group store has no master to write to: its master master is UNAVAILABLE and no other copy is available")),
                Arguments.of("every archive copy down", true, new boolean[] {true, true}, store.get(0), archive.get(7),
                        List.of("group archive has no master to write to: its master archive-1 is UNAVAILABLE")),
                Arguments.of("no archive state", true, new boolean[] {true, true}, store.get(0), archive.get(10),
                        List.of("group archive has no master to write to: its coordinator has published no state")),
                Arguments.of("all at once", false, new boolean[] {false}, oneCopyDown(STORE, "master"), archive.get(10),
                        List.of("router is not connected", "node node-1 is out of rotation", "group store has no master",
                                "group archive has no master")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unavailable")
    void shouldBeUnavailableNamingEachReasonInOrder(String label, boolean connected, boolean[] healthy, Situation store,
                                                    Situation archive, List<String> expected) {
        SiteAvailability.Verdict v = assess(site(), nodes(healthy), connected, store, archive);
        assertFalse(v.available(), label + ": " + v);
        assertEquals(expected.size(), v.reasons().size(), v.reasons().toString());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(v.reasons().get(i).startsWith(expected.get(i)), "reason " + i + ": " + v.reasons());
        }
        assertTrue(v.reasons().stream().noneMatch(r -> r.contains("Exception")), "no exception text on a public page: " + v.reasons());
    }

    @Test
    void shouldRideOutAChangeOfMastersForTheGraceThenNameTheGroup() {
        SiteAvailability site = site();
        Situation takingOver = situations(STORE, "master", "replica-1").get(3);
        SiteAvailability.Verdict v = assess(site, nodes(true), true, takingOver, steady(ARCHIVE));
        assertTrue(v.available(), v.toString());
        assertEquals(SiteAvailability.Database.CHANGING, v.groups().get(0).state());
        assertTrue(v.groups().get(0).reason().orElseThrow().contains("replica-1 can take over"), v.toString());

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(SiteAvailability.CHANGE_GRACE_MS - 1));
        assertTrue(assess(site, nodes(true), true, takingOver, steady(ARCHIVE)).available(), "still within the grace");
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        v = assess(site, nodes(true), true, takingOver, steady(ARCHIVE));
        assertFalse(v.available(), v.toString());
        assertEquals(List.of("group store has had no master to write to for more than 10 s: its master master is UNAVAILABLE"
                + " and replica-1 can take over"), v.reasons());

        // Writable again: the grace starts afresh at the next change.
        assertTrue(assess(site, nodes(true), true, steady(STORE), steady(ARCHIVE)).available());
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(60));
        assertTrue(assess(site, nodes(true), true, takingOver, steady(ARCHIVE)).available(), "a new change has its own grace");
    }

    @Test
    void shouldCountEachGroupsChangeOnItsOwnClock() {
        SiteAvailability site = site();
        Situation storeChanging = situations(STORE, "master", "replica-1").get(4);
        Situation archiveChanging = situations(ARCHIVE, "archive-1", "archive-2").get(2);
        assertTrue(assess(site, nodes(true), true, storeChanging, steady(ARCHIVE)).available());
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(6));
        assertTrue(assess(site, nodes(true), true, storeChanging, archiveChanging).available());
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(6));
        SiteAvailability.Verdict v = assess(site, nodes(true), true, storeChanging, archiveChanging);
        assertEquals(1, v.reasons().size(), v.toString());
        assertTrue(v.reasons().get(0).startsWith("group store has had no master to write to for more than 10 s: it is changing"
                + " masters (PROMOTING replica-1, epoch 2)"), v.reasons().toString());
        assertEquals(SiteAvailability.Database.CHANGING, v.groups().get(1).state(), "the archive's change began 6 s ago");
    }

    @Test
    void shouldJudgeTheOneCopyOfAClusterWithoutReplicasByTheNodesChecks() {
        SiteAvailability site = new SiteAvailability(GROUPS, false, nanos::get);
        SiteAvailability.Verdict up = site.assess(nodes(false, true), true, Map.of(), Map.of());
        assertTrue(up.available(), up.toString());
        assertEquals(SiteAvailability.JudgedBy.NODE_CHECKS, up.groups().get(0).judgedBy());
        assertEquals(SiteAvailability.Database.UNMONITORED, up.groups().get(1).state(), "no coordinator watches a further group");

        SiteAvailability.Verdict down = site.assess(List.of(node("node-1", false, "health page answered 503"),
                node("node-2", false, "health page answered 503")), true, Map.of(), Map.of());
        assertFalse(down.available());
        assertEquals(List.of("node node-1 is out of rotation (health page answered 503)",
                "node node-2 is out of rotation (health page answered 503)",
                "group store has no master to write to: its only copy, master, answers no node's database check"), down.reasons());
        assertFalse(down.database());
    }

    @Test
    void shouldKeepExceptionTextOutOfTheReasons() {
        assertEquals("health check failed", SiteAvailability.shortProblem("health check failed: java.io.IOException: x: y"));
        assertEquals("health page names database 'replica-1', expected 'master'",
                SiteAvailability.shortProblem("health page names database 'replica-1', expected 'master'"));
        assertEquals("its health check fails", SiteAvailability.shortProblem(null));
    }

    // ---- every combination -----------------------------------------------------------------

    @Test
    void shouldFollowTheRuleInEveryCombinationOfRouterNodesAndGroups() {
        List<Situation> stores = new ArrayList<>(situations(STORE, "master", "replica-1"));
        stores.add(oneCopyDown(STORE, "master"));
        List<Situation> archives = new ArrayList<>(situations(ARCHIVE, "archive-1", "archive-2"));
        archives.add(oneCopyDown(ARCHIVE, "archive-1"));
        int checked = 0;
        for (boolean connected : new boolean[] {true, false}) {
            for (int mask = 0; mask < 8; mask++) {
                boolean[] healthy = {(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
                for (Situation store : stores) {
                    for (Situation archive : archives) {
                        String what = connected + " " + mask + " " + store + " / " + archive;
                        SiteAvailability.Verdict v = assess(site(), nodes(healthy), connected, store, archive);
                        int up = Integer.bitCount(mask);
                        boolean expected = connected && up > 0 && store.writable() && archive.writable();
                        assertEquals(expected, v.available(), what + ": " + v);
                        assertEquals(v.available(), v.reasons().isEmpty(), what);
                        assertEquals(connected, v.router(), what);
                        assertEquals(up, v.healthyNodes(), what);
                        assertEquals(store.writable() && archive.writable(), v.database(), what);
                        // Each reason names exactly what it is about, and each failing part has its reason.
                        assertEquals(!connected, v.reasons().stream().anyMatch(r -> r.startsWith("router ")), what);
                        for (int i = 0; i < 3; i++) {
                            String node = "node node-" + (i + 1) + " ";
                            assertEquals(up == 0, v.reasons().stream().anyMatch(r -> r.startsWith(node)), what + " " + node);
                        }
                        for (Map.Entry<String, Situation> e : Map.of(STORE, store, ARCHIVE, archive).entrySet()) {
                            String group = e.getKey();
                            Situation s = e.getValue();
                            List<String> named = v.reasons().stream().filter(r -> r.startsWith("group " + group + " ")).toList();
                            assertEquals(s.writable() ? 0 : 1, named.size(), what + " " + named);
                            named.forEach(r -> assertTrue(r.contains(s.reasonPart()), what + ": " + r));
                        }
                        assertTrue(v.reasons().stream().allMatch(r -> r.startsWith("router ") || r.startsWith("node ")
                                || r.startsWith("group ")), what + " " + v.reasons());
                        assertEquals(v.reasons().size(), v.failing().size(), what);
                        for (int i = 0; i < v.reasons().size(); i++) {
                            assertTrue(v.reasons().get(i).startsWith(v.failing().get(i) + " "), what + " " + v.failing());
                        }
                        // One more healthy node never makes a site less available.
                        if (mask != 7) {
                            boolean[] more = healthy.clone();
                            for (int i = 0; i < 3; i++) {
                                if (!more[i]) {
                                    more[i] = true;
                                    break;
                                }
                            }
                            assertTrue(!v.available() || assess(site(), nodes(more), connected, store, archive).available(), what);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(2 * 8 * 12 * 12, checked);
    }
}
