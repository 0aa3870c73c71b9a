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
 * {@code GET /qos-group/status} on every node, behind {@code Authorization: Bearer <admin token>}:
 * the redundancy group as JSON ({@code epoch}, {@code master}, {@code phase}, {@code coordinator},
 * {@code members} with each copy's status, role and epoch, {@code tails} set aside, {@code history}).
 */
@WebServlet(urlPatterns = "/status")
public class GroupStatusServlet extends HttpServlet {

    static final String SERVICE = "qos.group.service";
    static final String TOKEN = "qos.group.admin-token";
    private static final Logger LOG = Logger.getLogger(GroupStatusServlet.class.getName());

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        if (!AdminToken.matches(req.getHeader("Authorization"), (String) getServletContext().getAttribute(TOKEN))) {
            LOG.warning(() -> "group status request without a valid token from " + req.getRemoteAddr());
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"qos-group\"");
            resp.setStatus(401);
            resp.getWriter().write(Json.createObjectBuilder()
                    .add("error", "the group's endpoints need Authorization: Bearer <admin token>").build().toString());
            return;
        }
        GroupService service = (GroupService) getServletContext().getAttribute(SERVICE);
        if (service == null) {
            resp.setStatus(404);
            resp.getWriter().write(Json.createObjectBuilder()
                    .add("error", "no redundancy group: the cluster has no replicas").build().toString());
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
