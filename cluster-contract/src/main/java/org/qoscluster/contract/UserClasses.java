package org.qoscluster.contract;

import java.io.Serializable;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The user classes a user's session holds, as the router reads them: the one the application set
 * ({@code session}) and the one the node derived from the authenticated principal's roles
 * ({@code principal}); either may be absent (null). Only a node writes them, from the session
 * record, so no client can choose them.
 *
 * <p>Shared form, in the Hazelcast map {@link ClusterMaps#USER_CLASSES} that the router mirrors:
 * key the UID, value {@link #encode()} ({@code SESSION|PRINCIPAL}, an absent class as an empty
 * field). A node writes an entry only for a session that holds a class, with the session's
 * time-out as its time-to-live, refreshed whenever the session is stored to keep it alive; it
 * removes the entry when the session ends or holds no class any more.
 */
public record UserClasses(String session, String principal) implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final String RECORD = "user classes";
    /**
     * The response header in which a node announces a user's new user classes to the router,
     * {@link #announce(String) UID SESSION|PRINCIPAL}: the router records them before the user
     * sees the response and removes the header, so the user's very next request has its class
     * even before the map's listener has delivered it. Only nodes answer the router, and the
     * router drops every {@code X-QoS-*} header a client sends, so no client can set it.
     */
    public static final String ANNOUNCE_HEADER = "X-QoS-User-Classes";
    /** A user class's name: what the router accepts in a header and in the goals' keys. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** No class from either source. */
    public static final UserClasses NONE = new UserClasses(null, null);

    public UserClasses {
        for (String c : new String[] {session, principal}) {
            if (c != null && !NAME.matcher(c).matches()) {
                throw new IllegalArgumentException("user classes: '" + c + "' is not a user class name"
                        + " (lower-case letter, then lower-case letters, digits, dashes; at most 40)");
            }
        }
    }

    /** Whether neither source holds a class. */
    public boolean isEmpty() {
        return session == null && principal == null;
    }

    /** {@code SESSION|PRINCIPAL}, an absent class as an empty field. */
    public String encode() {
        return (session == null ? "" : session) + "|" + (principal == null ? "" : principal);
    }

    /** The value of {@link #ANNOUNCE_HEADER} for the user {@code uid}. */
    public String announce(String uid) {
        if (uid == null || !UID.matcher(uid).matches()) {
            throw new IllegalArgumentException("user classes: '" + uid + "' is not a UID");
        }
        return uid + " " + encode();
    }

    /** A user's classes as a node announced them. */
    public record Announced(String uid, UserClasses classes) {
    }

    /** The UID and classes in an {@link #ANNOUNCE_HEADER} value; empty for null or a malformed value. */
    public static Optional<Announced> announced(String value) {
        int space = value == null ? -1 : value.indexOf(' ');
        if (space < 0 || !UID.matcher(value.substring(0, space)).matches()) {
            return Optional.empty();
        }
        return decode(value.substring(space + 1)).map(c -> new Announced(value.substring(0, space), c));
    }

    /** The classes in {@code value}; fails naming what is wrong with it. */
    public static UserClasses parse(String value) {
        Fields r = Fields.of(RECORD, value);
        String[] f = r.split(value, '|', "SESSION|PRINCIPAL");
        return r.build(() -> new UserClasses(f[0].isEmpty() ? null : f[0], f[1].isEmpty() ? null : f[1]));
    }

    /** The classes in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static Optional<UserClasses> decode(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return Optional.empty();
        }
    }
}
