package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.qoscluster.store.service.Cart;
import org.qoscluster.store.service.Catalog;
import org.qoscluster.store.service.Orders;
import org.qoscluster.store.service.StoreException;
import org.qoscluster.store.service.Views.CartView;

/** The session's cart: {@code GET /api/cart}, {@code POST /api/cart/items}, {@code PUT|DELETE /api/cart/items/{id}}. */
@Path("/cart")
@Produces(MediaType.APPLICATION_JSON)
public class CartResource {

    @Inject
    private Catalog catalog;

    @Inject
    private Orders orders;

    @Context
    private HttpServletRequest request;

    @GET
    public CartView cart() {
        return orders.price(SessionState.cart(request));
    }

    @POST
    @Path("/items")
    @Consumes(MediaType.APPLICATION_JSON)
    public CartView add(String body) {
        Bodies.AddItem in = JsonBodies.read(body, Bodies.AddItem.class);
        long productId = JsonBodies.wholeNumber(in.productId, "productId", 1, Long.MAX_VALUE);
        int quantity = (int) JsonBodies.wholeNumber(in.quantity, "quantity", 1, Cart.MAX_QUANTITY);
        catalog.product(productId);
        Cart cart = SessionState.cart(request);
        cart.add(productId, quantity);
        SessionState.saveCart(request, cart);
        return orders.price(cart);
    }

    @PUT
    @Path("/items/{id:[0-9]{1,18}}")
    @Consumes(MediaType.APPLICATION_JSON)
    public CartView set(@PathParam("id") long productId, String body) {
        Bodies.SetQuantity in = JsonBodies.read(body, Bodies.SetQuantity.class);
        Cart cart = SessionState.cart(request);
        cart.set(productId, (int) JsonBodies.wholeNumber(in.quantity, "quantity", 1, Cart.MAX_QUANTITY));
        SessionState.saveCart(request, cart);
        return orders.price(cart);
    }

    @DELETE
    @Path("/items/{id:[0-9]{1,18}}")
    public CartView remove(@PathParam("id") long productId) {
        Cart cart = SessionState.cart(request);
        if (!cart.remove(productId)) {
            throw StoreException.notFound("product " + productId + " is not in the cart");
        }
        SessionState.saveCart(request, cart);
        return orders.price(cart);
    }
}
