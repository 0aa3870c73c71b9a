package org.qoscluster.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An application a node runs: its deployment name and its context root. The launcher tells each
 * node the list it starts with ({@link #NODE_APPS_PROPERTY}, {@link #encode(List)}); the node's
 * health page answers 200 only once every one of them is deployed.
 *
 * <p>A name is letters, digits, {@code .}, {@code _} and {@code -} (at most 64, starting with a
 * letter or digit); a context root is {@code /} or {@code /SEGMENT[/SEGMENT...]} of the same
 * characters and {@code ~}. The context roots the cluster itself uses ({@link #RESERVED_CONTEXT_ROOTS})
 * are refused, and so is the name of the cluster's own group service.
 */
public record NodeApp(String name, String contextRoot) {

    /** The system property on a node's command line that lists its applications, {@link #encode(List)}. */
    public static final String NODE_APPS_PROPERTY = "qoscluster.node.apps";
    /**
     * The system property on a node's command line that names its own directory, where it keeps
     * its record of applications ({@link AppList}) and the WARs it was sent.
     */
    public static final String NODE_DIR_PROPERTY = "qoscluster.node.dir";
    /** The name under which every node deploys the cluster's own service (health page, group service). */
    public static final String GROUP_SERVICE = "group-service";
    /** Context roots of the cluster's own pages: the node's group service and health page, the router's pages. */
    public static final List<String> RESERVED_CONTEXT_ROOTS = List.of("/qos-group", "/qrs");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern CONTEXT_ROOT = Pattern.compile("/|(/[A-Za-z0-9._~-]+)+");

    public NodeApp {
        problem(name, contextRoot).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
    }

    /** What is wrong with {@code name} and {@code contextRoot} as an application's, or empty when nothing is. */
    public static Optional<String> problem(String name, String contextRoot) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.of("'" + name + "' is not an application name (letters, digits, '.', '_', '-'; at most 64,"
                    + " starting with a letter or digit)");
        }
        if (name.toLowerCase(Locale.ROOT).equals(GROUP_SERVICE)) {
            return Optional.of("'" + name + "' is the name of the cluster's own service; choose another name");
        }
        if (contextRoot == null || !CONTEXT_ROOT.matcher(contextRoot).matches()
                || contextRoot.contains("/./") || contextRoot.contains("/../") || contextRoot.endsWith("/.")
                || contextRoot.endsWith("/..")) {
            return Optional.of("'" + contextRoot + "' is not a context root ('/' or '/path', letters, digits, '.', '_', '~', '-')");
        }
        for (String reserved : RESERVED_CONTEXT_ROOTS) {
            if (contextRoot.equals(reserved) || contextRoot.startsWith(reserved + "/")) {
                return Optional.of("context root " + contextRoot + " is the cluster's own (" + RESERVED_CONTEXT_ROOTS
                        + " are reserved); choose another");
            }
        }
        return Optional.empty();
    }

    /** {@code NAME=CONTEXT_ROOT,...}, in order; empty for none. */
    public static String encode(List<NodeApp> apps) {
        StringBuilder out = new StringBuilder();
        for (NodeApp a : apps) {
            out.append(out.length() == 0 ? "" : ",").append(a.name()).append('=').append(a.contextRoot());
        }
        return out.toString();
    }

    /** The list {@link #encode(List)} made; refuses anything else, naming it. */
    public static List<NodeApp> decode(String value) {
        List<NodeApp> apps = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return apps;
        }
        for (String item : value.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("'" + item + "' is not NAME=CONTEXT_ROOT");
            }
            apps.add(new NodeApp(item.substring(0, eq), item.substring(eq + 1)));
        }
        return apps;
    }
}
