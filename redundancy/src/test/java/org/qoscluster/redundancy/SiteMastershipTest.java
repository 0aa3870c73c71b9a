package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.GroupState.Copy;
import org.qoscluster.redundancy.SiteMastership.Role;

/** What a site of a group across sites does, beat by beat, on a clock the test moves. */
class SiteMastershipTest {

    private static final List<Copy> COPIES = List.of(new Copy("a-master", "127.0.0.1", 1527, 1),
            new Copy("b-master", "127.0.0.1", 1547, 2), new Copy("c-master", "127.0.0.1", 1567, 3));
    private static final Map<String, String> SITE_OF = Map.of("a-master", "a", "b-master", "b", "c-master", "c");
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final GroupState AT_A = GroupState.initial("a-master", COPIES, 0);

    private final ManualClock clock = new ManualClock(1_000_000);
    private final long[] now = clock.now;

    private SiteMastership site(String name) {
        return new SiteMastership(new SiteGroup(name, List.of("a", "b", "c"), COPIES, SITE_OF, LEASE), clock);
    }

    private static Map<String, CopyHealth> upBut(String... down) {
        return CopyStatuses.upBut(COPIES, down);
    }

    @Test
    void theMastersSiteLeadsWhileItReachesAnotherSite() {
        SiteMastership a = site("a");
        assertEquals(Role.LEAD, a.beat(AT_A, upBut()));
        now[0] += 10_000;
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("c-master")), "b answers");
    }

    @Test
    void theMastersSiteIsFencedOnceItReachedNoOtherSiteForTheLeaseAndLeadsAgainWhenItDoes() {
        SiteMastership a = site("a");
        assertEquals(Role.LEAD, a.beat(AT_A, upBut()));
        now[0] += LEASE.toMillis() - 1;
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("b-master", "c-master")));
        now[0] += 1;
        assertEquals(Role.FENCED, a.beat(AT_A, upBut("b-master", "c-master")));
        now[0] += 60_000;
        assertEquals(Role.FENCED, a.beat(AT_A, upBut("b-master", "c-master")));
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("b-master")), "c answers again");
    }

    private SiteMastership ofTwo(String name) {
        return new SiteMastership(new SiteGroup(name, List.of("a", "b"), COPIES.subList(0, 2), SITE_OF, LEASE), clock);
    }

    @Test
    void theMastersSiteOfTwoThatNeverReachedTheOtherLeadsAlone() {
        SiteMastership a = ofTwo("a");
        now[0] += 60_000;
        GroupState s = GroupState.initial("a-master", COPIES.subList(0, 2), 0);
        assertEquals(Role.LEAD, a.beat(s, CopyStatuses.upBut(COPIES.subList(0, 2), "b-master")), "the first site to start runs alone");
    }

    @Test
    void theMastersSiteOfThreeWritesOnlyOnceItReachesAnotherSite() {
        SiteMastership a = site("a");
        now[0] += 60_000;
        assertEquals(Role.FENCED, a.beat(AT_A, upBut("b-master", "c-master")), "alone: one of three");
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("c-master")), "with b: two of three");
    }

    @Test
    void aFollowerPromotesOnlyAfterTwiceTheLeaseWithoutTheMastersSite() {
        SiteMastership b = site("b");
        assertEquals(Role.FOLLOW, b.beat(AT_A, upBut()));
        now[0] += 2 * LEASE.toMillis() - 1;
        assertEquals(Role.FOLLOW, b.beat(AT_A, upBut("a-master")));
        now[0] += 1;
        assertEquals(Role.PROMOTE, b.beat(AT_A, upBut("a-master")), "b is the first site it reaches");
        assertEquals(Role.FOLLOW, b.beat(AT_A, upBut()), "a answers again");
    }

    @Test
    void aFollowerThatNeverReachedTheMastersSiteNeverPromotes() {
        SiteMastership b = site("b");
        now[0] += 60_000;
        assertEquals(Role.FOLLOW, b.beat(AT_A, upBut("a-master")), "it started while the link was down");
    }

    @Test
    void onlyTheFirstOfTheSitesThatReachEachOtherPromotes() {
        SiteMastership b = site("b");
        SiteMastership c = site("c");
        b.beat(AT_A, upBut());
        c.beat(AT_A, upBut());
        now[0] += 2 * LEASE.toMillis();
        assertEquals(Role.PROMOTE, b.beat(AT_A, upBut("a-master")));
        assertEquals(Role.FOLLOW, c.beat(AT_A, upBut("a-master")), "b is before c and answers");
        now[0] += LEASE.toMillis();
        assertEquals(Role.FOLLOW, c.beat(AT_A, upBut("a-master", "b-master")),
                "b has not answered for the lease: c alone is one of three sites, a may still lead with b");
    }

    @Test
    void aSiteAloneNeverPromotesInAGroupOfThreeSites() {
        SiteMastership b = site("b");
        b.beat(AT_A, upBut());
        now[0] += 60_000;
        assertEquals(Role.FOLLOW, b.beat(AT_A, upBut("a-master", "c-master")));
        assertEquals(Role.PROMOTE, b.beat(AT_A, upBut("a-master")), "with c: two of three");
    }

    @Test
    void theMastersSiteLeadsWithAMajorityAndIsFencedWithout() {
        SiteMastership a = site("a");
        assertEquals(Role.LEAD, a.beat(AT_A, upBut()));
        now[0] += 60_000;
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("b-master")), "a and c: two of three");
        now[0] += LEASE.toMillis();
        assertEquals(Role.FENCED, a.beat(AT_A, upBut("b-master", "c-master")), "a alone: one of three");
    }

    @Test
    void ofTwoHalvesTheOneWithoutTheMasterTakesOver() {
        List<Copy> four = List.of(COPIES.get(0), COPIES.get(1), COPIES.get(2), new Copy("d-master", "127.0.0.1", 1587, 4));
        Map<String, String> siteOf = Map.of("a-master", "a", "b-master", "b", "c-master", "c", "d-master", "d");
        GroupState s = GroupState.initial("a-master", four, 0);
        List<String> order = List.of("a", "b", "c", "d");
        SiteMastership a = new SiteMastership(new SiteGroup("a", order, four, siteOf, LEASE), clock);
        SiteMastership c = new SiteMastership(new SiteGroup("c", order, four, siteOf, LEASE), clock);
        Map<String, CopyHealth> all = CopyStatuses.upBut(four);
        a.beat(s, all);
        c.beat(s, all);
        now[0] += 2 * LEASE.toMillis();
        assertEquals(Role.FENCED, a.beat(s, CopyStatuses.upBut(four, "c-master", "d-master")), "a and b: half of four");
        assertEquals(Role.PROMOTE, c.beat(s, CopyStatuses.upBut(four, "a-master", "b-master")), "c and d: half, without a");
    }

    @Test
    void aSiteWhoseOwnCopyIsMasterAfterAPromotionLeads() {
        GroupState atB = new GroupState(2, "b-master", GroupState.Phase.OPEN, 10, 0, List.of(), COPIES, false);
        assertEquals(Role.LEAD, site("b").beat(atB, upBut("a-master")));
        assertEquals(Role.FOLLOW, site("a").beat(atB, upBut()));
    }

    @Test
    void aSiteOfTwoThatTookTheMasterOverIsNotFencedUntilItReachesTheOtherAgain() {
        List<Copy> two = COPIES.subList(0, 2);
        SiteMastership b = ofTwo("b");
        GroupState atA = GroupState.initial("a-master", two, 0);
        b.beat(atA, CopyStatuses.upBut(two));
        now[0] += 2 * LEASE.toMillis();
        assertEquals(Role.PROMOTE, b.beat(atA, CopyStatuses.upBut(two, "a-master")));
        GroupState atB = new GroupState(2, "b-master", GroupState.Phase.OPEN, 10, 0, List.of(), two, false);
        now[0] += 60_000;
        assertEquals(Role.LEAD, b.beat(atB, CopyStatuses.upBut(two, "a-master")), "the site it took over from is lost: no fence for that");
        assertEquals(Role.LEAD, b.beat(atB, CopyStatuses.upBut(two)), "a is back");
        now[0] += LEASE.toMillis();
        assertEquals(Role.FENCED, b.beat(atB, CopyStatuses.upBut(two, "a-master")), "and lost again for the lease");
    }

    @Test
    void aSiteOfThreeThatTookTheMasterOverLeadsWhileItKeepsAMajority() {
        SiteMastership b = site("b");
        b.beat(AT_A, upBut());
        now[0] += 2 * LEASE.toMillis();
        assertEquals(Role.PROMOTE, b.beat(AT_A, upBut("a-master")), "b and c");
        GroupState atB = new GroupState(2, "b-master", GroupState.Phase.OPEN, 10, 0, List.of(), COPIES, false);
        assertEquals(Role.LEAD, b.beat(atB, upBut("a-master")));
        now[0] += 60_000;
        assertEquals(Role.LEAD, b.beat(atB, upBut("a-master")), "c still answers");
        now[0] += LEASE.toMillis();
        assertEquals(Role.FENCED, b.beat(atB, upBut("a-master", "c-master")), "c lost for the lease: one of three");
    }

    /**
     * The majority's property: three to five sites, the master at the first, cut at a random
     * moment into random islands (each side reaching exactly its own island, each probe up to a
     * period old, beats at random times at most a period apart); at no moment does a site of
     * another island promote while the master's site leads, and no two islands both promote.
     */
    @Test
    void islandsNeverWriteTwice() {
        Random random = new Random(20_261_205_3L);
        long period = 300;
        for (int trial = 0; trial < 500; trial++) {
            int n = 3 + random.nextInt(3);
            List<Copy> copies = new java.util.ArrayList<>();
            Map<String, String> siteOf = new java.util.HashMap<>();
            List<String> names = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String site = String.valueOf((char) ('a' + i));
                names.add(site);
                copies.add(new Copy(site + "-master", "127.0.0.1", 1527 + 20 * i, i + 1));
                siteOf.put(site + "-master", site);
            }
            GroupState s = GroupState.initial("a-master", copies, 0);
            now[0] = 1_000_000;
            long cut = now[0] + 1000 + random.nextInt(10_000);
            int[] island = new int[n];
            for (int i = 0; i < n; i++) {
                island[i] = random.nextInt(n);
            }
            SiteMastership[] sites = new SiteMastership[n];
            long[] next = new long[n];
            Role[] role = new Role[n];
            for (int i = 0; i < n; i++) {
                sites[i] = new SiteMastership(new SiteGroup(names.get(i), names, copies, siteOf, LEASE), clock);
                next[i] = now[0] + random.nextInt((int) period);
                role[i] = i == 0 ? Role.LEAD : Role.FOLLOW;
            }
            while (now[0] < cut + 4 * LEASE.toMillis()) {
                int who = 0;
                for (int i = 1; i < n; i++) {
                    who = next[i] < next[who] ? i : who;
                }
                now[0] = next[who];
                Map<String, CopyHealth> view = new java.util.HashMap<>();
                for (int j = 0; j < n; j++) {
                    boolean linked = island[j] == island[who] || now[0] - random.nextInt((int) period) < cut;
                    view.put(copies.get(j).name(), linked ? CopyHealth.AVAILABLE : CopyHealth.UNAVAILABLE);
                }
                role[who] = sites[who].beat(s, view);
                next[who] += 1 + random.nextInt((int) period);
                java.util.Set<Integer> writing = new java.util.HashSet<>();
                for (int i = 0; i < n; i++) {
                    if (role[i] == Role.LEAD || role[i] == Role.PROMOTE) {
                        writing.add(island[i]);
                    }
                }
                assertTrue(writing.size() <= 1, "trial " + trial + " (" + n + " sites, islands " + java.util.Arrays.toString(island)
                        + "): islands " + writing + " both write " + (now[0] - cut) + " ms after the cut");
            }
        }
    }

    /**
     * The property the lease is for: whenever the link between the master's site a and site b is
     * cut (at a random moment, with beats at random times at most a period apart on each side,
     * each side's view of the other one probe old), a follower never promotes while the master's
     * site still leads.
     */
    @Test
    void aFollowerNeverPromotesWhileTheMastersSiteStillLeads() {
        Random random = new Random(20_261_205L);
        List<Copy> two = COPIES.subList(0, 2);
        GroupState s = GroupState.initial("a-master", two, 0);
        SiteGroup ga = new SiteGroup("a", List.of("a", "b"), two, SITE_OF, LEASE);
        SiteGroup gb = new SiteGroup("b", List.of("a", "b"), two, SITE_OF, LEASE);
        long period = 300;
        for (int trial = 0; trial < 500; trial++) {
            now[0] = 1_000_000;
            SiteMastership a = new SiteMastership(ga, clock);
            SiteMastership b = new SiteMastership(gb, clock);
            // Cut once each side has reached the other (before, neither fences nor promotes).
            long cut = now[0] + 1000 + random.nextInt(10_000);
            long nextA = now[0] + random.nextInt((int) period);
            long nextB = now[0] + random.nextInt((int) period);
            Role roleA = Role.LEAD;
            while (now[0] < cut + 4 * LEASE.toMillis()) {
                boolean aBeats = nextA <= nextB;
                now[0] = aBeats ? nextA : nextB;
                // A probe reports what the link was like up to a period ago.
                boolean linked = now[0] - random.nextInt((int) period) < cut;
                Map<String, CopyHealth> view = Map.of("a-master", linked ? CopyHealth.AVAILABLE : CopyHealth.UNAVAILABLE,
                        "b-master", linked ? CopyHealth.AVAILABLE : CopyHealth.UNAVAILABLE);
                if (aBeats) {
                    roleA = a.beat(s, view);
                    nextA += 1 + random.nextInt((int) period);
                } else {
                    Role roleB = b.beat(s, view);
                    assertFalse(roleB == Role.PROMOTE && roleA == Role.LEAD,
                            "trial " + trial + ": b promotes at " + (now[0] - cut) + " ms after the cut while a still leads");
                    nextB += 1 + random.nextInt((int) period);
                }
            }
            assertEquals(Role.FENCED, roleA, "trial " + trial);
        }
    }
}
