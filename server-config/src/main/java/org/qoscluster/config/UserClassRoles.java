package org.qoscluster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which user class an authenticated user is in, by the roles the container gives them:
 * {@code qos.user-class.role.USERCLASS=ROLE[,ROLE...]}. A user with a role of several user classes
 * is in the first of them in name order. Immutable and validated; empty when nothing is
 * configured (then no principal gives a user class).
 */
public final class UserClassRoles {

    /** Prefix of the keys: {@code qos.user-class.role.USERCLASS}. */
    public static final String PREFIX = "qos.user-class.role.";
    private static final Pattern USER_CLASS = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** User class to its roles, in name order. */
    private final SortedMap<String, List<String>> roles;

    private UserClassRoles(SortedMap<String, List<String>> roles) {
        this.roles = roles;
    }

    /** No user class from roles. */
    public static final UserClassRoles NONE = new UserClassRoles(new TreeMap<>());

    /** Whether {@code key} is one of these keys. */
    public static boolean isRoleKey(String key) {
        return key.startsWith(PREFIX);
    }

    /**
     * Reads the role keys among {@code props} (other keys are ignored), adding every problem to
     * {@code problems}, each naming the key and echoing the value.
     */
    public static UserClassRoles read(Map<String, String> props, List<String> problems) {
        SortedMap<String, List<String>> out = new TreeMap<>();
        Map<String, String> seen = new TreeMap<>();
        new TreeMap<>(props).forEach((key, value) -> {
            if (!isRoleKey(key)) {
                return;
            }
            String userClass = key.substring(PREFIX.length());
            if (!USER_CLASS.matcher(userClass).matches()) {
                problems.add(key + ": '" + userClass + "' is not a user class name (lower-case letters, digits, dashes)");
                return;
            }
            List<String> list = new ArrayList<>();
            for (String role : value.split(",")) {
                String r = role.strip();
                if (!ROLE.matcher(r).matches()) {
                    problems.add(key + ": '" + r + "' is not a role name (letters, digits, . _ : -; value '" + value + "')");
                } else if (seen.containsKey(r)) {
                    problems.add(key + ": role '" + r + "' is already the role of user class '" + seen.get(r) + "' ("
                            + PREFIX + seen.get(r) + "); a role gives one user class");
                } else {
                    seen.put(r, userClass);
                    list.add(r);
                }
            }
            out.put(userClass, List.copyOf(list));
        });
        return new UserClassRoles(out);
    }

    /** {@link #read} that throws an {@link InvalidConfigException} naming every problem. */
    public static UserClassRoles parse(Map<String, String> props) {
        List<String> problems = new ArrayList<>();
        UserClassRoles r = read(props, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return r;
    }

    /** Whether no user class is given by roles. */
    public boolean isEmpty() {
        return roles.isEmpty();
    }

    /**
     * The user class of a principal that has the roles {@code hasRole} accepts: the first user
     * class in name order with one of them; empty when none has.
     */
    public Optional<String> userClass(Predicate<String> hasRole) {
        for (Map.Entry<String, List<String>> e : roles.entrySet()) {
            for (String role : e.getValue()) {
                if (hasRole.test(role)) {
                    return Optional.of(e.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /** User class to its roles, in name order. */
    public SortedMap<String, List<String>> roles() {
        return java.util.Collections.unmodifiableSortedMap(roles);
    }
}
