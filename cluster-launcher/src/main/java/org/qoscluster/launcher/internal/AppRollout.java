package org.qoscluster.launcher.internal;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.qoscluster.config.Role;
import org.qoscluster.contract.WarUpload;
import org.qoscluster.launcher.AppSpec;
import org.qoscluster.launcher.AppStatus;
import org.qoscluster.launcher.LauncherException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys and undeploys applications on a running cluster, one node at a time, so that the site
 * keeps serving: each node is drained first (its health page answers 503, the router takes it out
 * of rotation, the requests it has in flight finish), the application is deployed into the running
 * node by its group service ({@code /qos-group/apps}: the launcher sends the WAR's bytes with their
 * SHA-256, the node keeps the WAR in its own directory and runs Payara's own {@code deploy}), and the node is
 * undrained and back in rotation before the next one is drained. A node that is the only one in
 * rotation is not drained (the site would be down meanwhile): it deploys while it serves. A node
 * that is not running is left alone: one started from this state directory gets the application in
 * its own record on disk and deploys it when it starts; one of another host that does not answer
 * does not get it (said in its line). Nodes are reached at their hosts' addresses.
 *
 * <p>When a node refuses the application, it is undeployed again from the nodes that took it, the
 * record is left as it was, and the failure names the application, the node and Payara's message.
 */
public final class AppRollout {

    private static final Logger LOG = LoggerFactory.getLogger(AppRollout.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration PROBE = Duration.ofSeconds(2);
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

    /**
     * What a rollout did: one line per node, and the nodes started from this state directory that
     * were not running (their own records are changed on disk instead, {@link AppRecord#addToNode}).
     */
    public record Outcome(List<String> lines, List<String> stoppedHere) {

        public Outcome {
            lines = List.copyOf(lines);
            stoppedHere = List.copyOf(stoppedHere);
        }
    }

    /**
     * Deploys {@code app} (its WAR in the state directory already) on every running node in turn,
     * sending each the WAR's bytes and their SHA-256; one line per node.
     */
    public Outcome deploy(AppSpec app, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        String digest;
        try {
            digest = WarUpload.digestValue(WarUpload.sha256(app.war()));
        } catch (IOException e) {
            throw new LauncherException("cannot read " + app.war() + ": " + e.getMessage(), e);
        }
        List<MemberSpec> done = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        List<String> stoppedHere = new ArrayList<>();
        for (MemberSpec node : config.nodes()) {
            if (!running(node)) {
                if (startedHere(node)) {
                    stoppedHere.add(node.name());
                    lines.add(node.name() + ": not running; deploys " + app.name() + " when it starts");
                } else {
                    lines.add(node.name() + ": not answering on host " + config.hostOf(node.name()).name() + "; it does not get "
                            + app.name() + " (once it runs: undeploy " + app.name() + " and deploy it again)");
                    LOG.warn("node={} not answering on host {}: {} not sent to it", node.name(), config.hostOf(node.name()).name(),
                            app.name());
                }
                continue;
            }
            long t0 = System.nanoTime();
            try {
                drained(node, deadline, () -> upload(node, app, digest, deadline));
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
        return new Outcome(lines, stoppedHere);
    }

    /** Undeploys the application {@code name} from every running node in turn; one line per node. */
    public Outcome undeploy(String name, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        List<String> lines = new ArrayList<>();
        List<String> stoppedHere = new ArrayList<>();
        for (MemberSpec node : config.nodes()) {
            if (!running(node)) {
                if (startedHere(node)) {
                    stoppedHere.add(node.name());
                    lines.add(node.name() + ": not running; no longer deploys " + name + " when it starts");
                } else {
                    lines.add(node.name() + ": not answering on host " + config.hostOf(node.name()).name() + "; it keeps " + name
                            + " (once it runs: undeploy " + name + " again)");
                }
                continue;
            }
            if (!deployedOn(node).containsKey(name)) {
                lines.add(node.name() + ": does not run " + name);
                continue;
            }
            drained(node, deadline, () -> call(node, "DELETE", "qos-group/apps?name=" + encode(name), deadline));
            lines.add(node.name() + ": undeployed " + name + ", back in rotation");
        }
        return new Outcome(lines, stoppedHere);
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

    /** Sends {@code app}'s WAR to {@code node}'s group service, which keeps it and deploys it into the running node. */
    private void upload(MemberSpec node, AppSpec app, String digest, Instant deadline) {
        String path = "qos-group/apps?name=" + encode(app.name()) + "&contextroot=" + encode(app.contextRoot());
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(app.war());
        } catch (FileNotFoundException e) {
            throw new LauncherException("cannot read " + app.war() + ": " + e.getMessage(), e);
        }
        check(node, "POST", path, http(node, "POST", path, deadline, true, body,
                Map.of("Content-Type", WarUpload.CONTENT_TYPE, WarUpload.DIGEST_HEADER, digest)));
    }

    /** An administrative call on a node's group service; refused answers become a {@link LauncherException} with the node's message. */
    private void call(MemberSpec node, String method, String path, Instant deadline) {
        check(node, method, path, http(node, method, path, deadline, true));
    }

    private static void check(MemberSpec node, String method, String path, HttpResponse<String> r) {
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
        return http(member, method, path, deadline, withToken, HttpRequest.BodyPublishers.noBody(), Map.of());
    }

    private HttpResponse<String> http(MemberSpec member, String method, String path, Instant deadline, boolean withToken,
                                      HttpRequest.BodyPublisher body, Map<String, String> headers) {
        URI uri = MemberParts.uri(config, member.name()).resolve(path);
        Duration left = Duration.between(clock.instant(), deadline);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left)
                .method(method, body);
        headers.forEach(b::header);
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

    /**
     * Whether {@code member} runs: one started from this state directory by its pid file, one of
     * another host by an answer (any) to its readiness page.
     */
    public boolean running(MemberSpec member) {
        if (startedHere(member)) {
            return PartProcess.handle(stateDir, member.name()).isPresent();
        }
        URI uri = MemberParts.uri(config, member.name()).resolve(member.role() == Role.NODE ? MemberParts.HEALTH_PAGE : "qrs/site");
        try {
            http.send(HttpRequest.newBuilder(uri).timeout(PROBE).GET().build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            LOG.debug("member={} no answer at {}: {}", member.name(), uri, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while asking " + member.name(), e);
        }
    }

    /** Whether {@code member} was started from this state directory (it has its folder here). */
    private boolean startedHere(MemberSpec member) {
        return Files.isDirectory(AppRecord.nodeDir(stateDir, member.name()));
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
