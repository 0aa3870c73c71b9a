package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

    @Test
    void aMastersSiteThatNeverReachedAnotherSiteLeadsAlone() {
        SiteMastership a = site("a");
        now[0] += 60_000;
        assertEquals(Role.LEAD, a.beat(AT_A, upBut("b-master", "c-master")), "the first site to start runs alone");
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
        assertEquals(Role.PROMOTE, c.beat(AT_A, upBut("a-master", "b-master")), "b has not answered for the lease");
    }

    @Test
    void aSiteWhoseOwnCopyIsMasterAfterAPromotionLeads() {
        GroupState atB = new GroupState(2, "b-master", GroupState.Phase.OPEN, 10, 0, List.of(), COPIES, false);
        assertEquals(Role.LEAD, site("b").beat(atB, upBut("a-master")));
        assertEquals(Role.FOLLOW, site("a").beat(atB, upBut()));
    }

    @Test
    void aSiteThatTookTheMasterOverIsNotFencedUntilItReachesAnotherSiteAgain() {
        SiteMastership b = site("b");
        b.beat(AT_A, upBut());
        now[0] += 2 * LEASE.toMillis();
        assertEquals(Role.PROMOTE, b.beat(AT_A, upBut("a-master", "c-master")));
        GroupState atB = new GroupState(2, "b-master", GroupState.Phase.OPEN, 10, 0, List.of(), COPIES, false);
        now[0] += 60_000;
        assertEquals(Role.LEAD, b.beat(atB, upBut("a-master", "c-master")), "the site it took over from is lost: no fence for that");
        assertEquals(Role.LEAD, b.beat(atB, upBut("c-master")), "a is back");
        now[0] += LEASE.toMillis();
        assertEquals(Role.FENCED, b.beat(atB, upBut("a-master", "c-master")), "and lost again for the lease");
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
