package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code GET /api/ping}: {@code {"node":"node-1"}}, the node that answered, without touching the
 * database or the session: the cheapest request the store serves (for benchmarks of what sits
 * in front of it, and for a quick look at which node a request reached).
 */
@Path("/ping")
@Produces(MediaType.APPLICATION_JSON)
public class PingResource {

    public record Ping(String node) {
    }

    @Inject
    @ConfigProperty(name = "qos.member.name", defaultValue = "standalone")
    private String node;

    @GET
    public Ping ping() {
        return new Ping(node);
    }
}
