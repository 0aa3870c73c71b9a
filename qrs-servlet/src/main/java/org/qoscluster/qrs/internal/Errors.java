package org.qoscluster.qrs.internal;

import java.io.IOException;

import jakarta.json.Json;
import jakarta.servlet.http.HttpServletResponse;

/** The router's error replies: JSON, like the store's, {@code {"status":503,"error":"..."}}. */
public final class Errors {

    /** The body of an error answer. */
    public static String json(int status, String message) {
        return Json.createObjectBuilder().add("status", status).add("error", message).build().toString();
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
