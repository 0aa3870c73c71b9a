package org.qoscluster.launcher.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.qoscluster.launcher.LauncherException;

/**
 * Further HotSpot options for every JVM the launcher starts (Derby servers, nodes, router,
 * replication agent and its supervisor, site DNS servers), from the launcher's system property
 * {@value #PROPERTY} ({@code bin/qoscluster} passes the environment variable
 * {@code QOSCLUSTER_JVM_OPTIONS}): for a small machine where starts are CPU-bound, such as the
 * test suite's, {@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} halves the CPU a Payara node
 * spends to start (no C2 compilation, no concurrent GC threads) at the cost of slower code once
 * warm. Only {@code -XX:} options, separated by spaces: the launcher's own settings
 * ({@code -D}, the heap) cannot be overridden this way.
 */
public final class JvmOptions {

    /** The launcher's system property holding the options. */
    public static final String PROPERTY = "qoscluster.jvm.options";
    private static final Pattern OPTION = Pattern.compile("-XX:([+-][A-Za-z][A-Za-z0-9]*|[A-Za-z][A-Za-z0-9]*=[A-Za-z0-9._:/,+-]+)");

    private JvmOptions() {
    }

    /**
     * The options of {@code text}, in order.
     *
     * @throws LauncherException naming the first option that is not a {@code -XX:} option
     */
    public static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        for (String token : text.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            if (!OPTION.matcher(token).matches()) {
                throw new LauncherException(PROPERTY + ": '" + token + "' is not a HotSpot -XX: option (such as -XX:TieredStopAtLevel=1 "
                        + "or -XX:+UseSerialGC); only those are taken");
            }
            out.add(token);
        }
        return List.copyOf(out);
    }

    /** The options this launcher was given ({@link #PROPERTY}), none when unset. */
    public static List<String> configured() {
        return parse(System.getProperty(PROPERTY, ""));
    }

    /**
     * {@code command} with the configured options right after the {@code java} executable, and
     * the property itself (the replication supervisor starts the agent with it); a command that
     * is not a {@link Commands#java()} command unchanged.
     */
    public static List<String> applied(List<String> command) {
        List<String> options = configured();
        if (options.isEmpty() || command.isEmpty() || !command.get(0).equals(Commands.java())) {
            return command;
        }
        List<String> out = new ArrayList<>(command.size() + options.size() + 1);
        out.add(command.get(0));
        out.addAll(options);
        out.add("-D" + PROPERTY + "=" + String.join(" ", options));
        out.addAll(command.subList(1, command.size()));
        return out;
    }
}
