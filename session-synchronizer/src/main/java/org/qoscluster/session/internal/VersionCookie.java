package org.qoscluster.session.internal;

/**
 * The version of the session a user's client was last answered with, as a cookie value
 * {@code VERSION.UIDSTART} (the first eight characters of the UID, so a version of another UID,
 * left from before a sign-in, counts for nothing). Not signed: a forged value can only make the
 * node read the owner's copy and, with the session table, the master's row at most once a minute
 * per user ({@link MasterReads}) (too high), or show the user an older copy of their own session
 * (too low), never another user's session, and stores are checked on the owner whatever it says.
 */
final class VersionCookie {

    /**
     * The client sent no version cookie: it has been answered with no version of its session
     * (the cookie lives as long as the UID cookie), so any copy at hand may serve it.
     */
    static final long NONE = -1;
    private static final int UID_START = 8;
    private static final int MAX_LENGTH = 19 + 1 + UID_START;

    private VersionCookie() {
    }

    /** The cookie value for {@code version} of {@code uid}'s record. */
    static String encode(String uid, long version) {
        return version + "." + start(uid);
    }

    /** The version {@code value} carries for {@code uid}; 0 when it is absent, malformed or of another UID. */
    static long decode(String value, String uid) {
        if (value == null || value.length() > MAX_LENGTH) {
            return 0;
        }
        int dot = value.indexOf('.');
        if (dot < 1 || !value.substring(dot + 1).equals(start(uid))) {
            return 0;
        }
        long version = 0;
        for (int i = 0; i < dot; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9' || version > (Long.MAX_VALUE - 9) / 10) {
                return 0;
            }
            version = version * 10 + (c - '0');
        }
        return version;
    }

    private static String start(String uid) {
        return uid.substring(0, Math.min(UID_START, uid.length()));
    }
}
