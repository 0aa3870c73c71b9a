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
}
