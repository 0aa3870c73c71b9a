package org.qoscluster.qrs.internal;

import java.io.IOException;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.qrs.NodeRecord;

/**
 * {@code GET /qrs/site}: whether this site can serve (S2), as {@link SiteAvailability} judges it
 * at the moment of the request: the router has the cluster's maps, at least one node passes its
 * database health check, and every redundancy group has a master to write to. 200 when
 * available, else 503, with the reasons. Public: it is what a site DNS server polls; it tells
 * node, group and copy names, their health and the reasons, never an exception's text; and
 * {@code spareCapacity}, how many more requests in flight the site can take (the site DNS's
 * {@code load} policy, {@link SpareCapacity}).
 */
@WebServlet(urlPatterns = "/qrs/site")
public class SiteServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        RouterRuntime router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        SiteAvailability.Verdict site = router.site();
        JsonArrayBuilder nodes = Json.createArrayBuilder();
        for (NodeRecord n : router.nodes()) {
            nodes.add(Json.createObjectBuilder().add("name", n.name()).add("healthy", n.healthy()));
        }
        JsonArrayBuilder databases = Json.createArrayBuilder();
        for (SiteAvailability.GroupVerdict g : site.groups()) {
            JsonObjectBuilder group = Json.createObjectBuilder().add("group", g.group())
                    .add("state", g.state().code())
                    .add("master", g.master())
                    .add("judgedBy", g.judgedBy().code());
            if (g.state() != SiteAvailability.Database.UNMONITORED) {
                group.add("writable", g.writable());
            }
            if (g.epoch() > 0) {
                group.add("epoch", g.epoch());
            }
            g.reason().ifPresent(r -> group.add("reason", r));
            databases.add(group);
        }
        JsonArrayBuilder reasons = Json.createArrayBuilder();
        site.reasons().forEach(reasons::add);
        resp.setStatus(site.available() ? 200 : 503);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(Json.createObjectBuilder()
                .add("site", router.settings().cluster().clusterName())
                .add("available", site.available())
                .add("router", site.router())
                .add("healthyNodes", site.healthyNodes())
                .add("spareCapacity", router.spareCapacity(site))
                .add("database", site.database())
                .add("databases", databases)
                .add("reasons", reasons)
                .add("nodes", nodes).build().toString());
    }
}
