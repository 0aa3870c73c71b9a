package org.qoscluster.sitedns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a server answers from what its probes see: every combination of two sites and two peers. */
class SiteVerdictTest {

    @Test
    void shouldBeIsolatedWithNoPeerAndBlindWithNoPeerAndNoSite() {
        for (boolean aUp : new boolean[] {true, false}) {
            for (boolean bUp : new boolean[] {true, false}) {
                for (int peersUp = 0; peersUp <= 2; peersUp++) {
                    Map<String, SiteState> states = Map.of("a", aUp ? SiteState.AVAILABLE : SiteState.UNAVAILABLE,
                            "b", bUp ? SiteState.AVAILABLE : SiteState.UNAVAILABLE);
                    SiteVerdict v = SiteVerdict.of(states, 2, peersUp);
                    String what = "a=" + aUp + " b=" + bUp + " peersUp=" + peersUp;
                    assertEquals(peersUp == 0, v.isolated(), what);
                    assertEquals(peersUp == 0 && !aUp && !bUp, v.blind(), what);
                    assertEquals(states, v.states(), "the sites' states pass unchanged: " + what);
                }
                SiteVerdict alone = SiteVerdict.of(Map.of("a", aUp ? SiteState.AVAILABLE : SiteState.UNAVAILABLE,
                        "b", bUp ? SiteState.AVAILABLE : SiteState.UNAVAILABLE), 0, 0);
                assertEquals(false, alone.isolated(), "no peers configured: never isolated");
                assertEquals(false, alone.blind(), "no peers configured: never blind");
            }
        }
    }

    @Test
    void shouldNameTheAvailableSitesInOrder() {
        Site a = new Site("a", List.of(Subnet.literal("127.0.1.1")), List.of());
        Site b = new Site("b", List.of(Subnet.literal("127.0.2.1")), List.of());
        SiteVerdict v = SiteVerdict.of(Map.of("a", SiteState.UNAVAILABLE, "b", SiteState.AVAILABLE), 1, 0);
        assertEquals(List.of("b"), v.available(List.of(a, b)));
    }
}
