package org.qoscluster.qrs.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.config.GoalSet;
import org.qoscluster.config.ServiceClass;
import org.qoscluster.qrs.ClassRecord;
import org.qoscluster.qrs.GoalState;
import org.qoscluster.qrs.NodeRecord;

/**
 * The router's admin endpoints, behind {@code Authorization: Bearer <qos.secret.admin-token>}:
 * {@code GET /qrs/admin/nodes} (JSON performance records), {@code GET /qrs/admin/metrics}
 * (Prometheus text format) and {@code GET /qrs/admin/goals} (the QoS goals in force, when they
 * were loaded, the last refused change).
 */
@WebServlet(urlPatterns = "/qrs/admin/*")
public class AdminServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(AdminServlet.class.getName());

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        RouterRuntime router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        if (!authorized(req, router.settings().adminToken())) {
            if (router.badToken(req.getRemoteAddr())) {
                LOG.log(Level.WARNING, "admin request without a valid token from {0}"
                        + " (logged once a minute per address, all counted in qos_router_bad_admin_tokens_total)", req.getRemoteAddr());
            }
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"qos-router\"");
            Errors.send(resp, 401, "admin endpoints need Authorization: Bearer <admin token>");
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        switch (path) {
            case "/nodes" -> nodes(router, resp);
            case "/metrics" -> metrics(router, mirroredFlags(), resp);
            case "/goals" -> goals(router, resp);
            default -> Errors.send(resp, 404, "no admin endpoint " + path + " (have /nodes, /metrics, /goals)");
        }
    }

    static boolean authorized(HttpServletRequest req, String token) {
        return org.qoscluster.contract.AdminToken.matches(req.getHeader("Authorization"), token);
    }

    /**
     * The goals in force: each class, when they were loaded, where from, and the last change that
     * was refused (with the reason, naming each bad key and value) and whether the file still holds it.
     */
    private static void goals(RouterRuntime router, HttpServletResponse resp) throws IOException {
        GoalState state = router.goalState();
        JsonArrayBuilder classes = Json.createArrayBuilder();
        for (ServiceClass c : state.goals().classes()) {
            JsonArrayBuilder match = Json.createArrayBuilder();
            c.rules().forEach(r -> match.add(r.toString()));
            JsonObjectBuilder users = Json.createObjectBuilder();
            c.userClasses().forEach((u, g) -> users.add(u, Json.createObjectBuilder().add("p95Ms", g.p95Millis())
                    .add("priority", g.priority())));
            classes.add(Json.createObjectBuilder().add("name", c.name()).add("p95Ms", c.p95Millis())
                    .add("priority", c.priority()).add("maxConcurrency", c.maxConcurrency()).add("match", match)
                    .add("userClasses", users)
                    .add("default", c.equals(state.goals().defaultClass())));
        }
        JsonObjectBuilder out = Json.createObjectBuilder()
                .add("source", router.goalSource() == null ? "start-up configuration (not watched)" : router.goalSource().toString())
                .add("watched", router.goalSource() != null)
                .add("loadedAt", state.loadedAt().toString())
                .add("fingerprint", state.goals().fingerprint())
                .add("defaultClass", state.goals().defaultClass().name())
                .add("classes", classes)
                .add("reloads", state.reloads())
                .add("refusals", state.refusals())
                .add("refused", state.refused());
        if (state.lastError() != null) {
            out.add("lastError", Json.createObjectBuilder().add("message", state.lastError())
                    .add("at", state.lastErrorAt().toString()));
        } else {
            out.addNull("lastError");
        }
        resp.setContentType("application/json");
        resp.getWriter().write(out.build().toString());
    }

    private static void nodes(RouterRuntime router, HttpServletResponse resp) throws IOException {
        long now = router.nanoTime();
        GoalSet goals = router.goals();
        JsonArrayBuilder nodes = Json.createArrayBuilder();
        for (NodeRecord n : router.nodes()) {
            JsonObjectBuilder classes = Json.createObjectBuilder();
            for (ServiceClass c : goals.classes()) {
                ClassRecord r = n.record(c.name());
                classes.add(c.name(), Json.createObjectBuilder()
                        .add("goalP95Ms", c.p95Millis())
                        .add("priority", c.priority())
                        .add("p95Ms", r.p95Micros() / 1000.0)
                        .add("meanMs", r.meanMicros() / 1000.0)
                        .add("predictedMs", router.selector().predictedMicros(n, c) / 1000.0)
                        .add("ageMs", r.samples() == 0 ? 0 : (now - r.refreshedNanos()) / 1_000_000)
                        .add("errorRate", r.errorRate())
                        .add("samples", r.samples())
                        .add("inFlight", n.inFlight(c.name())));
            }
            JsonObjectBuilder node = Json.createObjectBuilder().add("name", n.name()).add("uri", n.base().toString())
                    .add("healthy", n.healthy()).add("inFlight", n.inFlight()).add("served", n.served())
                    .add("classes", classes);
            if (n.lastHealthProblem() != null) {
                node.add("problem", n.lastHealthProblem());
            }
            nodes.add(node);
        }
        JsonObjectBuilder shed = Json.createObjectBuilder();
        JsonObjectBuilder shedByUserClass = Json.createObjectBuilder();
        goals.classes().forEach(c -> {
            shed.add(c.name(), router.shed(c.name()));
            JsonObjectBuilder users = Json.createObjectBuilder();
            router.shedByUserClass(c.name()).forEach(users::add);
            shedByUserClass.add(c.name(), users);
        });
        resp.setContentType("application/json");
        resp.getWriter().write(Json.createObjectBuilder().add("nodes", nodes).add("shed", shed)
                .add("shedByUserClass", shedByUserClass)
                .add("badUidCookies", router.badCookies()).add("badAdminTokens", router.badTokens())
                .add("refusedBodies", router.badBodies()).build().toString());
    }

    /** The state-change flags the router holds in memory, -1 without a cluster to mirror. */
    private int mirroredFlags() {
        return getServletContext().getAttribute(HazelcastFlags.class.getName()) instanceof HazelcastFlags maps
                ? maps.mirrored() : -1;
    }

    private static void metrics(RouterRuntime router, int mirroredFlags, HttpServletResponse resp) throws IOException {
        GoalState state = router.goalState();
        GoalSet goals = state.goals();
        resp.setContentType("text/plain; version=0.0.4");
        PrintWriter w = resp.getWriter();
        w.println("# TYPE qos_router_node_healthy gauge");
        w.println("# TYPE qos_router_node_in_flight gauge");
        w.println("# TYPE qos_router_node_served_total counter");
        w.println("# TYPE qos_router_class_p95_seconds gauge");
        w.println("# TYPE qos_router_class_error_rate gauge");
        for (NodeRecord n : router.nodes()) {
            String node = "node=\"" + n.name() + "\"";
            w.println("qos_router_node_healthy{" + node + "} " + (n.healthy() ? 1 : 0));
            w.println("qos_router_node_in_flight{" + node + "} " + n.inFlight());
            w.println("qos_router_node_served_total{" + node + "} " + n.served());
            for (ServiceClass c : goals.classes()) {
                ClassRecord r = n.record(c.name());
                String labels = node + ",class=\"" + c.name() + "\"";
                w.println("qos_router_class_p95_seconds{" + labels + "} " + r.p95Micros() / 1e6);
                w.println("qos_router_class_error_rate{" + labels + "} " + r.errorRate());
            }
        }
        // Replication: each replica's watermark as the agent last published it.
        long nowMillis = System.currentTimeMillis();
        w.println("# TYPE qos_replication_applied_sequence gauge");
        w.println("# TYPE qos_replication_lag_seconds gauge");
        w.println("# TYPE qos_replication_watermark_age_seconds gauge");
        router.watermarks().forEach((replica, wm) -> {
            String label = "{replica=\"" + replica + "\"}";
            w.println("qos_replication_applied_sequence" + label + " " + wm.sequence());
            w.println("qos_replication_lag_seconds" + label + " " + wm.lagMillis() / 1e3);
            w.println("qos_replication_watermark_age_seconds" + label + " " + Math.max(0, nowMillis - wm.epochMillis()) / 1e3);
        });
        w.println("# TYPE qos_router_bad_uid_cookies_total counter");
        w.println("qos_router_bad_uid_cookies_total " + router.badCookies());
        w.println("# TYPE qos_router_refused_bodies_total counter");
        w.println("qos_router_refused_bodies_total " + router.badBodies());
        BodyBudget bodies = router.bodyBudget();
        w.println("# TYPE qos_router_body_memory_bytes gauge");
        w.println("qos_router_body_memory_bytes " + bodies.held());
        w.println("# TYPE qos_router_body_memory_limit_bytes gauge");
        w.println("qos_router_body_memory_limit_bytes " + bodies.limit());
        w.println("# TYPE qos_router_body_memory_refusals_total counter");
        w.println("qos_router_body_memory_refusals_total " + bodies.refusals());
        w.println("# TYPE qos_router_clients_in_flight gauge");
        w.println("qos_router_clients_in_flight " + router.clientLimits().clients());
        w.println("# TYPE qos_router_client_cap_refusals_total counter");
        w.println("qos_router_client_cap_refusals_total " + router.clientLimits().refusals());
        w.println("# TYPE qos_router_bad_admin_tokens_total counter");
        w.println("qos_router_bad_admin_tokens_total " + router.badTokens());
        w.println("# TYPE qos_router_state_change_flags gauge");
        w.println("qos_router_state_change_flags " + mirroredFlags);
        w.println("# TYPE qos_router_waiting_requests gauge");
        w.println("qos_router_waiting_requests " + router.admissions().size());
        w.println("# TYPE qos_router_shed_total counter");
        for (ServiceClass c : goals.classes()) {
            w.println("qos_router_shed_total{class=\"" + c.name() + "\"} " + router.shed(c.name()));
        }
        w.println("# TYPE qos_router_user_class_shed_total counter");
        for (ServiceClass c : goals.classes()) {
            router.shedByUserClass(c.name()).forEach((u, n) -> w.println("qos_router_user_class_shed_total{class=\"" + c.name()
                    + "\",user_class=\"" + u + "\"} " + n));
        }
        // The goals in force, per class, and how the changes to them went.
        w.println("# TYPE qos_router_class_goal_p95_seconds gauge");
        w.println("# TYPE qos_router_class_priority gauge");
        for (ServiceClass c : goals.classes()) {
            w.println("qos_router_class_goal_p95_seconds{class=\"" + c.name() + "\"} " + c.p95Millis() / 1e3);
            w.println("qos_router_class_priority{class=\"" + c.name() + "\"} " + c.priority());
        }
        w.println("# TYPE qos_router_user_class_goal_p95_seconds gauge");
        w.println("# TYPE qos_router_user_class_priority gauge");
        for (ServiceClass c : goals.classes()) {
            c.userClasses().forEach((u, g) -> {
                String labels = "{class=\"" + c.name() + "\",user_class=\"" + u + "\"} ";
                w.println("qos_router_user_class_goal_p95_seconds" + labels + g.p95Millis() / 1e3);
                w.println("qos_router_user_class_priority" + labels + g.priority());
            });
        }
        w.println("# TYPE qos_router_goals_loaded_timestamp_seconds gauge");
        w.println("qos_router_goals_loaded_timestamp_seconds " + state.loadedAt().toEpochMilli() / 1e3);
        w.println("# TYPE qos_router_goal_reloads_total counter");
        w.println("qos_router_goal_reloads_total " + state.reloads());
        w.println("# TYPE qos_router_goal_refusals_total counter");
        w.println("qos_router_goal_refusals_total " + state.refusals());
        w.println("# TYPE qos_router_goal_change_refused gauge");
        w.println("qos_router_goal_change_refused " + (state.refused() ? 1 : 0));
    }
}
