package org.example.ledger.web;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Every error the API answers: {@code {"status":400,"error":"amountCents: must be greater than 0"}}. */
public record ApiError(int status, String error) {

    static Response response(int status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(status, error)).build();
    }
}
