package org.qoscluster.qrs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.GoalSet;

class GoalReloaderTest {

    private static final Instant START = Instant.parse("2026-01-01T10:00:00Z");
    private static final GoalSet SHIPPED = ClusterConfig.defaults().goals();

    /** A domain.xml's server-config with these goal properties and one other. */
    private static String xml(Map<String, String> goals) {
        StringBuilder b = new StringBuilder("<domain><configs><config name=\"server-config\">\n");
        b.append("<property name=\"payara.microprofile.qos.router.node-capacity\" value=\"64\"/>\n");
        new TreeMap<>(goals).forEach((k, v) -> b.append("<property name=\"payara.microprofile.").append(k)
                .append("\" value=\"").append(v).append("\"/>\n"));
        return b.append("</config></configs></domain>\n").toString();
    }

    @Test
    void shouldTakeAValidChangeAndSayWhatChanged() {
        GoalState s0 = GoalState.initial(SHIPPED, START);
        Map<String, String> p = new TreeMap<>(SHIPPED.properties());
        p.put("qos.class.checkout.priority", "5");
        GoalReloader.Outcome o = GoalReloader.next(s0, xml(p), START.plusSeconds(60));
        assertEquals(5, o.state().goals().named("checkout").orElseThrow().priority());
        assertEquals(START.plusSeconds(60), o.state().loadedAt());
        assertEquals(1, o.state().reloads());
        assertFalse(o.error());
        assertEquals("goals changed: checkout: priority 90 -> 5", o.logLine());
    }

    @Test
    void shouldKeepTheGoalsAndNameTheKeyWhenAChangeIsInvalid() {
        GoalState s0 = GoalState.initial(SHIPPED, START);
        Map<String, String> p = new TreeMap<>(SHIPPED.properties());
        p.put("qos.class.checkout.priority", "lots");
        p.put("qos.class.catalog.p95-ms", "100");
        p.put("qos.class.catalog.match", "POST /api/orders*");
        GoalReloader.Outcome o = GoalReloader.next(s0, xml(p), START.plusSeconds(5));
        assertTrue(o.error());
        assertSame(SHIPPED, o.state().goals(), "the last valid goals stay");
        assertEquals(START, o.state().loadedAt());
        assertTrue(o.state().refused());
        assertEquals(START.plusSeconds(5), o.state().lastErrorAt());
        assertTrue(o.state().lastError().contains("qos.class.checkout.priority: 'lots' is not a whole number"), o.state().lastError());
        assertTrue(o.state().lastError().contains("qos.class.checkout.match: 'POST /api/orders*' can never match: class 'catalog'"),
                o.state().lastError());

        // The admin fixes the file: the fix is taken, the error stays on record as the last one.
        p.put("qos.class.checkout.priority", "90");
        p.remove("qos.class.catalog.match");
        GoalReloader.Outcome fixed = GoalReloader.next(o.state(), xml(p), START.plusSeconds(9));
        assertFalse(fixed.error());
        assertFalse(fixed.state().refused());
        assertTrue(fixed.state().goals().named("catalog").isPresent());
        assertEquals(o.state().lastError(), fixed.state().lastError());
        assertEquals(1, fixed.state().refusals());
    }

    @Test
    void shouldRefuseAFileThatIsNoXmlAndChangeNothingForTheSameGoals() {
        GoalState s0 = GoalState.initial(SHIPPED, START);
        GoalReloader.Outcome half = GoalReloader.next(s0, "<domain><configs><config name=\"server-con", START.plusSeconds(1));
        assertTrue(half.error());
        assertTrue(half.state().lastError().contains("not well-formed XML"), half.state().lastError());
        GoalReloader.Outcome same = GoalReloader.next(half.state(), xml(SHIPPED.properties()), START.plusSeconds(2));
        assertEquals("", same.logLine(), "the same goals are no change");
        assertFalse(same.state().refused(), "the file no longer holds a refused change");
        assertEquals(START, same.state().loadedAt());
        assertNull(GoalState.initial(SHIPPED, START).lastError());
    }
}
