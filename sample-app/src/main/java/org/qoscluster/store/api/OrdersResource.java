package org.qoscluster.store.api;

import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.qoscluster.store.service.Cart;
import org.qoscluster.store.domain.CustomerOrder;
import org.qoscluster.store.service.Orders;
import org.qoscluster.store.service.RolledBack;
import org.qoscluster.store.service.StoreException;

/**
 * {@code POST /api/orders} checks the session's cart out; {@code GET /api/orders} is the signed-in
 * customer's history. A checkout may carry {@code Idempotency-Key} (1 to 100 visible ASCII
 * characters, chosen by the client per checkout): a retry with the same key (after a 502, 503 or
 * a lost answer) gets the first checkout's order back, marked {@code Idempotent-Replayed: true},
 * and places no second one.
 */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
public class OrdersResource {

    @Inject
    private Orders orders;

    @Context
    private HttpServletRequest request;

    @POST
    public Response checkout(@HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
        long customer = SessionState.customer(request);
        String key = checkKey(idempotencyKey);
        Orders.Placed placed;
        try {
            // A checkout the database rolled back on its own (a deadlock victim, a lock time-out)
            // wrote nothing: it runs again, as a new transaction.
            Cart cart = SessionState.cart(request);
            placed = RolledBack.retried(() -> orders.checkout(customer, cart, key));
        } catch (RuntimeException e) {
            // Two checkouts with one key and different carts ran at once: the database's unique
            // key let one of them place the order; this one answers with it.
            Optional<Orders.Placed> earlier = key == null ? Optional.empty()
                    : orders.placed(customer, key).map(o -> new Orders.Placed(o, true));
            placed = earlier.orElseThrow(() -> e);
        }
        SessionState.saveCart(request, new Cart());
        return Response.status(Response.Status.CREATED).entity(placed.order())
                .header("Idempotent-Replayed", placed.replayed()).build();
    }

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1," + CustomerOrder.MAX_KEY_LENGTH + "}");

    private static String checkKey(String key) {
        if (key == null) {
            return null;
        }
        if (!KEY.matcher(key).matches()) {
            String shown = key.length() > 40 ? key.substring(0, 40) + "..." : key;
            throw StoreException.badRequest(IDEMPOTENCY_KEY + ": '" + shown + "' is not 1 to " + CustomerOrder.MAX_KEY_LENGTH
                    + " visible ASCII characters");
        }
        return key;
    }

    @GET
    public Response history() {
        return ReadFrom.ok(orders.history(SessionState.customer(request)));
    }
}
