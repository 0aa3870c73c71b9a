package org.qoscluster.store.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.qoscluster.store.service.Catalog;

/** {@code GET /api/products?offset=0&limit=20&q=lamp} and {@code GET /api/products/{id}}. */
@Path("/products")
@Produces(MediaType.APPLICATION_JSON)
public class ProductsResource {

    @Inject
    private Catalog catalog;

    @GET
    public Response page(@QueryParam("offset") @DefaultValue("0") int offset,
                         @QueryParam("limit") @DefaultValue("20") int limit,
                         @QueryParam("q") String query) {
        return ReadFrom.ok(catalog.page(offset, limit, query));
    }

    @GET
    @Path("/{id:[0-9]{1,18}}")
    public Response product(@PathParam("id") long id) {
        return ReadFrom.ok(catalog.product(id));
    }
}
