package org.example.ledger.web;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/recent}: the accounts this visitor looked at lately, newest first (from the HTTP session). */
@Path("/recent")
@Produces(MediaType.APPLICATION_JSON)
public class RecentResource {

    public record Recent(List<Long> accountIds) {
    }

    @Context
    private HttpServletRequest request;

    @GET
    public Recent recent() {
        HttpSession session = request.getSession(false);
        Object recent = session == null ? null : session.getAttribute(AccountsResource.RECENT);
        return new Recent(recent instanceof RecentAccounts r ? r.ids() : List.of());
    }
}
