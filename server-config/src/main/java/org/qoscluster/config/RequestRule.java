package org.qoscluster.config;

/**
 * Matches a request by method and path: {@code GET /api/products*} matches a GET of any path
 * that starts with {@code /api/products}; {@code * /api/cart} matches any method on exactly that path.
 *
 * @param method      upper-case HTTP method, or {@code *} for any
 * @param pathPattern path, optionally ending with {@code *} for a prefix match
 */
public record RequestRule(String method, String pathPattern) {

    /** Whether a request with this method and path falls under the rule. */
    public boolean matches(String requestMethod, String path) {
        if (!"*".equals(method) && !method.equals(requestMethod)) {
            return false;
        }
        if (pathPattern.endsWith("*")) {
            return path.startsWith(pathPattern.substring(0, pathPattern.length() - 1));
        }
        return path.equals(pathPattern);
    }

    @Override
    public String toString() {
        return method + " " + pathPattern;
    }
}
