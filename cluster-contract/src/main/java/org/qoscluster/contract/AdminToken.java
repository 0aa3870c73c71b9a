package org.qoscluster.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The admin endpoints' check: {@code Authorization: Bearer <qos.secret.admin-token>}, compared in constant time. */
public final class AdminToken {

    private AdminToken() {
    }

    /** Whether {@code authorizationHeader} carries {@code token}; false for a missing or other scheme. */
    public static boolean matches(String authorizationHeader, String token) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ") || token == null || token.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(authorizationHeader.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
