package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.LauncherException;

/**
 * {@code qoscluster group status} and {@code qoscluster group switchover COPY}: the redundancy
 * group's REST endpoints on the running cluster's nodes ({@code /qos-group/...}, with the admin
 * token from the state directory), asked of the first node that answers. Prints the answer (JSON).
 */
public final class GroupCommands {

    private GroupCommands() {
    }

    /** Runs {@code args} ({@code status} or {@code switchover COPY}); the exit status. */
    public static int run(Path stateDir, java.util.List<String> args) {
        if (args.isEmpty() || !(args.get(0).equals("status") && args.size() == 1
                || args.get(0).equals("switchover") && args.size() == 2)) {
            throw new IllegalArgumentException("group needs 'status' or 'switchover COPY'");
        }
        Path properties = stateDir.resolve("cluster.properties");
        if (!Files.isRegularFile(properties)) {
            throw new LauncherException("no running cluster with replicas in " + stateDir.toAbsolutePath()
                    + " (" + properties + " is missing)");
        }
        ClusterConfig config = ClusterConfig.load(properties, Map.of());
        String token = Secrets.read(stateDir.resolve("secrets"), ClusterConfig.SECRET_ADMIN_TOKEN);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        String path = args.get(0).equals("status") ? "qos-group/status"
                : "qos-group/switchover?to=" + URLEncoder.encode(args.get(1), StandardCharsets.UTF_8);
        IOException last = null;
        for (MemberSpec node : config.nodes()) {
            URI uri = URI.create("http://" + config.host() + ":" + node.httpPort() + "/" + path);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(45))
                    .header("Authorization", "Bearer " + token);
            b = args.get(0).equals("status") ? b.GET() : b.POST(HttpRequest.BodyPublishers.noBody());
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                System.out.println(r.body());
                return r.statusCode() / 100 == 2 ? 0 : 1;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        throw new LauncherException("no node answered (" + last + ")");
    }
}
