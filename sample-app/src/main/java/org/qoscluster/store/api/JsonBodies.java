package org.qoscluster.store.api;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbException;

import org.qoscluster.store.service.StoreException;

/**
 * Parses request bodies here rather than in the JAX-RS provider, so that a malformed body gets
 * a 400 that says what was wrong with it.
 */
final class JsonBodies {

    private static final Jsonb JSONB = JsonbBuilder.create();
    private static final int MAX_BODY = 16 * 1024;

    private JsonBodies() {
    }

    static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw StoreException.badRequest("body: empty, a JSON object is expected");
        }
        if (body.length() > MAX_BODY) {
            throw StoreException.badRequest("body: longer than " + MAX_BODY + " characters");
        }
        if (!body.strip().startsWith("{")) {
            throw StoreException.badRequest("body: not a JSON object");
        }
        try {
            T value = JSONB.fromJson(body, type);
            if (value == null) {
                throw StoreException.badRequest("body: not a JSON object");
            }
            return value;
        } catch (JsonbException e) {
            throw StoreException.badRequest("body: malformed JSON (" + rootMessage(e) + ")");
        }
    }

    static <T> T require(T value, String field) {
        if (value == null) {
            throw StoreException.badRequest(field + ": missing");
        }
        return value;
    }

    /** A whole number from {@code min} to {@code max}, else a 400 naming the field and echoing the value. */
    static long wholeNumber(java.math.BigDecimal value, String field, long min, long max) {
        require(value, field);
        try {
            long n = value.longValueExact();
            if (n >= min && n <= max) {
                return n;
            }
        } catch (ArithmeticException e) {
            // not whole, or beyond a long: refused below
        }
        String shown = value.toPlainString();
        if (shown.length() > 40) {
            shown = shown.substring(0, 40) + "...";
        }
        throw StoreException.badRequest(field + ": " + shown + " is not a whole number between " + min + " and " + max);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
