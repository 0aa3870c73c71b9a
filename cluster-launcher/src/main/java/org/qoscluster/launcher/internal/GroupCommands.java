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

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.LauncherException;

/**
 * {@code qoscluster group [--group NAME] status|switchover COPY|add NAME PORT|remove NAME|stop|start}
 * and {@code qoscluster group move NAME GROUP}: the redundancy groups' REST endpoints on the running cluster's nodes ({@code /qos-group/...}, with
 * the admin token from the state directory), asked of the first node that answers. {@code add}
 * first starts a Derby network server for the new copy on {@code PORT} (part {@code derby-NAME}),
 * unless one runs already. Prints the answer (JSON); exit status 0 when it is a success.
 */
public final class GroupCommands {

    private static final String USAGE = "group needs 'status', 'switchover COPY', 'add NAME PORT', 'remove NAME', 'move NAME GROUP',"
            + " 'stop' or 'start'";

    private GroupCommands() {
    }

    /** Runs {@code args} on {@code group} (null: the application's); the exit status. */
    public static int run(Path stateDir, Path runtime, String group, java.util.List<String> args) {
        String verb = args.isEmpty() ? "" : args.get(0);
        int operands = switch (verb) {
            case "status", "stop", "start" -> 0;
            case "switchover", "remove" -> 1;
            case "add", "move" -> 2;
            default -> -1;
        };
        if (operands < 0 || args.size() != operands + 1) {
            throw new IllegalArgumentException(USAGE);
        }
        ClusterConfig config = EffectiveConfig.read(stateDir);
        String method = "POST";
        String path;
        switch (verb) {
            case "status" -> {
                method = "GET";
                path = "qos-group/status";
            }
            case "switchover" -> path = "qos-group/switchover?to=" + encode(args.get(1));
            case "move" -> path = "qos-group/move?name=" + encode(args.get(1)) + "&to=" + encode(args.get(2));
            case "remove" -> {
                method = "DELETE";
                path = "qos-group/copies?name=" + encode(args.get(1));
            }
            case "add" -> {
                int port;
                try {
                    port = Integer.parseInt(args.get(2));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("add NAME PORT: '" + args.get(2) + "' is not a port");
                }
                if (org.qoscluster.launcher.internal.PartProcess.handle(stateDir, "derby-" + args.get(1)).isEmpty()) {
                    System.err.println("starting a Derby network server for " + args.get(1) + " on " + config.host() + ":" + port);
                    org.qoscluster.launcher.Cluster.startCopy(config, org.qoscluster.launcher.RuntimeLayout.at(runtime), stateDir,
                            args.get(1), port, Duration.ofSeconds(60), java.time.Clock.systemUTC());
                }
                path = "qos-group/copies?name=" + encode(args.get(1)) + "&host=" + encode(config.host()) + "&port=" + port;
            }
            default -> path = "qos-group/" + verb;
        }
        if (group != null && !verb.equals("move")) {
            path += (path.contains("?") ? "&" : "?") + "group=" + encode(group);
        }
        String token = Secrets.read(stateDir.resolve("secrets"), ClusterConfig.SECRET_ADMIN_TOKEN);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        IOException last = null;
        for (MemberSpec node : config.nodes()) {
            URI uri = MemberParts.uri(config, node.name()).resolve(path);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(45))
                    .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody()).build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
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

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
