package org.qoscluster.qrs.internal;

import java.io.IOException;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.qoscluster.qrs.NodeRecord;

/**
 * {@code GET /qrs/site}: whether this site can serve (S2): the router answers, and at least one
 * node passes its health check, which reads from the database. 200 when available, else 503.
 * Public: it is what a site DNS server polls; it tells no more than node names and health.
 */
@WebServlet(urlPatterns = "/qrs/site")
public class SiteServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        RouterRuntime router = (RouterRuntime) getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        JsonArrayBuilder nodes = Json.createArrayBuilder();
        long healthy = 0;
        for (NodeRecord n : router.nodes()) {
            nodes.add(Json.createObjectBuilder().add("name", n.name()).add("healthy", n.healthy()));
            healthy += n.healthy() ? 1 : 0;
        }
        boolean available = router.siteAvailable();
        resp.setStatus(available ? 200 : 503);
        resp.setContentType("application/json");
        resp.getWriter().write(Json.createObjectBuilder()
                .add("site", router.settings().cluster().clusterName())
                .add("available", available)
                .add("router", true)
                .add("healthyNodes", healthy)
                .add("database", available)
                .add("nodes", nodes).build().toString());
    }
}
