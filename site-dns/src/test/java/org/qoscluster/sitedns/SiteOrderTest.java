package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SiteOrderTest {

    private static final Site A = site("a", "127.0.1.1", "10.1.0.0/16");
    private static final Site B = site("b", "127.0.2.1", "10.2.0.0/16");
    private static final Site C = site("c", "127.0.3.1", "10.2.3.0/24");
    private static final List<Site> SITES = List.of(A, B, C);
    private static final Subnet ANYWHERE = Subnet.parse("192.0.2.7/32");

    @Test
    void shouldAnswerTheActiveSiteAloneAndThePassiveOnlyWhenTheActiveIsDown() {
        assertEquals(List.of(A), order(SitePolicy.ACTIVE_PASSIVE, up(A, B, C), ANYWHERE, 0));
        assertEquals(List.of(B), order(SitePolicy.ACTIVE_PASSIVE, up(B, C), ANYWHERE, 0));
        assertEquals(List.of(), order(SitePolicy.ACTIVE_PASSIVE, up(), ANYWHERE, 0));
    }

    @Test
    void shouldAnswerTheFirstThenTheSecondWhenBothAreAvailableAndOnlyTheAvailableOneOtherwise() {
        List<Site> two = List.of(A, B);
        assertEquals(List.of(A, B), SiteOrder.order(SitePolicy.ORDERED, two, up(A, B), ANYWHERE, 0));
        assertEquals(List.of(B), SiteOrder.order(SitePolicy.ORDERED, two, up(B), ANYWHERE, 0));
        assertEquals(List.of(A), SiteOrder.order(SitePolicy.ORDERED, two, up(A), ANYWHERE, 0));
        assertEquals(List.of(), SiteOrder.order(SitePolicy.ORDERED, two, up(), ANYWHERE, 0));
    }

    @Test
    void shouldRotateRoundRobinOverTheAvailableSites() {
        assertEquals(List.of(A, B, C), order(SitePolicy.ROUND_ROBIN, up(A, B, C), ANYWHERE, 0));
        assertEquals(List.of(B, C, A), order(SitePolicy.ROUND_ROBIN, up(A, B, C), ANYWHERE, 1));
        assertEquals(List.of(C, A, B), order(SitePolicy.ROUND_ROBIN, up(A, B, C), ANYWHERE, 2));
        assertEquals(List.of(C, A), order(SitePolicy.ROUND_ROBIN, up(A, C), ANYWHERE, 1));
    }

    @Test
    void shouldPutTheMostSpareCapacityFirstAndSitesWithoutAReportLast() {
        Map<String, SiteState> s = Map.of("a", SiteState.withSpareCapacity(3), "b", SiteState.AVAILABLE,
                "c", SiteState.withSpareCapacity(9));
        assertEquals(List.of(C, A, B), order(SitePolicy.LOAD, s, ANYWHERE, 0));
    }

    @Test
    void shouldPutTheFastestFirstAndUnmeasuredSitesLast() {
        Map<String, SiteState> s = Map.of("a", SiteState.AVAILABLE, "b", SiteState.withResponseTime(Duration.ofMillis(40)),
                "c", SiteState.withResponseTime(Duration.ofMillis(12)));
        assertEquals(List.of(C, B, A), order(SitePolicy.RESPONSE_TIME, s, ANYWHERE, 0));
    }

    @Test
    void shouldPutTheClientsOwnSiteFirstByTheLongestMatchingSubnet() {
        assertEquals(List.of(B, A, C), order(SitePolicy.LOCALITY, up(A, B, C), Subnet.parse("10.2.9.9/32"), 0));
        assertEquals(List.of(C, A, B), order(SitePolicy.LOCALITY, up(A, B, C), Subnet.parse("10.2.3.4/32"), 0));
        // an EDNS client subnet of /16 may hold clients outside 10.2.3.0/24: only the /16 covers it
        assertEquals(List.of(B, A, C), order(SitePolicy.LOCALITY, up(A, B, C), Subnet.parse("10.2.0.0/16"), 0));
        assertEquals(List.of(A, C), order(SitePolicy.LOCALITY, up(A, C), Subnet.parse("10.2.9.9/32"), 0));
        assertEquals(List.of(A, B, C), order(SitePolicy.LOCALITY, up(A, B, C), ANYWHERE, 0));
    }

    /**
     * Generated situations for every policy: an unavailable site is never answered, every available
     * site at most once, all of them but under active-passive (exactly the first available one);
     * ordered and locality for an unmatched client keep the configured order, round robin is a
     * rotation of it, load and response time are sorted by what the sites reported.
     */
    @Test
    void shouldKeepEveryPolicysGuaranteesOverGeneratedSituations() {
        Random random = new Random(23);
        for (int run = 0; run < 20_000; run++) {
            int n = 1 + random.nextInt(5);
            List<Site> sites = new ArrayList<>();
            Map<String, SiteState> states = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Site s = site("s" + i, "127.0." + (i + 1) + ".1", "10." + random.nextInt(4) + ".0.0/" + (8 + 8 * random.nextInt(2)));
                sites.add(s);
                int kind = random.nextInt(4);
                if (kind > 0) {
                    states.put(s.name(), new SiteState(kind > 1,
                            random.nextBoolean() ? OptionalLong.of(random.nextInt(100)) : OptionalLong.empty(),
                            random.nextBoolean() ? Optional.of(Duration.ofMillis(random.nextInt(100))) : Optional.empty()));
                }
            }
            List<Site> available = sites.stream().filter(s -> states.containsKey(s.name()) && states.get(s.name()).available()).toList();
            Subnet client = Subnet.parse("10." + random.nextInt(5) + "." + random.nextInt(4) + ".1/" + (8 + random.nextInt(25)));
            long rotation = random.nextLong();
            for (SitePolicy policy : SitePolicy.values()) {
                List<Site> answer = SiteOrder.order(policy, sites, states, client, rotation);
                String what = "run " + run + " " + policy + " " + states + " " + client + " -> " + answer;
                Set<Site> seen = new HashSet<>();
                for (Site s : answer) {
                    assertTrue(available.contains(s), "unavailable site answered: " + what);
                    assertTrue(seen.add(s), "site answered twice: " + what);
                }
                if (policy == SitePolicy.ACTIVE_PASSIVE) {
                    assertEquals(available.isEmpty() ? List.of() : List.of(available.get(0)), answer, what);
                    continue;
                }
                assertEquals(available.size(), answer.size(), "an available site left out: " + what);
                if (answer.isEmpty()) {
                    continue;
                }
                switch (policy) {
                    case ORDERED -> assertEquals(available, answer, what);
                    case ROUND_ROBIN -> {
                        int shift = available.indexOf(answer.get(0));
                        for (int i = 0; i < answer.size(); i++) {
                            assertEquals(available.get((shift + i) % available.size()), answer.get(i), what);
                        }
                    }
                    case LOAD -> {
                        for (int i = 1; i < answer.size(); i++) {
                            long before = states.get(answer.get(i - 1).name()).spareCapacity().orElse(-1);
                            long after = states.get(answer.get(i).name()).spareCapacity().orElse(-1);
                            assertTrue(before >= after, "less spare capacity before more: " + what);
                        }
                    }
                    case RESPONSE_TIME -> {
                        for (int i = 1; i < answer.size(); i++) {
                            long before = states.get(answer.get(i - 1).name()).responseTime().map(Duration::toMillis).orElse(Long.MAX_VALUE);
                            long after = states.get(answer.get(i).name()).responseTime().map(Duration::toMillis).orElse(Long.MAX_VALUE);
                            assertTrue(before <= after, "slower before faster: " + what);
                        }
                    }
                    case LOCALITY -> {
                        boolean matched = available.stream().anyMatch(s -> s.subnets().stream().anyMatch(net -> net.covers(client)));
                        List<Site> rest = new ArrayList<>(answer.subList(matched ? 1 : 0, answer.size()));
                        List<Site> expected = new ArrayList<>(available);
                        expected.removeIf(s -> !rest.contains(s));
                        assertEquals(expected, rest, "the sites after the client's own are not in configured order: " + what);
                        if (matched) {
                            assertTrue(answer.get(0).subnets().stream().anyMatch(net -> net.covers(client)), what);
                        }
                    }
                    default -> throw new AssertionError(policy);
                }
            }
        }
    }

    private static List<Site> order(SitePolicy policy, Map<String, SiteState> states, Subnet client, long rotation) {
        return SiteOrder.order(policy, SITES, states, client, rotation);
    }

    private static Map<String, SiteState> up(Site... sites) {
        Map<String, SiteState> m = new HashMap<>();
        SITES.forEach(s -> m.put(s.name(), SiteState.UNAVAILABLE));
        for (Site s : sites) {
            m.put(s.name(), SiteState.AVAILABLE);
        }
        return m;
    }

    static Site site(String name, String address, String subnet) {
        return new Site(name, List.of(Subnet.literal(address)), List.of(Subnet.parse(subnet)));
    }
}
