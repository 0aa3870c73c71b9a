package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.qoscluster.store.service.Customers;
import org.qoscluster.store.service.Views.CustomerView;

/**
 * {@code POST /api/customers {"name","email"}} signs in (registering a new e-mail address) and
 * remembers the customer in the session; the session gets a new id first, so an identity cookie
 * planted in the browser before sign-in never reaches the signed-in session. Signing in by e-mail
 * address alone is a demonstration: anyone who knows an address can sign in as its customer (from
 * their own browser); a real store checks a password or a link sent to the address here. {@code GET /api/customers/me} says who is signed in;
 * {@code PUT /api/customers/me {"name"}} renames them.
 */
@Path("/customers")
@Produces(MediaType.APPLICATION_JSON)
public class CustomersResource {

    @Inject
    private Customers customers;

    @Context
    private HttpServletRequest request;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public CustomerView signIn(String body) {
        Bodies.SignIn in = JsonBodies.read(body, Bodies.SignIn.class);
        SessionState.renewForSignIn(request);
        CustomerView c = customers.signIn(in.name, in.email);
        SessionState.signIn(request, c.id());
        return c;
    }

    @GET
    @Path("/me")
    public Response me() {
        return ReadFrom.ok(customers.customer(SessionState.customer(request)));
    }

    @PUT
    @Path("/me")
    @Consumes(MediaType.APPLICATION_JSON)
    public CustomerView rename(String body) {
        Bodies.Rename in = JsonBodies.read(body, Bodies.Rename.class);
        return customers.rename(SessionState.customer(request), in.name);
    }

    /**
     * Signs out: the whole session (customer and cart) ends. Under the Session Synchronizer the
     * user also gets a new identity, so the old cookie leads to nothing.
     */
    @DELETE
    @Path("/me")
    public Response signOut() {
        SessionState.signOut(request);
        return Response.noContent().build();
    }
}
