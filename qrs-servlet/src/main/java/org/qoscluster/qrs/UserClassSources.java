package org.qoscluster.qrs;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import org.qoscluster.contract.ForwardedHeaders;
import org.qoscluster.contract.UserClasses;

/**
 * Where a request's user class comes from, in the configured order
 * ({@code qos.router.user-class-source}, for example {@code header,session,principal}): the first
 * source that gives a class wins, else the user is {@value ForwardedHeaders#DEFAULT_USER_CLASS}.
 * <ul>
 * <li>{@code header}: the user-class header, which the caller passes only for a request from a
 * trusted network;</li>
 * <li>{@code session}: the class the application set in the user's session;</li>
 * <li>{@code principal}: the class the node derived from the authenticated user's roles.</li>
 * </ul>
 * {@code none} alone: every user is {@value ForwardedHeaders#DEFAULT_USER_CLASS}. Pure and
 * immutable; {@link #resolve} reads an array, no lock and no allocation.
 */
public final class UserClassSources {

    /** One source of a user class. */
    public enum Source {
        HEADER, SESSION, PRINCIPAL
    }

    /** Everyone is standard. */
    public static final UserClassSources NONE = new UserClassSources(new Source[0]);

    private final Source[] order;
    private final boolean sessionRecord;

    private UserClassSources(Source[] order) {
        this.order = order;
        boolean record = false;
        for (Source s : order) {
            record |= s == Source.SESSION || s == Source.PRINCIPAL;
        }
        this.sessionRecord = record;
    }

    /**
     * The sources of a comma-separated list ({@code none} alone for no source); fails naming the
     * entry that is wrong: an unknown source, one named twice, {@code none} beside another, an empty list.
     */
    public static UserClassSources parse(String value) {
        List<Source> out = new ArrayList<>();
        EnumSet<Source> seen = EnumSet.noneOf(Source.class);
        String[] parts = value == null ? new String[0] : value.split(",", -1);
        if (parts.length == 1 && parts[0].strip().equals("none")) {
            return NONE;
        }
        for (String part : parts) {
            String p = part.strip();
            if (p.equals("none")) {
                throw new IllegalArgumentException("'none' cannot be combined with other sources");
            }
            Source s;
            try {
                s = p.isEmpty() ? null : Source.valueOf(p.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                s = null;
            }
            if (s == null || !p.equals(p.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("'" + p + "' is not a source (header, session, principal; or none alone)");
            }
            if (!seen.add(s)) {
                throw new IllegalArgumentException("'" + p + "' is named twice");
            }
            out.add(s);
        }
        return new UserClassSources(out.toArray(Source[]::new));
    }

    /** The sources in the order they are asked. */
    public List<Source> order() {
        return List.of(order);
    }

    /** Whether {@code s} is one of the sources. */
    public boolean uses(Source s) {
        for (Source o : order) {
            if (o == s) {
                return true;
            }
        }
        return false;
    }

    /** Whether the session record is a source (session or principal): the router then reads its mirror of them. */
    public boolean usesSessionRecord() {
        return sessionRecord;
    }

    /**
     * The user class of a request: the first source in order that gives one.
     *
     * @param header the user-class header when the request may set it (from a trusted network, a
     *               valid class name), else null
     * @param stored what the user's session holds, or null when it holds nothing
     */
    public String resolve(String header, UserClasses stored) {
        for (Source s : order) {
            String c = switch (s) {
                case HEADER -> header;
                case SESSION -> stored == null ? null : stored.session();
                case PRINCIPAL -> stored == null ? null : stored.principal();
            };
            if (c != null) {
                return c;
            }
        }
        return ForwardedHeaders.DEFAULT_USER_CLASS;
    }

    @Override
    public String toString() {
        if (order.length == 0) {
            return "none";
        }
        List<String> names = new ArrayList<>();
        for (Source s : order) {
            names.add(s.name().toLowerCase(Locale.ROOT));
        }
        return String.join(",", names);
    }
}
