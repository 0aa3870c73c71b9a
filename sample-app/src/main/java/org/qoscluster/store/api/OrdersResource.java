package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.qoscluster.store.service.Cart;
import org.qoscluster.store.service.Orders;
import org.qoscluster.store.service.Views.OrderView;

/** {@code POST /api/orders} checks the session's cart out; {@code GET /api/orders} is the signed-in customer's history. */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
public class OrdersResource {

    @Inject
    private Orders orders;

    @Context
    private HttpServletRequest request;

    @POST
    public Response checkout() {
        long customer = SessionState.customer(request);
        OrderView order = orders.checkout(customer, SessionState.cart(request));
        SessionState.saveCart(request, new Cart());
        return Response.status(Response.Status.CREATED).entity(order).build();
    }

    @GET
    public Response history() {
        return ReadFrom.ok(orders.history(SessionState.customer(request)));
    }
}
