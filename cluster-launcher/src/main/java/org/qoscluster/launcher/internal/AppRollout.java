package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.AppStatus;
import org.qoscluster.launcher.LauncherException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys and undeploys applications on a running cluster, one node at a time, so that the site
 * keeps serving: each node is drained first (its health page answers 503, the router takes it out
 * of rotation, the requests it has in flight finish), the application is deployed into the running
 * node by its group service ({@code /qos-group/apps}, Payara's own {@code deploy}), and the node is
 * undrained and back in rotation before the next one is drained. A node that is the only one in
 * rotation is not drained (the site would be down meanwhile): it deploys while it serves. A node
 * that is not running is left alone; it deploys the recorded set when it starts.
 *
 * <p>When a node refuses the application, it is undeployed again from the nodes that took it, the
 * record is left as it was, and the failure names the application, the node and Payara's message.
 */
public final class AppRollout {

    private static final Logger LOG = LoggerFactory.getLogger(AppRollout.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterConfig config;
    private final Path stateDir;
    private final Clock clock;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    public AppRollout(ClusterConfig config, Path stateDir, Clock clock) {
        this.config = config;
        this.stateDir = stateDir;
        this.clock = clock;
        this.token = Secrets.read(MemberParts.secretsDir(stateDir), ClusterConfig.SECRET_ADMIN_TOKEN);
    }

    /** Deploys {@code app} (its WAR in the state directory already) on every running node in turn; one line per node. */
    public List<String> deploy(AppSpec app, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        List<MemberSpec> done = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (MemberSpec node : config.nodes()) {
            if (!running(node)) {
                lines.add(node.name() + ": not running; deploys " + app.name() + " when it starts");
                continue;
            }
            long t0 = System.nanoTime();
            try {
                drained(node, deadline, () -> call(node, "POST", "qos-group/apps?name=" + encode(app.name()) + "&contextroot="
                        + encode(app.contextRoot()) + "&path=" + encode(app.war().toString()), deadline));
            } catch (LauncherException e) {
                for (MemberSpec back : done) {
                    try {
                        drained(back, clock.instant().plus(timeout), () -> call(back, "DELETE",
                                "qos-group/apps?name=" + encode(app.name()), clock.instant().plus(timeout)));
                    } catch (LauncherException again) {
                        LOG.warn("node={} {} not undeployed again: {}", back.name(), app.name(), again.getMessage());
                    }
                }
                throw e;
            }
            done.add(node);
            lines.add(node.name() + ": deployed " + app.name() + " on " + app.contextRoot() + " in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms, back in rotation");
        }
        return lines;
    }

    /** Undeploys the application {@code name} from every running node in turn; one line per node. */
    public List<String> undeploy(String name, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        List<String> lines = new ArrayList<>();
        for (MemberSpec node : config.nodes()) {
            if (!running(node)) {
                lines.add(node.name() + ": not running");
                continue;
            }
            if (!deployedOn(node).containsKey(name)) {
                lines.add(node.name() + ": does not run " + name);
                continue;
            }
            drained(node, deadline, () -> call(node, "DELETE", "qos-group/apps?name=" + encode(name), deadline));
            lines.add(node.name() + ": undeployed " + name + ", back in rotation");
        }
        return lines;
    }

    /** Each application on record, and any other a node runs, with where it is deployed. */
    public List<AppStatus> list(List<AppSpec> recorded) {
        Map<String, Map<String, String>> where = new LinkedHashMap<>();
        Map<String, String> roots = new LinkedHashMap<>();
        recorded.forEach(a -> {
            where.put(a.name(), new TreeMap<>());
            roots.put(a.name(), a.contextRoot());
        });
        for (MemberSpec node : config.nodes()) {
            Map<String, Boolean> on;
            String none;
            if (!running(node)) {
                on = Map.of();
                none = "node not running";
            } else {
                try {
                    on = deployedOn(node);
                    none = "not deployed";
                } catch (LauncherException e) {
                    on = Map.of();
                    none = "node not answering";
                }
            }
            for (Map.Entry<String, Boolean> e : on.entrySet()) {
                where.computeIfAbsent(e.getKey(), k -> new TreeMap<>());
                roots.putIfAbsent(e.getKey(), "");
            }
            for (Map.Entry<String, Map<String, String>> app : where.entrySet()) {
                Boolean deployed = on.get(app.getKey());
                app.getValue().put(node.name(), deployed == null ? none : deployed ? "deployed" : "not deployed");
            }
        }
        List<AppStatus> out = new ArrayList<>();
        where.forEach((name, nodes) -> out.add(new AppStatus(name, roots.get(name), nodes)));
        return out;
    }

    /** What {@code node}'s health page lists: each application it is meant to run, and whether it is deployed. */
    private Map<String, Boolean> deployedOn(MemberSpec node) {
        JsonNode health = read(http(node, "GET", "qos-group/health", clock.instant().plusSeconds(10), false));
        Map<String, Boolean> apps = new LinkedHashMap<>();
        for (JsonNode a : health.path("applications")) {
            apps.put(a.path("name").asText(), a.path("deployed").asBoolean());
        }
        return apps;
    }

    /**
     * Runs {@code work} on {@code node} while it is out of rotation: drained, and out of the
     * router's rotation with nothing in flight; then undrained, and back in rotation.
     */
    private void drained(MemberSpec node, Instant deadline, Runnable work) {
        Optional<Map<String, JsonNode>> view = routerView(deadline);
        boolean alone = view.isPresent() && view.get().values().stream().filter(n -> n.path("healthy").asBoolean())
                .map(n -> n.path("name").asText()).toList().equals(List.of(node.name()));
        if (alone) {
            LOG.info("node={} is the only node in rotation: it deploys while it serves", node.name());
            work.run();
            return;
        }
        call(node, "PUT", "qos-group/drain", deadline);
        RuntimeException failure = null;
        try {
            awaitRouter(node, false, deadline);
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        // Back in rotation also after a failure: the node still serves its other applications.
        try {
            call(node, "DELETE", "qos-group/drain", deadline.isBefore(clock.instant()) ? clock.instant().plusSeconds(30) : deadline);
            awaitRouter(node, true, deadline.isBefore(clock.instant()) ? clock.instant().plusSeconds(30) : deadline);
        } catch (LauncherException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Waits until the router has {@code node} in rotation ({@code healthy}) or out of it with nothing in flight. */
    private void awaitRouter(MemberSpec node, boolean healthy, Instant deadline) {
        while (true) {
            Optional<Map<String, JsonNode>> view = routerView(deadline);
            if (view.isEmpty()) {
                return; // no router: nothing to wait for
            }
            JsonNode n = view.get().get(node.name());
            if (n != null && n.path("healthy").asBoolean() == healthy && (healthy || n.path("inFlight").asInt() == 0)) {
                LOG.info("node={} {} the router's rotation", node.name(), healthy ? "back in" : "out of");
                return;
            }
            if (clock.instant().isAfter(deadline)) {
                throw new LauncherException(node.name() + " is not " + (healthy ? "back in" : "out of") + " the router's rotation by "
                        + deadline + (n == null ? "" : " (router: " + n.path("problem").asText("in flight " + n.path("inFlight")) + ")"));
            }
            pause();
        }
    }

    /** The router's view of the nodes by name, empty when no router runs. */
    private Optional<Map<String, JsonNode>> routerView(Instant deadline) {
        MemberSpec router = config.router();
        if (!running(router)) {
            return Optional.empty();
        }
        JsonNode admin = read(http(router, "GET", "qrs/admin/nodes", deadline, true));
        Map<String, JsonNode> nodes = new LinkedHashMap<>();
        admin.path("nodes").forEach(n -> nodes.put(n.path("name").asText(), n));
        return Optional.of(nodes);
    }

    /** An administrative call on a node's group service; refused answers become a {@link LauncherException} with the node's message. */
    private void call(MemberSpec node, String method, String path, Instant deadline) {
        HttpResponse<String> r = http(node, method, path, deadline, true);
        if (r.statusCode() / 100 != 2) {
            String message = r.body();
            try {
                message = JSON.readTree(r.body()).path("error").asText(r.body());
            } catch (IOException e) {
                // not JSON: the body as it is
            }
            throw new LauncherException(message.isBlank() ? node.name() + " answered " + r.statusCode() + " to " + method + " /" + path
                    : message);
        }
    }

    private HttpResponse<String> http(MemberSpec member, String method, String path, Instant deadline, boolean withToken) {
        URI uri = URI.create("http://" + config.host() + ":" + member.httpPort() + "/" + path);
        Duration left = Duration.between(clock.instant(), deadline);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (withToken) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new LauncherException(member.name() + " did not answer " + method + " /" + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while asking " + member.name(), e);
        }
    }

    private static JsonNode read(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new LauncherException(r.uri() + " answered " + r.statusCode() + ", not JSON: " + e.getMessage(), e);
        }
    }

    private boolean running(MemberSpec member) {
        return PartProcess.handle(stateDir, member.name()).isPresent();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted");
        }
    }
}
