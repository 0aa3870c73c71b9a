package org.qoscluster.qrs.internal;

import java.io.IOException;

import jakarta.json.spi.JsonProvider;
import jakarta.servlet.http.HttpServletResponse;

/** The router's error replies: JSON, like the store's, {@code {"status":503,"error":"..."}}. */
public final class Errors {

    /** Looked up once: {@code Json.createObjectBuilder()} looks for a provider on every call, reading files. */
    private static final JsonProvider JSON = JsonProvider.provider();

    /** The body of an error answer. */
    public static String json(int status, String message) {
        return JSON.createObjectBuilder().add("status", status).add("error", message).build().toString();
    }

    private Errors() {
    }

    static void send(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(json(status, message));
    }
}
