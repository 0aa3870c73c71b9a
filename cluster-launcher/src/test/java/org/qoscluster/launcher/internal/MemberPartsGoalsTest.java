package org.qoscluster.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

class MemberPartsGoalsTest {

    private static void writeRouterXml(Path state, Map<String, String> goals) throws Exception {
        StringBuilder b = new StringBuilder("<domain><configs><config name=\"server-config\">\n");
        new TreeMap<>(goals).forEach((k, v) -> b.append("<property name=\"payara.microprofile.").append(k)
                .append("\" value=\"").append(v).append("\"/>\n"));
        Path file = MemberParts.domainXml(state, "router");
        Files.createDirectories(file.getParent());
        Files.writeString(file, b.append("</config></configs></domain>\n"));
    }

    @Test
    void shouldStartFromTheConfigurationWhenThereIsNoRouterDomainXmlYet(@TempDir Path state) {
        ClusterConfig config = ClusterConfig.defaults();
        assertSame(config, MemberParts.withAdminGoals(config, state));
    }

    @Test
    void shouldKeepTheGoalsOfAnExistingRouterDomainXmlAndEverythingElseFromTheConfiguration(@TempDir Path state) throws Exception {
        Map<String, String> goals = new TreeMap<>(ClusterConfig.defaults().goals().properties());
        goals.keySet().removeIf(k -> k.startsWith("qos.class.browse."));
        goals.put("qos.class.catalog.p95-ms", "150");
        goals.put("qos.class.catalog.match", "GET /api/products*");
        writeRouterXml(state, goals);
        ClusterConfig config = ClusterConfig.from(Map.of("qos.router.node-capacity", "12", "qos.class.checkout.priority", "70"));
        ClusterConfig kept = MemberParts.withAdminGoals(config, state);
        assertTrue(kept.goals().named("browse").isEmpty(), "a class the admin removed stays removed");
        assertEquals("catalog", kept.classify("GET", "/api/products/1").name());
        assertEquals(90, kept.goals().named("checkout").orElseThrow().priority(), "the file's goals win over the configuration's");
        assertEquals("12", kept.properties().get("qos.router.node-capacity"), "other settings come from the configuration");
        assertEquals(kept.goals(), ClusterConfig.fromEffective(kept.properties()).goals(),
                "what up writes out reads back as the same goals, no shipped class added");
    }

    @Test
    void shouldStopUpOnInvalidGoalsInTheFileNamingTheFileAndKey(@TempDir Path state) throws Exception {
        Map<String, String> goals = new TreeMap<>(ClusterConfig.defaults().goals().properties());
        goals.put("qos.class.browse.priority", "high");
        writeRouterXml(state, goals);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> MemberParts.withAdminGoals(ClusterConfig.defaults(), state));
        assertTrue(e.getMessage().contains(MemberParts.domainXml(state, "router") + ": qos.class.browse.priority: 'high'"),
                e.getMessage());
    }
}
