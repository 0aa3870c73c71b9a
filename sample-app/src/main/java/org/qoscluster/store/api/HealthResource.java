package org.qoscluster.store.api;

import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.qoscluster.store.service.DatabaseIdentity;

/**
 * {@code GET /api/health}: 200 when this node serves the store and reaches its database
 * (the catalogue answers), 503 otherwise; {@code database} names the copy it reached. For the
 * store's users (and some tests): the router's health check and the launcher use the node's own
 * health page ({@code /qos-group/health}), which does not depend on any application.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    private static final Logger LOG = Logger.getLogger(HealthResource.class.getName());

    public record Health(String status, String node, String database, long products, String reason) {
    }

    @Inject
    private DatabaseIdentity database;

    @Inject
    @ConfigProperty(name = "qos.member.name", defaultValue = "standalone")
    private String node;

    @GET
    public Response health() {
        try {
            long products = database.productCount();
            return Response.ok(new Health("UP", node, database.copyName(), products, null)).build();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "node={0} health check failed: {1}", new Object[] {node, e.toString()});
            return Response.status(503).entity(new Health("DOWN", node, null, 0, e.toString())).build();
        }
    }
}
