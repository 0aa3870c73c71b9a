package org.qoscluster.group.internal;

import java.io.IOException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.contract.AdminToken;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.Tail;

/**
 * The redundancy groups' HTTP endpoint on every node (R9): their status and the operators'
 * administration commands, behind {@code Authorization: Bearer <admin token>}; it checks the
 * parameters and hands each command to {@link GroupAdmin}. Every answer is JSON; a refusal has
 * {@code status} and {@code error} with the reason.
 * <ul>
 * <li>{@code GET /qos-group/status}: {@code epoch}, {@code master}, {@code phase}, {@code running},
 * {@code coordinator}, {@code copies} with each copy's address, number, status, role and epoch,
 * {@code tails} set aside, {@code history}, {@code timeline}: the events of the last changes of masters
 * by epoch ({@code source}, {@code event}, {@code millis}).</li>
 * <li>{@code POST /qos-group/switchover?to=COPY}: a planned switchover without loss (200 once the
 * new master takes writes, 202 while it is under way after 30 s; 400 for an unknown copy, 409 for
 * the master itself, a copy that is not available or behind, a stopped group or one in the middle
 * of a change).</li>
 * <li>{@code POST /qos-group/copies?name=NAME&host=HOST&port=PORT}: adds a copy (its Derby network
 * server must answer there); it gets a copy of the master, then the changes. 409 for a name or
 * address taken, or no database answering.</li>
 * <li>{@code DELETE /qos-group/copies?name=NAME}: removes a copy (400 unknown; 409 the master or the
 * last copy).</li>
 * <li>{@code POST /qos-group/stop} and {@code POST /qos-group/start}: no failover, switchover or
 * shipping while stopped; the master keeps the writes (409 when stopped or running already).</li>
 * <li>{@code POST /qos-group/move?name=NAME&to=GROUP}: moves a copy from the group that has it
 * to another (removed, then added at the same address, where it gets that group's copy).</li>
 * </ul>
 * Every endpoint but {@code move} takes {@code group=NAME} for a group besides the application's
 * ({@code qos.groups}; 404 for one that does not exist). A request the coordinator has not
 * answered in 30 s (the group is between masters) is 503.
 */
