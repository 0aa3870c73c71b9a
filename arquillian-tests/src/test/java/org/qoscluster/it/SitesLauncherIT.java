package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.Sites;
import org.qoscluster.launcher.SitesConfig;
import org.qoscluster.launcher.internal.RouterWarmUp;
import org.qoscluster.launcher.internal.WanRelay;
import org.qoscluster.testing.TestRuntime;
import org.qoscluster.testing.TwoSites;

/**
 * {@code bin/qoscluster up --config SITES-FILE} and {@code down}, as a user runs them: every
 * site of the file starts, every site's router is warmed up before the command returns, each
 * answers the store's page at its own address, and {@code down} stops every part of every site.
 */
class SitesLauncherIT {

    private static final Pattern WARMED = Pattern.compile(
            "warm-up of the router and the nodes done: (\\d+) requests answered \\((\\d+) first visits, (\\d+) without an answer\\)");

    @Test
    void shouldStartEverySiteWarmEachRouterAndStopThemAllFromTheCommandLine() throws Exception {
        Path state = TestRuntime.stateDir(SitesLauncherIT.class);
        List<WanRelay> relays = new ArrayList<>();
        TestRuntime.Launched down;
        try {
            Map<String, String> config = TwoSites.configure(Map.of(RouterWarmUp.SECONDS, "3"), relays);
            Properties file = new Properties();
            file.putAll(config);
            Path sitesFile = state.resolve("sites.properties");
            Files.createDirectories(state);
            try (Writer w = Files.newBufferedWriter(sitesFile)) {
                file.store(w, "two sites on this machine");
            }

            TestRuntime.Launched up = TestRuntime.launcher(Duration.ofMinutes(8), "up", "--config", sitesFile.toString(),
                    "--state", state.toString(), "--runtime", System.getProperty("qos.runtime.dir"));
            assertEquals(0, up.exit(), up.output());
            assertTrue(up.output().contains("QoS Cluster sites [a, b] are up"), up.output());
            Matcher warmed = WARMED.matcher(up.output());
            int warmUps = 0;
            while (warmed.find()) {
                warmUps++;
                assertTrue(Long.parseLong(warmed.group(1)) > 0, "a router answered its warm-up: " + warmed.group());
                assertEquals("0", warmed.group(3), "no warm-up request went unanswered: " + warmed.group());
            }
            assertEquals(2, warmUps, "each site's router was warmed up:\n" + up.output());

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (String[] site : new String[][] {{"a", TwoSites.A}, {"b", TwoSites.B}}) {
                String port = config.get(SitesConfig.SITE_PREFIX + site[0] + ClusterConfig.ROUTER_HTTP_PORT.substring("qos".length()));
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://" + site[1] + ":" + port + "/"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), "site " + site[0] + "'s router at its own address");
            }
        } finally {
            down = TestRuntime.launcher(Duration.ofMinutes(3), "down", "--state", state.toString());
            relays.forEach(WanRelay::close);
        }
        assertEquals(0, down.exit(), down.output());
        for (String site : List.of("a", "b")) {
            assertTrue(Cluster.status(Sites.siteDir(state, site)).stream().noneMatch(p -> p.alive()),
                    "down stopped every part of site " + site);
        }
    }
}
