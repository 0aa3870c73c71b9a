package org.qoscluster.group.internal;

import java.io.IOException;
import java.util.Map;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.contract.AdminToken;
import org.qoscluster.contract.GroupState;

/**
 * The redundancy group's administration on every node, behind {@code Authorization: Bearer <admin
 * token>}: {@code GET /qos-group/status}, the group as JSON ({@code epoch}, {@code master},
 * {@code phase}, {@code coordinator}, {@code members} with each copy's status, role and epoch,
 * {@code tails} set aside, {@code history}); {@code POST /qos-group/switchover?to=COPY}, a planned
 * switchover without loss (200 once the new master takes writes, 202 while it is under way after
 * 30 s; 400 for an unknown copy, 409 for the master itself, a copy that is not available or behind,
 * or a group in the middle of a change, each with the reason).
 */
@WebServlet(urlPatterns = {"/status", "/switchover"})
public class GroupStatusServlet extends HttpServlet {

    static final String SERVICE = "qos.group.service";
    static final String TOKEN = "qos.group.admin-token";
    private static final Logger LOG = Logger.getLogger(GroupStatusServlet.class.getName());

    /** The group service, or null once the request was answered with an error (no token, no group). */
    private GroupService admitted(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        if (!AdminToken.matches(req.getHeader("Authorization"), (String) getServletContext().getAttribute(TOKEN))) {
            LOG.warning(() -> "group request without a valid token from " + req.getRemoteAddr());
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"qos-group\"");
            error(resp, 401, "the group's endpoints need Authorization: Bearer <admin token>");
            return null;
        }
        GroupService service = (GroupService) getServletContext().getAttribute(SERVICE);
        if (service == null) {
            error(resp, 404, "no redundancy group: the cluster has no replicas");
        }
        return service;
    }

    private static void error(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setStatus(status);
        resp.getWriter().write(Json.createObjectBuilder().add("status", status).add("error", message).build().toString());
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        GroupService service = admitted(req, resp);
        if (service == null) {
            return;
        }
        if (!"/switchover".equals(req.getServletPath())) {
            error(resp, 405, "POST is for /qos-group/switchover?to=COPY");
            return;
        }
        String to = req.getParameter("to");
        if (to == null || !to.matches("[A-Za-z0-9._-]{1,64}")) {
            error(resp, 400, "to: give the copy to switch over to, for example ?to=replica-1");
            return;
        }
        GroupService.SwitchoverOutcome o;
        try {
            o = service.switchover(to, java.time.Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(resp, 503, "interrupted");
            return;
        }
        LOG.info("switchover to " + to + ": " + o.status() + " " + o.message());
        JsonObjectBuilder out = Json.createObjectBuilder().add("status", o.status()).add(o.status() >= 400 ? "error" : "result", o.message());
        o.state().ifPresent(g -> out.add("epoch", g.epoch()).add("master", g.master()).add("phase", g.phase().name()));
        resp.setStatus(o.status());
        resp.getWriter().write(out.build().toString());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        GroupService service = admitted(req, resp);
        if (service == null) {
            return;
        }
        if (!"/status".equals(req.getServletPath())) {
            error(resp, 405, "GET is for /qos-group/status; a switchover is POST /qos-group/switchover?to=COPY");
            return;
        }
        GroupService.Status s = service.status();
        JsonObjectBuilder out = Json.createObjectBuilder().add("coordinator", s.coordinator());
        s.state().ifPresent(g -> {
            out.add("epoch", g.epoch()).add("master", g.master()).add("phase", g.phase().name())
                    .add("firstSequence", g.firstSequence()).add("sinceMillis", g.sinceMillis());
            var history = Json.createArrayBuilder();
            for (GroupState.Promotion p : g.history()) {
                history.add(Json.createObjectBuilder().add("epoch", p.epoch()).add("master", p.master())
                        .add("previous", p.previous()).add("fromSequence", p.fromSequence()));
            }
            out.add("history", history);
        });
        JsonObjectBuilder members = Json.createObjectBuilder();
        for (Map.Entry<String, String> m : s.members().entrySet()) {
            String[] f = m.getValue().split("\\|");
            members.add(m.getKey(), Json.createObjectBuilder().add("status", f[0]).add("role", f.length > 1 ? f[1] : "")
                    .add("epoch", f.length > 2 ? f[2] : ""));
        }
        out.add("members", members);
        JsonObjectBuilder tails = Json.createObjectBuilder();
        for (Map.Entry<String, String> t : s.tails().entrySet()) {
            String[] f = t.getValue().split("\\|");
            tails.add(t.getKey(), Json.createObjectBuilder().add("epoch", f[0]).add("changes", f.length > 1 ? f[1] : ""));
        }
        out.add("tails", tails);
        resp.getWriter().write(out.build().toString());
    }
}