@WebServlet(urlPatterns = {"/status", "/switchover", "/copies", "/stop", "/start", "/move"})
public class GroupEndpoint extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String SERVICE = "qos.group.service";
    private static final String NAME = "[A-Za-z0-9._-]{1,64}";
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(30);
    static final String TOKEN = "qos.group.admin-token";
    private static final Logger LOG = Logger.getLogger(GroupEndpoint.class.getName());

    /** The group service, or null once the request was answered with an error (no token, no group). */
    private GroupService admitted(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        if (!AdminToken.matches(req.getHeader("Authorization"), (String) getServletContext().getAttribute(TOKEN))) {
            LOG.log(Level.WARNING, "group request without a valid token from {0}", req.getRemoteAddr());
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
        String group = group(req, resp);
        if (group == null) {
            return;
        }
        try {
            switch (req.getServletPath()) {
                case "/switchover" -> {
                    String to = req.getParameter("to");
                    if (to == null || !to.matches(NAME)) {
                        error(resp, 400, "to: give the copy to switch over to, for example ?to=replica-1");
                        return;
                    }
                    answer(resp, group, "switchover to " + to, service.admin().switchover(group, to, WAIT));
                }
                case "/copies" -> {
                    String name = req.getParameter("name");
                    String host = req.getParameter("host");
                    String port = req.getParameter("port");
                    if (name == null || !name.matches(NAME)) {
                        error(resp, 400, "name: give the new copy's name (letters, digits, '.', '_', '-'; at most 64)");
                        return;
                    }
                    if (host == null || !host.matches("[A-Za-z0-9.-]{1,253}")) {
                        error(resp, 400, "host: give the host name or address of the copy's Derby network server");
                        return;
                    }
                    if (port == null || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65_535) {
                        error(resp, 400, "port: '" + port + "' is not a port (1..65535) of the copy's Derby network server");
                        return;
                    }
                    answer(resp, group, "add " + name, service.admin().add(group, name, host, Integer.parseInt(port), WAIT));
                }
                case "/move" -> {
                    String name = req.getParameter("name");
                    String to = req.getParameter("to");
                    if (name == null || !name.matches(NAME) || to == null || !to.matches(NAME)) {
                        error(resp, 400, "name and to: give the copy to move and the group to move it to,"
                                + " for example ?name=replica-2&to=archive");
                        return;
                    }
                    answer(resp, to, "move " + name + " to " + to, service.admin().move(name, to, WAIT));
                }
                case "/stop", "/start" -> answer(resp, group, req.getServletPath().substring(1),
                        service.admin().stopOrStart(group, req.getServletPath().equals("/stop"), WAIT));
                default -> error(resp, 405, "GET is for /qos-group/status");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(resp, 503, "interrupted");
        }
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        GroupService service = admitted(req, resp);
        if (service == null) {
            return;
        }
        if (!"/copies".equals(req.getServletPath())) {
            error(resp, 405, "DELETE is for /qos-group/copies?name=NAME");
            return;
        }
        String name = req.getParameter("name");
        if (name == null || !name.matches(NAME)) {
            error(resp, 400, "name: give the copy to remove, for example ?name=replica-2");
            return;
        }
        String group = group(req, resp);
        if (group == null) {
            return;
        }
        try {
            answer(resp, group, "remove " + name, service.admin().remove(group, name, WAIT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(resp, 503, "interrupted");
        }
    }

    /** The {@code group} parameter (the application's group when absent), or null once answered with an error. */
    private static String group(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String group = req.getParameter("group");
        if (group == null) {
            return GroupState.DEFAULT_GROUP;
        }
        if (!group.matches(NAME)) {
            error(resp, 400, "group: '" + group + "' is not a group name");
            return null;
        }
        return group;
    }

    private static void answer(HttpServletResponse resp, String group, String what, GroupAdmin.Outcome o) throws IOException {
        LOG.log(Level.INFO, "group={0} {1}: {2} {3}", new Object[] {group, what, String.valueOf(o.status()), o.message()});
        JsonObjectBuilder out = Json.createObjectBuilder().add("status", o.status()).add(o.status() >= 400 ? "error" : "result", o.message());
        o.state().ifPresent(g -> out.add("epoch", g.epoch()).add("master", g.master()).add("phase", g.phase().name())
                .add("running", !g.stopped()).add("copies", Json.createArrayBuilder(g.copyNames())));
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
            error(resp, 405, "GET is for /qos-group/status; the others are POST (switchover, copies, move, stop, start)"
                    + " and DELETE (copies)");
            return;
        }
        String group = group(req, resp);
        if (group == null) {
            return;
        }
        java.util.Optional<GroupStatus> found = service.status(group);
        if (found.isEmpty()) {
            error(resp, 404, "no group '" + group + "' (groups: " + service.groupNames() + ")");
            return;
        }
        GroupStatus s = found.get();
        JsonObjectBuilder out = Json.createObjectBuilder().add("group", s.group()).add("groups", Json.createArrayBuilder(service.groupNames()))
                .add("coordinator", s.coordinator());
        s.state().ifPresent(g -> {
            out.add("epoch", g.epoch()).add("master", g.master()).add("phase", g.phase().name()).add("running", !g.stopped())
                    .add("firstSequence", g.firstSequence()).add("sinceMillis", g.sinceMillis());
            var history = Json.createArrayBuilder();
            for (GroupState.Promotion p : g.history()) {
                history.add(Json.createObjectBuilder().add("epoch", p.epoch()).add("master", p.master())
                        .add("previous", p.previous()).add("fromSequence", p.fromSequence()));
            }
            out.add("history", history);
        });
        JsonObjectBuilder copies = Json.createObjectBuilder();
        for (GroupState.Copy m : s.state().map(GroupState::copies).orElse(java.util.List.of())) {
            java.util.Optional<CopyStatus> c = java.util.Optional.ofNullable(s.copies().get(m.name()));
            JsonObjectBuilder copy = Json.createObjectBuilder().add("address", m.host() + ":" + m.port()).add("number", m.number())
                    .add("status", c.map(CopyStatus::status).orElse("UNKNOWN"))
                    .add("role", c.map(x -> x.role().code()).orElse(""))
                    .add("epoch", c.map(x -> Long.toString(x.epoch())).orElse(""));
            ReplicaWatermark w = s.watermarks().get(m.name());
            if (w != null) {
                // How far the replica is: what it holds of that epoch's master, as of when.
                copy.add("replication", Json.createObjectBuilder().add("epoch", Long.toString(w.epoch()))
                        .add("watermark", Long.toString(w.sequence())).add("asOfMillis", w.epochMillis()).add("lagMillis", w.lagMillis()));
            }
            copies.add(m.name(), copy);
        }
        out.add("copies", copies);
        JsonObjectBuilder tails = Json.createObjectBuilder();
        for (Map.Entry<String, Tail> t : s.tails().entrySet()) {
            tails.add(t.getKey(), Json.createObjectBuilder().add("epoch", Long.toString(t.getValue().epoch()))
                    .add("changes", Long.toString(t.getValue().changes())));
        }
        out.add("tails", tails);
        JsonObjectBuilder timeline = Json.createObjectBuilder();
        s.timeline().forEach((epoch, events) -> {
            var list = Json.createArrayBuilder();
            events.forEach(e -> list.add(Json.createObjectBuilder().add("source", e.source()).add("event", e.event())
                    .add("millis", e.epochMillis())));
            timeline.add(Long.toString(epoch), list);
        });
        out.add("timeline", timeline);
        resp.getWriter().write(out.build().toString());
    }
}
