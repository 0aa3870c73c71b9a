package org.qoscluster.config;

/**
 * Matches a request by method and path: {@code GET /api/products*} matches a GET of any path
 * that starts with {@code /api/products}; {@code * /api/cart} matches any method on exactly that path.
 * A path may end in {@code **} too, which means the same as {@code *} (a prefix match at any depth),
 * so that {@code /api/**} reads as it does in other tools.
 *
 * @param method      upper-case HTTP method, or {@code *} for any
 * @param pathPattern path, optionally ending with {@code *} (or {@code **}) for a prefix match
 */
public record RequestRule(String method, String pathPattern) {

    /** Whether a request with this method and path falls under the rule. */
    public boolean matches(String requestMethod, String path) {
        if (!"*".equals(method) && !method.equals(requestMethod)) {
            return false;
        }
        return prefix() ? path.startsWith(fixedPart()) : path.equals(pathPattern);
    }

    /**
     * Whether every request this rule's {@code other} matches is matched by this rule as well:
     * its methods are among this rule's, and its paths among this rule's (a prefix pattern covers
     * every path and prefix pattern that starts with its prefix; an exact path covers only itself).
     */
    public boolean covers(RequestRule other) {
        boolean methods = "*".equals(method) || (!"*".equals(other.method) && method.equals(other.method));
        if (!methods) {
            return false;
        }
        if (prefix()) {
            return other.fixedPart().startsWith(fixedPart());
        }
        return !other.prefix() && pathPattern.equals(other.pathPattern);
    }

    /** Whether the path is a prefix match (ends in {@code *}). */
    public boolean prefix() {
        return pathPattern.endsWith("*");
    }

    /** The path without its trailing {@code *}s: the prefix of a prefix match, else the whole path. */
    public String fixedPart() {
        int end = pathPattern.length();
        while (end > 0 && pathPattern.charAt(end - 1) == '*') {
            end--;
        }
        return pathPattern.substring(0, end);
    }

    @Override
    public String toString() {
        return method + " " + pathPattern;
    }
}
