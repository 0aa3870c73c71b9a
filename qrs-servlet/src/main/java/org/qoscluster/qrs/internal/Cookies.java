package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Finds one cookie in the raw {@code Cookie} headers without trusting the container's cookie
 * parser, so a garbled header costs the user their cookie, never an error page.
 */
final class Cookies {

    private static final int MAX_HEADER = 8192;

    private Cookies() {
    }

    /** A {@code Cookie} header value with every cookie called {@code name} taken out. */
    static String without(String header, String name) {
        StringBuilder kept = new StringBuilder();
        for (String pair : header.split(";")) {
            int eq = pair.indexOf('=');
            String cookie = eq > 0 ? pair.substring(0, eq).strip() : pair.strip();
            if (!cookie.equals(name) && !pair.isBlank()) {
                if (kept.length() > 0) {
                    kept.append("; ");
                }
                kept.append(pair.strip());
            }
        }
        return kept.toString();
    }

    static Optional<String> value(Enumeration<String> headers, String name) {
        if (headers == null) {
            return Optional.empty();
        }
        for (String header : Collections.list(headers)) {
            if (header == null || header.length() > MAX_HEADER) {
                continue;
            }
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
                    String v = pair.substring(eq + 1).strip();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                        v = v.substring(1, v.length() - 1);
                    }
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    /** The values of the cookies called {@code name} that {@code setCookies} (Set-Cookie header values) set, in order. */
    static List<String> setBy(List<String> setCookies, String name) {
        List<String> values = new ArrayList<>();
        for (String setCookie : setCookies) {
            int eq = setCookie.indexOf('=');
            if (eq > 0 && setCookie.substring(0, eq).strip().equals(name)) {
                int end = setCookie.indexOf(';');
                values.add(setCookie.substring(eq + 1, end < 0 ? setCookie.length() : end).strip());
            }
        }
        return values;
    }
}
