package org.qoscluster.contract;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import java.util.random.RandomGenerator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The user identity (UID) cookie: {@code UID.SIGNATURE}, where UID is 16 random bytes and
 * SIGNATURE is HMAC-SHA256(key, UID), both base64url. Only the holder of the key can make a
 * value that verifies, so a client can keep its own identity but never take another's.
 */
public final class UidCookie {

    /** How long a browser keeps the UID cookie (a year), and the cookies that go with it. */
    public static final int MAX_AGE_SECONDS = 31_536_000;

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;
    private final RandomGenerator random;
    /** One initialised {@code Mac} per thread: looking one up and keying it costs more than the HMAC itself. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /**
     * @param key    HMAC key, at least 32 bytes
     * @param random source of new UIDs; a {@link java.security.SecureRandom} in production
     */
    public UidCookie(byte[] key, RandomGenerator random) {
        if (key.length < 32) {
            throw new IllegalArgumentException("UID key must be at least 32 bytes, is " + key.length);
        }
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.random = random;
    }

    /** A new random UID. */
    public String newUid() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** The cookie value that carries {@code uid}. */
    public String sign(String uid) {
        return uid + "." + B64.encodeToString(mac(uid));
    }

    /** The UID in a cookie value, if the value is well formed and its signature verifies. */
    public Optional<String> verify(String value) {
        if (value == null || !Shape.UID.matches(value)) {
            return Optional.empty();
        }
        String uid = value.substring(0, 22);
        return signs(value.substring(23), uid) ? Optional.of(uid) : Optional.empty();
    }

    /**
     * The forwarded user class of {@code uid}: {@code CLASS.SIGNATURE}, the signature binding the
     * class to that UID, so a node believes a user class only when the router vouched for it.
     */
    public String signUserClass(String uid, String userClass) {
        return userClass + "." + B64.encodeToString(mac("class:" + uid + ":" + userClass));
    }

    /** The user class in a value made by {@link #signUserClass} for {@code uid}, if it verifies. */
    public Optional<String> verifyUserClass(String uid, String value) {
        if (value == null || !Shape.USER_CLASS.matches(value)) {
            return Optional.empty();
        }
        int dot = value.lastIndexOf('.');
        String userClass = value.substring(0, dot);
        return signs(value.substring(dot + 1), "class:" + uid + ":" + userClass) ? Optional.of(userClass) : Optional.empty();
    }

    /**
     * The client address the router saw for {@code uid}: {@code ADDRESS.SIGNATURE}, so a node keys
     * its per-address limits on the address the router vouched for, never on one a client claims.
     */
    public String signClient(String uid, String address) {
        return address + "." + B64.encodeToString(mac("client:" + uid + ":" + address));
    }

    /** The address in a value made by {@link #signClient} for {@code uid}, if it verifies. */
    public Optional<String> verifyClient(String uid, String value) {
        if (value == null || !Shape.CLIENT.matches(value)) {
            return Optional.empty();
        }
        int dot = value.lastIndexOf('.');
        String address = value.substring(0, dot);
        return signs(value.substring(dot + 1), "client:" + uid + ":" + address) ? Optional.of(address) : Optional.empty();
    }

    /** The mark that {@code uid} was issued for the request that carries it ({@link ForwardedHeaders#ISSUED}). */
    public String signIssued(String uid) {
        return B64.encodeToString(mac("issued:" + uid));
    }

    /** Whether {@code value} is the mark made by {@link #signIssued} for {@code uid}. */
    public boolean verifyIssued(String uid, String value) {
        return value != null && value.length() <= 64 && signs(value, "issued:" + uid);
    }

    /** The {@code Set-Cookie} header value that gives the browser {@code uid} in cookie {@code name}. */
    public String setCookie(String name, String uid, boolean secure) {
        return setCookieOf(name, sign(uid), secure);
    }

    /** {@link #setCookie} for a UID already signed ({@code signed}, as {@link #sign} made it). */
    public String setCookieOf(String name, String signed, boolean secure) {
        return name + "=" + signed + "; Path=/; Max-Age=" + MAX_AGE_SECONDS + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    /**
     * Whether {@code signature} is the signature of {@code text}, compared as its one canonical
     * encoding in constant time: a signature's last character carries two unused bits, and a
     * decoder would take four spellings of it, so a value could be changed and still verify.
     */
    private boolean signs(String signature, String text) {
        return MessageDigest.isEqual(signature.getBytes(StandardCharsets.US_ASCII),
                B64.encodeToString(mac(text)).getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(String text) {
        return macs.get().doFinal(text.getBytes(StandardCharsets.US_ASCII)); // doFinal leaves it ready for the next
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * The shapes of the signed values, {@code PREFIX.SIGNATURE}: a prefix of {@code min} to
     * {@code max} characters, then a dot and a signature of 43 base64url characters (which hold no
     * dot, so the dot is the value's last). Checked by hand: the regular expressions they replace
     * ({@code [A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}} and the like) were most of what a node spent
     * checking the router's headers of a first visit, the address's backtracking over its dots.
     */
    enum Shape {
        /** {@code [A-Za-z0-9_-]{22}}: a UID. */
        UID(22, 22, Shape.BASE64URL, Shape.BASE64URL),
        /** {@code [a-z][a-z0-9-]{0,39}}: a user class. */
        USER_CLASS(1, 40, "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789-"),
        /** {@code [0-9A-Za-z:.%_-]{1,64}}: a client address (IPv4, IPv6 with a zone). */
        CLIENT(1, 64, Shape.BASE64URL + ":.%", Shape.BASE64URL + ":.%");

        private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        /** Each set of ASCII characters as two 64-bit masks, low (0-63) and high (64-127). */
        private static final long SIGNATURE_LOW = mask(BASE64URL, 0);
        private static final long SIGNATURE_HIGH = mask(BASE64URL, 64);
        static final int SIGNATURE = 43;
        private final int min;
        private final int max;
        private final long firstLow;
        private final long firstHigh;
        private final long restLow;
        private final long restHigh;

        Shape(int min, int max, String first, String rest) {
            this.min = min;
            this.max = max;
            this.firstLow = mask(first, 0);
            this.firstHigh = mask(first, 64);
            this.restLow = mask(rest, 0);
            this.restHigh = mask(rest, 64);
        }

        boolean matches(String value) {
            int dot = value.length() - SIGNATURE - 1;
            if (dot < min || dot > max || value.charAt(dot) != '.' || !has(firstLow, firstHigh, value.charAt(0))) {
                return false;
            }
            for (int i = 1; i < dot; i++) {
                if (!has(restLow, restHigh, value.charAt(i))) {
                    return false;
                }
            }
            for (int i = dot + 1; i < value.length(); i++) {
                if (!has(SIGNATURE_LOW, SIGNATURE_HIGH, value.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean has(long low, long high, char c) {
            return c < 64 ? (low >>> c & 1) != 0 : c < 128 && (high >>> (c - 64) & 1) != 0;
        }

        /** The mask of the characters of {@code chars} from {@code from} to {@code from + 63}. */
        private static long mask(String chars, int from) {
            long mask = 0;
            for (int i = 0; i < chars.length(); i++) {
                int c = chars.charAt(i) - from;
                if (c >= 0 && c < 64) {
                    mask |= 1L << c;
                }
            }
            return mask;
        }
    }
}
