package org.qoscluster.redundancy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An operator's request to a group's coordinator as it travels through the cluster's shared map
 * ({@code qos-group-requests}), signed with the admin token: the node that took the operator's
 * call (which checked the token) signs it, and the coordinator carries out only a request whose
 * signature is right and that is fresh. Anyone else who can write to the map (every member and
 * client of the data grid) can make the coordinator do nothing.
 *
 * <p>The signature is the HMAC-SHA256, keyed with the admin token, of
 * {@code GROUP ID KIND ISSUED_MILLIS ARGUMENT}: a request signed for one group is no request for
 * another. Shared form {@code ID KIND ISSUED_MILLIS SIGNATURE ARGUMENT} (the argument last, it may
 * be empty), {@link #encode()} and {@link #decode} the one codec.
 */
public record SignedRequest(String group, Coordinator.Request request, long issuedMillis, String signature) {

    /** How old a request may be when the coordinator takes it, and how far in the future (clocks differ). */
    public static final Duration MAX_AGE = Duration.ofMinutes(2);

    public SignedRequest {
        if (group == null || request == null || signature == null) {
            throw new IllegalArgumentException("signed request: group, request and signature are required");
        }
    }

    /** {@code request} for {@code group}, issued at {@code issuedMillis}, signed with {@code token}. */
    public static SignedRequest sign(String group, Coordinator.Request request, long issuedMillis, String token) {
        return new SignedRequest(group, request, issuedMillis, mac(token, signedText(group, request, issuedMillis)));
    }

    /** {@code ID KIND ISSUED_MILLIS SIGNATURE ARGUMENT}. */
    public String encode() {
        return request.id() + " " + request.kind() + " " + issuedMillis + " " + signature + " " + request.argument();
    }

    /** The request in {@code value}, found under {@code group}'s key; empty for null or a malformed value. */
    public static Optional<SignedRequest> decode(String group, String value) {
        String[] f = value == null ? new String[0] : value.split(" ", 5);
        if (f.length != 5 || f[0].isEmpty() || f[3].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SignedRequest(group, new Coordinator.Request(f[0], Coordinator.Kind.valueOf(f[1]), f[4]),
                    Long.parseLong(f[2]), f[3]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Why the coordinator must not carry this request out, if it must not: no admin token to check
     * it with, a signature that is not the token's over this request, or issued more than
     * {@link #MAX_AGE} before or after {@code nowMillis}.
     */
    public Optional<String> refusal(String token, long nowMillis) {
        if (token == null || token.isEmpty()) {
            return Optional.of("this node has no admin token to check the request's signature with");
        }
        byte[] expected = mac(token, signedText(group, request, issuedMillis)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("its signature is not the admin token's over the request");
        }
        if (Math.abs(nowMillis - issuedMillis) > MAX_AGE.toMillis()) {
            return Optional.of("it was issued " + (nowMillis - issuedMillis) + " ms ago, outside " + MAX_AGE.toMillis() + " ms");
        }
        return Optional.empty();
    }

    private static String signedText(String group, Coordinator.Request r, long issuedMillis) {
        return group + " " + r.id() + " " + r.kind() + " " + issuedMillis + " " + r.argument();
    }

    private static String mac(String token, String text) {
        if (token == null || token.isEmpty()) {
            return "-";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
