package org.qoscluster.store.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The body of every error the API returns: {@code {"status":400,"error":"quantity: -1 is not between 1 and 99"}}.
 */
public record ApiError(int status, String error) {

    static Response response(int status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(status, error)).build();
    }
}
