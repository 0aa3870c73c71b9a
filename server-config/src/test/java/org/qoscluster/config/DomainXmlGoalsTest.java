package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DomainXmlGoalsTest {

    private static String routerXml;

    @BeforeAll
    static void writeTheRoutersDomainXmlFromTheShippedTemplate() {
        byte[] template = PayaraMemberConfig.bundledTemplate(Path.of(System.getProperty("payara.microJar")));
        ClusterConfig config = ClusterConfig.defaults();
        routerXml = PayaraMemberConfig.domainXml(config, config.router(), template,
                Map.of(ClusterConfig.SECRET_CLUSTER_NAME, "s3cret-cluster-name-0123456789", ClusterConfig.SECRET_DB_PASSWORD, "pw"),
                Path.of("/tmp/state/members/router/domain.xml"));
    }

    @Test
    void shouldReadTheGoalsAndTheFilesOwnLocation() {
        assertEquals(ClusterConfig.defaults().goals(), GoalSet.parse(DomainXmlGoals.goalProperties(routerXml)));
        assertEquals("/tmp/state/members/router/domain.xml",
                DomainXmlGoals.properties(routerXml).get(PayaraMemberConfig.MEMBER_DOMAIN_XML_KEY));
    }

    @Test
    void shouldChangeOnlyTheGoalLinesOfTheFile() {
        SortedMap<String, String> goals = DomainXmlGoals.goalProperties(routerXml);
        goals.put("qos.class.browse.p95-ms", "300");
        goals.keySet().removeIf(k -> k.startsWith("qos.class.checkout."));
        goals.put("qos.class.history.p95-ms", "400");
        goals.put("qos.class.history.match", "GET /api/orders*");
        String edited = DomainXmlGoals.withGoals(routerXml, goals);
        assertEquals(goals, DomainXmlGoals.goalProperties(edited));
        String[] before = routerXml.split("\n", -1);
        String[] after = edited.split("\n", -1);
        // Three checkout lines gone (match, priority, max-concurrency... all four keys), two history lines added.
        assertEquals(before.length - 4 + 2, after.length, edited);
        assertTrue(edited.contains("<property name=\"payara.microprofile.qos.class.browse.p95-ms\" value=\"300\"/>"), edited);
        String withoutGoals = routerXml.lines().filter(l -> !l.contains("qos.class.")).reduce("", (a, b) -> a + b + "\n");
        String editedWithoutGoals = edited.lines().filter(l -> !l.contains("qos.class.")).reduce("", (a, b) -> a + b + "\n");
        assertEquals(withoutGoals, editedWithoutGoals, "every other line is byte for byte the same");
        assertEquals(routerXml, DomainXmlGoals.withGoals(routerXml, DomainXmlGoals.goalProperties(routerXml)),
                "no change, no byte changed");
    }

    @Test
    void shouldKeepAHandEditedLayoutAndEscapeValues() {
        String xml = "<?xml version=\"1.0\"?>\r\n<domain>\r\n  <configs>\r\n    <config name=\"default-config\">\r\n"
                + "      <property name=\"payara.microprofile.qos.class.x.p95-ms\" value=\"9\"/>\r\n    </config>\r\n"
                + "    <config   name='server-config'>\r\n      <!-- <property name=\"payara.microprofile.qos.class.old.p95-ms\" value=\"1\"/> -->\r\n"
                + "      <property value='200' name=\"payara.microprofile.qos.class.browse.p95-ms\" />\r\n"
                + "      <property name=\"other\" value=\"a&amp;b\"></property>\r\n    </config>\r\n  </configs>\r\n</domain>\r\n";
        SortedMap<String, String> goals = new TreeMap<>(Map.of("qos.class.browse.p95-ms", "250",
                "qos.class.browse.match", "GET /a&b*"));
        String edited = DomainXmlGoals.withGoals(xml, goals);
        assertEquals(goals, DomainXmlGoals.goalProperties(edited));
        assertTrue(edited.contains("<property value='250' name=\"payara.microprofile.qos.class.browse.p95-ms\" />\r\n"
                + "      <property name=\"payara.microprofile.qos.class.browse.match\" value=\"GET /a&amp;b*\"/>\r\n"), edited);
        assertTrue(edited.contains("qos.class.old.p95-ms\" value=\"1\"/> -->"), "a comment is left alone");
        assertTrue(edited.contains("qos.class.x.p95-ms\" value=\"9\""), "another config's properties are left alone");
    }

    @Test
    void shouldRefuseATwiceGivenKeyAndTextThatIsNoDomainXml() {
        String twice = "<domain><configs><config name=\"server-config\">"
                + "<property name=\"payara.microprofile.qos.class.a.p95-ms\" value=\"1\"/>"
                + "<property name=\"payara.microprofile.qos.class.a.p95-ms\" value=\"2\"/></config></configs></domain>";
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> DomainXmlGoals.goalProperties(twice));
        assertTrue(e.getMessage().contains("qos.class.a.p95-ms: given twice"), e.getMessage());
        SortedMap<String, String> one = new TreeMap<>(Map.of("qos.class.a.p95-ms", "3"));
        assertEquals(one, DomainXmlGoals.goalProperties(DomainXmlGoals.withGoals(twice, one)), "an edit keeps one of them");
        assertThrows(InvalidConfigException.class, () -> DomainXmlGoals.properties("<domain><configs>"));
    }

    /** Seeded random edits of the real file: what is written is what is read back, and a no-op changes nothing. */
    @Test
    void shouldReadBackEveryRandomEdit() {
        Random random = new Random(7_2026L);
        String xml = routerXml;
        for (int i = 0; i < 200; i++) {
            SortedMap<String, String> goals = DomainXmlGoals.goalProperties(xml);
            String cls = "c" + random.nextInt(5);
            switch (random.nextInt(3)) {
                case 0 -> goals.put("qos.class." + cls + ".p95-ms", Integer.toString(1 + random.nextInt(1000)));
                case 1 -> goals.put("qos.class." + cls + ".match", "GET /" + cls + "/" + random.nextInt(9) + "*, * /\"<&>");
                default -> goals.keySet().removeIf(k -> k.startsWith("qos.class." + cls + "."));
            }
            String next = DomainXmlGoals.withGoals(xml, goals);
            assertEquals(goals, DomainXmlGoals.goalProperties(next));
            assertEquals(next, DomainXmlGoals.withGoals(next, goals));
            assertEquals(DomainXmlGoals.properties(xml).get("qos.router.node-capacity"),
                    DomainXmlGoals.properties(next).get("qos.router.node-capacity"));
            xml = next;
        }
    }
}
