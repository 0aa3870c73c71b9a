package org.qoscluster.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.InvalidConfigException;

/**
 * {@code qoscluster up|down|status [--config FILE] [--state DIR] [--runtime DIR] [--app PATH.war ...] [--host NAME]
 * [--secrets DIR] [-Dqos.KEY=VALUE...]}, {@code qoscluster start|stop|restart PART},
 * {@code qoscluster deploy PATH.war [--name NAME] [--context /PATH]}, {@code qoscluster undeploy NAME},
 * {@code qoscluster apps}, {@code qoscluster group ...} and {@code qoscluster goal list|set|remove ...}.
 * Exit status 0 on success, 1 when the cluster could not be started or stopped or an application
 * could not be deployed (or, for {@code apps}, is not deployed on every node), 2 on bad usage,
 * input or configuration.
 */
public final class Main {

    /** The commands that act on one part of a running cluster. */
    private static final List<String> PART_COMMANDS = List.of("start", "stop", "restart");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String command = null;
        Path config = null;
        Path state = Path.of("var");
        Path runtime = Path.of("cluster-launcher/target/runtime");
        Duration timeout = Duration.ofMinutes(3);
        String group = null;
        String host = null;
        Path secrets = null;
        String site = null;
        boolean demoSites = false;
        Map<String, String> overrides = new HashMap<>();
        List<String> operands = new java.util.ArrayList<>();
        // --app PATH, each with the --name and --context that follow it (deploy: the operand's)
        List<String[]> apps = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--config" -> config = Path.of(value(args, ++i, a));
                    case "--state" -> state = Path.of(value(args, ++i, a));
                    case "--runtime" -> runtime = Path.of(value(args, ++i, a));
                    case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                    case "--group" -> group = value(args, ++i, a);
                    case "--app" -> apps.add(new String[] {value(args, ++i, a), null, null});
                    case "--name", "--context" -> {
                        if ("deploy".equals(command) && apps.isEmpty()) {
                            apps.add(new String[] {null, null, null});
                        }
                        if (apps.isEmpty()) {
                            return usage(a + " belongs to 'deploy PATH' or to an '--app PATH' before it");
                        }
                        apps.get(apps.size() - 1)[a.equals("--name") ? 1 : 2] = value(args, ++i, a);
                    }
                    case "--host" -> host = value(args, ++i, a);
                    case "--secrets" -> secrets = Path.of(value(args, ++i, a));
                    case "--site" -> site = value(args, ++i, a);
                    case "--sites" -> demoSites = true;
                    case "--help", "-h" -> {
                        help(System.out);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("-Dqos.") && a.contains("=")) {
                            overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                        } else if (command == null && a.equals("help")) {
                            help(System.out);
                            return 0;
                        } else if (command == null && !a.startsWith("-")) {
                            command = a;
                        } else if (command != null && (PART_COMMANDS.contains(command)
                                || List.of("group", "deploy", "undeploy").contains(command)) && !a.startsWith("-")) {
                            operands.add(a);
                        } else if ("goal".equals(command)) {
                            operands.add(a);
                        } else {
                            return usage("unknown argument '" + a + "'");
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (command == null) {
            return usage("no command given");
        }
        try {
            if (List.of("up", "down", "status").contains(command)) {
                Map<String, String> raw = demoSites || config != null ? Sites.properties(config, withSystem(overrides))
                        : Map.of();
                if (demoSites || SitesConfig.isSites(raw) || (site != null && !command.equals("up"))
                        || (command.equals("status") && config == null && !Sites.siteDirs(state).isEmpty())) {
                    if (host != null) {
                        return usage("--host and --site: a site's hosts start with its own configuration (not built yet)");
                    }
                    return sites(command, demoSites || !raw.isEmpty() ? SitesConfig.from(raw) : null, site, runtime, state,
                            timeout, apps);
                }
                if (site != null) {
                    return usage("--site: the configuration names no sites (" + SitesConfig.SITES + "); see docs/sites.md");
                }
            }
            return switch (command) {
                case "up" -> up(load(config, overrides), runtime, state, timeout, apps, host, secrets);
                case "down" -> down(state);
                case "status" -> status(state, load(config, overrides));
                case "group" -> org.qoscluster.launcher.internal.GroupCommands.run(state, runtime, group, operands);
                case "start", "stop", "restart" -> part(command, operands, runtime, state, timeout);
                case "deploy" -> deploy(state, operands, apps, timeout);
                case "undeploy" -> undeploy(state, operands, timeout);
                case "apps" -> apps(state);
                case "goal" -> org.qoscluster.launcher.internal.GoalCommands.run(state, operands);
                default -> usage("unknown command '" + command + "'");
            };
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        } catch (InvalidConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (LauncherException | IllegalStateException e) {
            System.err.println("qoscluster " + command + ": " + e.getMessage());
            return 1;
        }
    }

    /** {@code up|down|status} of the sites: one ({@code --site NAME}) or all of them. */
    private static int sites(String command, SitesConfig sites, String site, Path runtime, Path state, Duration timeout,
                             List<String[]> apps) {
        List<String> names = site != null ? List.of(site)
                : sites != null ? sites.sites().stream().map(SitesConfig.Site::name).toList()
                : Sites.siteDirs(state).stream().map(d -> d.getFileName().toString()).toList();
        if (sites != null && site != null) {
            sites.requireSite(site);
        }
        switch (command) {
            case "up" -> {
                List<AppSpec> specs = apps.stream().map(a -> AppSpec.of(Path.of(a[0]), a[1], a[2])).toList();
                RuntimeLayout layout = RuntimeLayout.at(runtime);
                long t0 = System.nanoTime();
                List<String> started = new ArrayList<>();
                List<Cluster> clusters = new ArrayList<>();
                try {
                    for (String name : names) {
                        clusters.add(Sites.startSite(sites, name, layout, state, timeout, specs));
                        started.add(name);
                        System.out.println("site " + name + " is up (" + Sites.siteDir(state, name) + ")");
                    }
                } catch (RuntimeException e) {
                    // A demo half up is no demo: stop the sites this command started.
                    started.forEach(name -> Sites.stopSite(state, name));
                    throw e;
                }
                // Every site's router at once, so that the sites take no longer than one.
                List<Thread> warmUps = clusters.stream().map(c -> new Thread(c::warmUpRouter, "router-warm-up")).toList();
                warmUps.forEach(Thread::start);
                for (Thread t : warmUps) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                System.out.println();
                System.out.println("QoS Cluster sites " + names + " are up in " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s.");
                Sites.summary(sites).forEach(System.out::println);
                System.out.println("Stop with: bin/qoscluster down" + (site != null ? " --site " + site : "")
                        + (state.equals(Path.of("var")) ? "" : " --state " + state));
                return 0;
            }
            case "down" -> {
                for (String name : names) {
                    List<String> lines = Sites.stopSite(state, name);
                    System.out.println("site " + name + ":" + (lines.isEmpty() ? " nothing is running" : ""));
                    lines.forEach(l -> System.out.println("  " + l));
                }
                return 0;
            }
            default -> {
                boolean ok = true;
                for (String name : names) {
                    List<PartStatus> parts = Cluster.status(Sites.siteDir(state, name));
                    System.out.println("site " + name + ":");
                    if (parts.isEmpty()) {
                        System.out.println("  nothing is running from " + Sites.siteDir(state, name));
                        continue;
                    }
                    printStatus(parts);
                    ok &= parts.stream().allMatch(PartStatus::alive);
                }
                boolean shared = names.stream().map(n -> Sites.siteDir(state, n).resolve("cluster.properties"))
                        .filter(java.nio.file.Files::isRegularFile).findFirst()
                        .map(f -> ClusterConfig.loadEffective(f).groupSite().isPresent()).orElse(false);
                System.out.println(shared ? "the sites share one database group (its master at one site, replicas at the others),"
                        + " and with it the session table: a user sent to another site keeps their session"
                        : "each site has its own database group, and its own sessions");
                return ok ? 0 : 1;
            }
        }
    }

    private static Map<String, String> withSystem(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("qos."))
                .forEach(k -> all.put(k, System.getProperty(k)));
        all.putAll(overrides);
        return all;
    }

    private static int up(ClusterConfig config, Path runtime, Path state, Duration timeout, List<String[]> apps, String host,
                          Path secrets) {
        List<AppSpec> specs = apps.stream().map(a -> AppSpec.of(Path.of(a[0]), a[1], a[2])).toList();
        long t0 = System.nanoTime();
        if (secrets != null) {
            // Every host of one cluster needs the same secrets: copied from the first host's state.
            org.qoscluster.launcher.internal.Secrets.copy(secrets, state.resolve("secrets"), ClusterConfig.SECRETS);
        }
        Cluster cluster = host == null ? Cluster.start(config, RuntimeLayout.at(runtime), state, timeout, specs)
                : Cluster.startHost(config, RuntimeLayout.at(runtime), state, timeout, host, specs);
        cluster.warmUpRouter();
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        printStatus(Cluster.status(state));
        System.out.println();
        System.out.println("QoS Cluster is up in " + seconds + " s. Open the store at " + cluster.storeUri());
        for (var node : config.nodes()) {
            System.out.println("  " + node.name() + " (direct): " + cluster.nodeUri(node.name()));
        }
        System.out.println("  router admin: curl -H \"Authorization: Bearer $(cat " + state.resolve("secrets")
                .resolve(ClusterConfig.SECRET_ADMIN_TOKEN) + ")\" " + cluster.storeUri() + "qrs/admin/nodes");
        System.out.println("Stop it with: bin/qoscluster down");
        return 0;
    }

    /** {@code start|stop|restart PART}: one part of the running cluster, the rest goes on. */
    private static int part(String command, List<String> operands, Path runtime, Path state, Duration timeout) {
        if (operands.size() != 1) {
            return usage(command + " needs one part, for example 'bin/qoscluster " + command + " node-1'"
                    + " (see 'bin/qoscluster status')");
        }
        String part = operands.get(0);
        if (!command.equals("start")) {
            Cluster.stopPart(state, part).forEach(System.out::println);
        }
        if (!command.equals("stop")) {
            long t0 = System.nanoTime();
            Cluster.startPart(runtime, state, part, timeout);
            System.out.println(part + ": started and answering in " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");
        }
        return 0;
    }

    private static int deploy(Path state, List<String> operands, List<String[]> apps, Duration timeout) {
        if (operands.size() != 1 || apps.size() > 1 || (apps.size() == 1 && apps.get(0)[0] != null)) {
            return usage("deploy needs one WAR: deploy PATH.war [--name NAME] [--context /PATH]");
        }
        String[] options = apps.isEmpty() ? new String[3] : apps.get(0);
        String name = options[1];
        long t0 = System.nanoTime();
        List<String> lines;
        AppSpec app;
        try {
            app = AppSpec.of(Path.of(operands.get(0)), options[1], options[2]);
            name = app.name();
            lines = Cluster.deploy(state, app, timeout);
        } catch (IllegalArgumentException e) {
            System.err.println("qoscluster deploy: " + e.getMessage());
            return 2;
        } catch (LauncherException e) {
            System.err.println("qoscluster deploy: " + e.getMessage());
            System.err.println("qoscluster deploy: " + name + " is deployed on no node; the other applications keep serving");
            return 1;
        }
        lines.forEach(System.out::println);
        System.out.println("deployed " + app.name() + " (" + app.war() + ") on " + app.contextRoot() + " in "
                + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
        return 0;
    }

    private static int undeploy(Path state, List<String> operands, Duration timeout) {
        if (operands.size() != 1) {
            return usage("undeploy needs the application's name: undeploy NAME");
        }
        try {
            Cluster.undeploy(state, operands.get(0), timeout).forEach(System.out::println);
        } catch (IllegalArgumentException e) {
            System.err.println("qoscluster undeploy: " + e.getMessage());
            return 2;
        }
        System.out.println("undeployed " + operands.get(0));
        return 0;
    }

    private static int apps(Path state) {
        List<AppStatus> apps = Cluster.apps(state);
        System.out.printf("%-24s %-24s %s%n", "APPLICATION", "CONTEXT ROOT", "NODES");
        for (AppStatus a : apps) {
            StringBuilder nodes = new StringBuilder();
            a.nodes().forEach((node, st) -> nodes.append(nodes.length() == 0 ? "" : ", ").append(node).append(": ").append(st));
            System.out.printf("%-24s %-24s %s%n", a.name(), a.contextRoot().isEmpty() ? "(not on record)" : a.contextRoot(), nodes);
        }
        return apps.stream().allMatch(AppStatus::deployedEverywhere) ? 0 : 1;
    }

    private static int down(Path state) {
        List<String> lines = new java.util.ArrayList<>(Cluster.stop(state));
        // The sites started from this state directory go too.
        for (Path dir : Sites.siteDirs(state)) {
            Cluster.stop(dir).forEach(l -> lines.add("site " + dir.getFileName() + " " + l));
        }
        if (lines.isEmpty()) {
            System.out.println("nothing is running from " + state.toAbsolutePath());
        }
        lines.forEach(System.out::println);
        return 0;
    }

    private static int status(Path state, ClusterConfig config) {
        List<PartStatus> parts = Cluster.status(state);
        if (parts.isEmpty()) {
            System.out.println("nothing is running from " + state.toAbsolutePath());
        } else {
            printStatus(parts);
        }
        boolean ok = parts.stream().allMatch(PartStatus::alive);
        if (!config.singleHost()) {
            // The parts of the other hosts, as this host sees them over the network.
            var local = parts.stream().map(PartStatus::name).collect(java.util.stream.Collectors.toSet());
            var remote = org.qoscluster.launcher.internal.RemoteParts.probe(config, local);
            System.out.println();
            System.out.printf("%-18s %-10s %-24s %s%n", "PART", "HOST", "ADDRESS", "SEEN FROM HERE");
            for (var r : remote) {
                System.out.printf("%-18s %-10s %-24s %s%n", r.part(), r.host(),
                        r.port() == 0 ? r.address() : r.address() + ":" + r.port(), r.seen());
            }
            ok &= remote.stream().noneMatch(r -> Boolean.FALSE.equals(r.answers()));
        }
        return parts.isEmpty() && config.singleHost() ? 0 : ok ? 0 : 1;
    }

    private static void printStatus(List<PartStatus> parts) {
        System.out.printf("%-16s %-6s %-8s %-6s %s%n", "PART", "KIND", "PID", "PORT", "STATE / LOG");
        for (PartStatus p : parts) {
            System.out.printf("%-16s %-6s %-8d %-6d %s  %s%n", p.name(), p.kind(), p.pid(), p.port(),
                    p.alive() ? "running" : "DEAD", p.log());
        }
    }

    private static ClusterConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("qos."))
                .forEach(k -> all.put(k, System.getProperty(k)));
        all.putAll(overrides);
        return file == null ? ClusterConfig.from(all) : ClusterConfig.load(file, all);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int usage(String problem) {
        System.err.println("qoscluster: " + problem);
        help(System.err);
        return 2;
    }

    private static void help(java.io.PrintStream out) {
        out.println("usage: bin/qoscluster up|down|status [--config FILE] [--state DIR] [--runtime DIR] "
                + "[--timeout SECONDS] [--host NAME] [--secrets DIR] [-Dqos.KEY=VALUE ...]");
        out.println("       bin/qoscluster up|down|status --config SITES-FILE [--site NAME]   (qos.sites: see docs/sites.md)");
        out.println("       bin/qoscluster up --sites   (the two-site demo on 127.0.1.1 and 127.0.2.1)");
        out.println("       bin/qoscluster group [--group NAME] status|switchover COPY|add NAME PORT|remove NAME|stop|start"
                + " [--state DIR] [--runtime DIR]");
        out.println("       bin/qoscluster group move NAME GROUP [--state DIR]");
        out.println("       bin/qoscluster start|stop|restart PART [--state DIR] [--runtime DIR] [--timeout SECONDS]");
        out.println("       bin/qoscluster up --app PATH.war [--name NAME] [--context /PATH] [--app ...]   (default app: the store)");
        out.println("       bin/qoscluster deploy PATH.war [--name NAME] [--context /PATH] [--state DIR] [--timeout SECONDS]");
        out.println("       bin/qoscluster undeploy NAME [--state DIR]");
        out.println("       bin/qoscluster apps [--state DIR]");
        out.println("       bin/qoscluster goal list|set CLASS [--p95-ms N] [--priority N] [--max-concurrency N]"
                + " [--match 'METHOD /path,...']|remove CLASS [--state DIR]");
        out.println("       bin/qoscluster goal set CLASS --user-class U [--p95-ms N] [--priority N]|remove CLASS --user-class U"
                + " [--state DIR]");
    }
}
