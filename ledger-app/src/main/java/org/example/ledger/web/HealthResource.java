package org.example.ledger.web;

import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * QoS Cluster: {@code GET /api/health}, for the ledger's users: 200 with {@code "database"}
 * naming the copy this node writes to (the Derby database property {@code qos.copy.name}, which
 * the cluster sets on every copy), 503 when the database does not answer. The launcher and the
 * router check the cluster's own page on each node ({@code /qos-group/health}), not this one.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    private static final Logger LOG = Logger.getLogger(HealthResource.class.getName());

    public record Health(String status, String database) {
    }

    @PersistenceContext(unitName = "ledger")
    private EntityManager em;

    @GET
    public Response health() {
        try {
            Object name = em.createNativeQuery("VALUES SYSCS_UTIL.SYSCS_GET_DATABASE_PROPERTY('qos.copy.name')").getSingleResult();
            return Response.ok(new Health("UP", String.valueOf(name))).build();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health check failed: {0}", e.toString());
            return Response.status(503).entity(new Health("DOWN", null)).build();
        }
    }
}
