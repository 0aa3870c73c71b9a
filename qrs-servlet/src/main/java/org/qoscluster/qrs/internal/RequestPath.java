package org.qoscluster.qrs.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Normalises a request's path before it is classified and forwarded, so that the router and the
 * node agree on which resource a request names: {@code GET /api/cart/../products} is a request
 * for {@code /api/products} and gets that path's service class, not the cart's.
 *
 * <p>Empty segments ({@code //}) and {@code .} segments are dropped and {@code ..} removes the
 * segment before it (RFC 3986 5.2.4). A path is refused when its meaning depends on how a later
 * hop decodes it, or when it climbs above the root: a percent-encoded dot, slash, backslash or
 * NUL, a literal backslash, a dot segment with parameters ({@code ..;x}), a {@code ..} at the root.
 */
public final class RequestPath {

    private RequestPath() {
    }

    /**
     * The normalised form of a raw (not decoded) request path.
     *
     * @throws IllegalArgumentException naming what is wrong with the path
     */
    public static String normalize(String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            throw new IllegalArgumentException("the path must begin with /");
        }
        String lower = rawPath.toLowerCase(Locale.ROOT);
        for (String encoded : new String[] {"%2e", "%2f", "%5c", "%00"}) {
            if (lower.contains(encoded)) {
                throw new IllegalArgumentException("the path holds an encoded dot, slash, backslash or NUL (" + encoded + ")");
            }
        }
        if (rawPath.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("the path holds a backslash");
        }
        Deque<String> kept = new ArrayDeque<>();
        String[] segments = rawPath.substring(1).split("/", -1);
        for (String segment : segments) {
            int semicolon = segment.indexOf(';');
            String name = semicolon < 0 ? segment : segment.substring(0, semicolon);
            if ((name.equals(".") || name.equals("..")) && semicolon >= 0) {
                throw new IllegalArgumentException("the path holds a dot segment with parameters (" + segment + ")");
            }
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (kept.isEmpty()) {
                    throw new IllegalArgumentException("the path climbs above the root");
                }
                kept.removeLast();
                continue;
            }
            kept.addLast(segment);
        }
        String last = segments[segments.length - 1];
        boolean trailingSlash = !kept.isEmpty() && (last.isEmpty() || last.equals(".") || last.equals(".."));
        return "/" + String.join("/", kept) + (trailingSlash ? "/" : "");
    }

    /**
     * The path a normalised path names for matching the classes' rules: each segment without its
     * parameters ({@code /api;x/orders} is {@code /api/orders}, as the node's container reads it;
     * a segment of parameters alone is dropped, as an empty one is)
     * and with percent-encoded unreserved characters decoded ({@code /api/%6Frders} is
     * {@code /api/orders}, RFC 3986 6.2.2.2). Without it, a client could spell a path so that it
     * falls in another class than the one the node serves it as, and escape its class's cap and
     * shedding. The path forwarded to the node stays as normalised.
     */
    public static String forRules(String normalized) {
        if (normalized.indexOf(';') < 0 && normalized.indexOf('%') < 0) {
            return normalized;
        }
        StringBuilder out = new StringBuilder(normalized.length());
        boolean parameters = false;
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            if (c == '/') {
                parameters = false;
                if (out.length() > 0 && out.charAt(out.length() - 1) == '/') {
                    continue; // a segment of parameters alone ("/api/;x/orders") names none, as "//" does not
                }
            } else if (c == ';') {
                parameters = true;
            }
            if (parameters) {
                continue;
            }
            if (c == '%' && i + 2 < normalized.length()) {
                int hi = Character.digit(normalized.charAt(i + 1), 16);
                int lo = Character.digit(normalized.charAt(i + 2), 16);
                char decoded = (char) (hi * 16 + lo);
                if (hi >= 0 && lo >= 0 && unreserved(decoded)) {
                    out.append(decoded);
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** RFC 3986 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
