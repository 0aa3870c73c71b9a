package org.qoscluster.qrs.internal;

import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.qoscluster.contract.ForwardedHeaders;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UidCookie;
import org.qoscluster.qrs.Inbound;
import org.qoscluster.qrs.Outbound;

/**
 * Which headers cross the router, each way, and the ones it adds: hop-by-hop headers (RFC 9110
 * 7.6.1) and those a connection lists stay behind, a client never sets the router's own
 * {@code X-QoS-*} headers, and {@code X-Forwarded-*} are believed only from a trusted proxy.
 */
final class ProxyHeaders {

    /** Hop-by-hop headers (RFC 9110 7.6.1) and those the client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");
    /** Besides {@code X-Forwarded-*}, what proxies say of the client, believed only from a trusted one. */
    private static final Set<String> PROXIES_SAY = Set.of("forwarded", "x-real-ip");
    private static final String STATE_CHANGE_HEADER = StateChangeFlag.ANNOUNCE_HEADER.toLowerCase(Locale.ROOT);
    private static final String USER_CLASSES_HEADER = org.qoscluster.contract.UserClasses.ANNOUNCE_HEADER.toLowerCase(Locale.ROOT);

    private final RouterRuntime router;

    ProxyHeaders(RouterRuntime router) {
        this.router = router;
    }

    /** The client's headers the node gets: not hop-by-hop, no {@code X-QoS-*}, {@code X-Forwarded-*} only from a trusted proxy, the cookie without the UID. */
    void copyRequest(Inbound req, HttpFields.Mutable headers) {
        Set<String> dropped = connectionListed(req.headers("Connection"));
        boolean trusted = router.settings().trusted(req.remoteAddr());
        req.forEachHeader((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(lower) || dropped.contains(lower) || lower.startsWith("x-qos-")
                    || (!trusted && (lower.startsWith("x-forwarded-") || PROXIES_SAY.contains(lower)))) {
                return;
            }
            if (lower.equals("cookie")) {
                // The node gets the verified identity in X-QoS-UID, never the raw cookie.
                value = Cookies.without(value, router.settings().cookieName());
                if (value.isEmpty()) {
                    return;
                }
            }
            headers.add(name, value);
        });
    }

    /** The router's own headers: forwarded-for/proto/host, the signed UID, user class and client, the service class. */
    void addProxyHeaders(Exchange ex, HttpFields.Mutable headers) {
        Inbound req = ex.in;
        String remote = req.remoteAddr();
        boolean trusted = router.settings().trusted(remote);
        // Every X-Forwarded-For line, in order (RFC 9110 5.3): a proxy that adds a line of its own
        // names the last hop there, and the client's own line must not stand for it.
        String prior = trusted ? allValues(req, "X-Forwarded-For") : null;
        headers.put("X-Forwarded-For", prior == null ? remote : prior + ", " + remote);
        if (!trusted || req.header("X-Forwarded-Proto") == null) {
            headers.put("X-Forwarded-Proto", req.scheme());
        }
        if (!trusted || req.header("X-Forwarded-Host") == null) {
            headers.put("X-Forwarded-Host", req.header("Host"));
        }
        headers.put(ForwardedHeaders.UID, ex.signedUid);
        String client = lastHop(prior, remote);
        UidCookie uids = router.uidCookie();
        if (ex.issuedCookie != null) {
            // A UID issued for this request: its signatures are made, not kept (they are kept once
            // the user comes back with the cookie), so that requests without a cookie, however
            // many, never push returning users' signatures out of the cache.
            headers.put(ForwardedHeaders.ISSUED, uids.signIssued(ex.uid));
            headers.put(ForwardedHeaders.USER_CLASS, uids.signUserClass(ex.uid, ex.userClass));
            headers.put(ForwardedHeaders.CLIENT, uids.signClient(ex.uid, client));
        } else {
            headers.put(ForwardedHeaders.USER_CLASS, router.signedUserClass(ex.uid, ex.userClass));
            headers.put(ForwardedHeaders.CLIENT, router.signedClient(ex.uid, client));
        }
        headers.put(ForwardedHeaders.SERVICE_CLASS, ex.serviceClass.name());
    }

    /**
     * The client as the node should count it, signed in {@code X-QoS-Client}: the connection's
     * peer, or the last hop a trusted proxy names in {@code X-Forwarded-For}. A client that is not
     * trusted cannot name another address.
     */
    String client(Inbound req) {
        String remote = req.remoteAddr();
        return router.settings().trusted(remote) ? lastHop(allValues(req, "X-Forwarded-For"), remote) : remote;
    }

    /** The last address of a trusted proxy's {@code X-Forwarded-For} lines, or the peer without any. */
    private static String lastHop(String forwardedFor, String remote) {
        return forwardedFor == null ? remote : forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).strip();
    }

    /** The values of header {@code name}, all its lines joined with commas; null without one. */
    private static String allValues(Inbound req, String name) {
        java.util.Enumeration<String> values = req.headers(name);
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        StringBuilder joined = new StringBuilder(values.nextElement());
        while (values.hasMoreElements()) {
            joined.append(", ").append(values.nextElement());
        }
        return joined.toString();
    }

    /** The node's response headers the client gets: not hop-by-hop, not the state-change announcement, no {@code Server}. */
    void copyResponse(HttpFields headers, Outbound resp) {
        Set<String> dropped = connectionListed(Collections.enumeration(headers.getValuesList(HttpHeader.CONNECTION)));
        for (HttpField field : headers) {
            String lower = field.getLowerCaseName();
            if (lower.equals("server") || lower.equals(STATE_CHANGE_HEADER) || lower.equals(USER_CLASSES_HEADER) || dropped.contains(lower)
                    || (NOT_FORWARDED.contains(lower) && !lower.equals("content-length"))) {
                continue;
            }
            if (lower.equals("date")) {
                resp.setHeader(field.getName(), field.getValue()); // in place of the one the router's server adds
            } else {
                resp.addHeader(field.getName(), field.getValue());
            }
        }
    }

    private static Set<String> connectionListed(java.util.Enumeration<String> values) {
        return new HashSet<>(tokens(values));
    }

    /**
     * The comma-separated tokens of a header's lines (RFC 9110 5.6.1), in order, stripped and in
     * lower case, blank ones left out: the names {@code Connection} lists, the codings of
     * {@code Transfer-Encoding}.
     */
    static java.util.List<String> tokens(java.util.Enumeration<String> lines) {
        java.util.List<String> tokens = new java.util.ArrayList<>();
        if (lines != null) {
            for (String line : Collections.list(lines)) {
                for (String token : line.split(",")) {
                    if (!token.isBlank()) {
                        tokens.add(token.strip().toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        return tokens;
    }
}
