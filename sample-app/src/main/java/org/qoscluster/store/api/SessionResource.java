package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionContext;

/**
 * {@code GET /api/session}: what the Session Synchronizer told this request about its user: the
 * UID, the user class, the database-state-change flag and the node of the last write, and the
 * node that answered. Only the caller's own identity is shown.
 */
@Path("/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    public record SessionView(String uid, String userClass, String node, StateChangeFlag stateChange,
                              String lastWriteNode) {
    }

    @Inject
    @ConfigProperty(name = "qos.member.name", defaultValue = "standalone")
    private String node;

    @GET
    public SessionView session() {
        return SessionContext.current()
                .map(c -> new SessionView(c.uid(), c.userClass(), node, c.stateChange().orElse(null),
                        c.lastWriteNode().orElse(null)))
                .orElseThrow(() -> new jakarta.ws.rs.WebApplicationException(ApiError.response(503,
                        "session: the Session Synchronizer is not in front of this request (qos.session.enabled=false?)")));
    }
}
