package org.qoscluster.store.api;

import jakarta.ws.rs.core.Response;

import org.qoscluster.store.service.Views.Served;

/**
 * Replies to a read with the header {@value #HEADER}: the database copy that answered it, as the
 * copy names itself ({@code master}, {@code replica-1}, ...). Shows where reads go.
 */
final class ReadFrom {

    static final String HEADER = "X-Qos-Read-From";

    private ReadFrom() {
    }

    static Response ok(Served<?> served) {
        return Response.ok(served.value()).header(HEADER, served.readFrom()).build();
    }
}
