package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DomainXmlGoals;
import org.qoscluster.config.GoalDiff;
import org.qoscluster.config.GoalSet;
import org.qoscluster.config.HostSpec;
import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.launcher.LauncherException;

/**
 * {@code qoscluster goal list|set CLASS [--user-class U] [--p95-ms N] [--priority N] [--max-concurrency N]
 * [--match RULES]|remove CLASS [--user-class U]}: the QoS goals (with {@code --user-class}, the goal of
 * that user class within the class, {@code qos.class.CLASS.user.U.*}) in the router's {@code domain.xml}
 * ({@code members/router/domain.xml} under the state directory), the one place they are set.
 * A change is validated as the router validates it (an invalid one is refused with exit status 2,
 * naming the key and value, and nothing is written), written in place (only the goal properties'
 * lines change) and atomically (a new owner-only file renamed over the old one), and then, when
 * the router runs, its admin endpoint is asked until it has taken the new goals (or refused them).
 */
public final class GoalCommands {

    private static final String USAGE = "goal needs 'list', 'set CLASS [--p95-ms N] [--priority N] [--max-concurrency N]"
            + " [--match 'METHOD /path,...']', 'set CLASS --user-class USERCLASS [--p95-ms N] [--priority N]',"
            + " 'remove CLASS' or 'remove CLASS --user-class USERCLASS'";
    private static final String USER_CLASS = "--user-class";
    /** The options of a user class's goal within a class. */
    private static final Map<String, String> USER_OPTIONS = Map.of("--p95-ms", "p95-ms", "--priority", "priority");
    private static final Pattern USER_CLASS_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Map<String, String> OPTIONS = Map.of("--p95-ms", "p95-ms", "--priority", "priority",
            "--max-concurrency", "max-concurrency", "--match", "match");
    private static final Duration CONFIRM = Duration.ofSeconds(10);
    private static final Pattern FINGERPRINT = Pattern.compile("\"fingerprint\"\\s*:\\s*\"([0-9a-f]+)\"");
    private static final Pattern REFUSED = Pattern.compile("\"refused\"\\s*:\\s*(true|false)");
    private static final Pattern LAST_ERROR = Pattern.compile("\"lastError\"\\s*:\\s*\\{\\s*\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern LAST_ERROR_AT = Pattern.compile("\"lastError\"\\s*:\\s*\\{\\s*\"message\"\\s*:\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*,\\s*\"at\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern LOADED_AT = Pattern.compile("\"loadedAt\"\\s*:\\s*\"([^\"]+)\"");

    private GoalCommands() {
    }

    /** Runs {@code args} against the cluster in {@code stateDir}; the exit status. */
    public static int run(Path stateDir, List<String> args) {
        String verb = args.isEmpty() ? "" : args.get(0);
        Path file = MemberParts.domainXml(stateDir.toAbsolutePath().normalize(), "router");
        switch (verb) {
            case "list" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException(USAGE);
                }
                return list(stateDir, file);
            }
            case "set", "remove" -> {
                if (args.size() < 2 || args.get(1).startsWith("-")) {
                    throw new IllegalArgumentException(USAGE);
                }
                return change(stateDir, file, verb, args.get(1), args.subList(2, args.size()));
            }
            default -> throw new IllegalArgumentException(USAGE);
        }
    }

    /**
     * The goal properties after {@code goal set CLASS OPTIONS}: each option's key of the class set
     * to its value ({@code --match} may be given more than once; the rules are joined), the other
     * keys as they were. Not yet validated.
     */
    static SortedMap<String, String> set(Map<String, String> goals, String name, List<String> options) {
        Optional<String> user = userClass("set", name, options);
        if (user.isPresent()) {
            return setUserClass(goals, name, user.get(), options.subList(2, options.size()));
        }
        if (options.isEmpty()) {
            throw new IllegalArgumentException("goal set " + name + ": give at least one of " + new TreeSet<>(OPTIONS.keySet()));
        }
        Map<String, String> given = fields(options, OPTIONS, "goal set: ", "have");
        SortedMap<String, String> out = new TreeMap<>(goals);
        given.forEach((field, value) -> out.put(ClusterConfig.CLASS_PREFIX + name + "." + field, value));
        return out;
    }

    /**
     * {@code --user-class U} when it leads the options (then only it), empty when absent; fails when
     * it is elsewhere, has no value or names no user class.
     */
    private static Optional<String> userClass(String verb, String name, List<String> options) {
        int at = options.indexOf(USER_CLASS);
        if (at < 0) {
            return Optional.empty();
        }
        if (at != 0 || options.size() < 2) {
            throw new IllegalArgumentException("goal " + verb + " " + name + ": give " + USER_CLASS + " USERCLASS first");
        }
        String user = options.get(1).strip();
        if (!USER_CLASS_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("goal " + verb + " " + name + ": " + USER_CLASS + " '" + user
                    + "' is not a user class name (lower-case letters, digits, dashes)");
        }
        if (options.subList(2, options.size()).contains(USER_CLASS)) {
            throw new IllegalArgumentException("goal " + verb + " " + name + ": " + USER_CLASS + " given twice");
        }
        return Optional.of(user);
    }

    /** {@code goal set CLASS --user-class U OPTIONS}: the user class's keys within the class set. Not yet validated. */
    private static SortedMap<String, String> setUserClass(Map<String, String> goals, String name, String user, List<String> options) {
        if (options.isEmpty()) {
            throw new IllegalArgumentException("goal set " + name + " " + USER_CLASS + " " + user + ": give at least one of "
                    + new TreeSet<>(USER_OPTIONS.keySet()));
        }
        SortedMap<String, String> out = new TreeMap<>(goals);
        fields(options, USER_OPTIONS, "goal set " + name + " " + USER_CLASS + " " + user + ": ", "a user class has")
                .forEach((field, value) -> out.put(userBase(name, user) + field, value));
        return out;
    }

    /**
     * The fields {@code options} ({@code --OPTION VALUE} pairs) set, by the {@code known} options'
     * field names, in order; {@code --match} given again adds its rules, any other option given
     * again keeps its last value. Refuses an unknown option (naming the known ones) or one without a value.
     */
    private static Map<String, String> fields(List<String> options, Map<String, String> known, String context, String have) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            String field = known.get(option);
            if (field == null) {
                throw new IllegalArgumentException(context + "unknown option '" + option + "' (" + have + " " + new TreeSet<>(known.keySet()) + ")");
            }
            if (i + 1 >= options.size()) {
                throw new IllegalArgumentException("goal set: " + option + " needs a value");
            }
            String value = options.get(++i).strip();
            given.merge(field, value, (a, b) -> field.equals("match") ? a + "," + b : b);
        }
        return given;
    }

    private static String userBase(String name, String user) {
        return ClusterConfig.CLASS_PREFIX + name + ".user." + user + ".";
    }

    /** The goal properties after {@code goal remove CLASS [--user-class U]}. */
    static SortedMap<String, String> remove(Map<String, String> goals, String name, List<String> options) {
        Optional<String> user = userClass("remove", name, options);
        if ((user.isEmpty() && !options.isEmpty()) || (user.isPresent() && options.size() != 2)) {
            throw new IllegalArgumentException("goal remove " + name + ": unexpected " + options + "; " + USAGE);
        }
        if (user.isEmpty()) {
            return remove(goals, name);
        }
        String base = userBase(name, user.get());
        SortedMap<String, String> out = new TreeMap<>(goals);
        if (!out.keySet().removeIf(k -> k.startsWith(base))) {
            TreeSet<String> users = new TreeSet<>();
            String prefix = ClusterConfig.CLASS_PREFIX + name + ".user.";
            goals.keySet().stream().filter(k -> k.startsWith(prefix))
                    .map(k -> k.substring(prefix.length(), k.lastIndexOf('.'))).forEach(users::add);
            throw new IllegalArgumentException("goal remove " + name + ": user class '" + user.get()
                    + "' has no goal of its own in class '" + name + "' (have " + users + ")");
        }
        return out;
    }

    /** The goal properties after {@code goal remove CLASS}: every key of the class gone, its user classes' too. */
    static SortedMap<String, String> remove(Map<String, String> goals, String name) {
        String base = ClusterConfig.CLASS_PREFIX + name + ".";
        SortedMap<String, String> out = new TreeMap<>(goals);
        if (!out.keySet().removeIf(k -> k.startsWith(base))) {
            TreeSet<String> names = new TreeSet<>();
            goals.keySet().stream().filter(k -> !k.equals(ClusterConfig.DEFAULT_CLASS))
                    .map(k -> k.substring(ClusterConfig.CLASS_PREFIX.length()).split("\\.")[0]).forEach(names::add);
            throw new IllegalArgumentException("goal remove: there is no class '" + name + "' (have " + names + ")");
        }
        if (name.equals(out.getOrDefault(ClusterConfig.DEFAULT_CLASS, GoalSet.DEFAULT_CLASS_NAME))) {
            throw new IllegalArgumentException("goal remove: '" + name + "' is the default class (" + ClusterConfig.DEFAULT_CLASS
                    + "), the class of requests no rule matches; it cannot be removed");
        }
        return out;
    }

    private static int change(Path stateDir, Path file, String verb, String name, List<String> options) {
        read(file);
        // One goal command at a time changes the file: each reads what the one before wrote.
        Path lockPath = file.resolveSibling(".goal.lock");
        try (FileChannel lockFile = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.lock();
            try {
                return changeLocked(stateDir, file, verb, name, options);
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockPath, e);
        }
    }

    private static int changeLocked(Path stateDir, Path file, String verb, String name, List<String> options) {
        String xml = read(file);
        SortedMap<String, String> before = DomainXmlGoals.goalProperties(xml);
        SortedMap<String, String> after = verb.equals("set") ? set(before, name, options) : remove(before, name, options);
        GoalSet written = GoalSet.parse(after);
        Optional<GoalSet> old = valid(before);
        if (old.isPresent() && GoalDiff.between(old.get(), written).isEmpty()) {
            System.out.println("goal " + verb + " " + name + ": no change; " + file + " left as it is");
            return 0;
        }
        Instant at = Instant.now();
        writeAtomically(file, DomainXmlGoals.withGoals(xml, after));
        System.out.println("goal " + verb + " " + name + ": "
                + old.map(o -> GoalDiff.between(o, written).toString()).orElse("the file's invalid goals replaced"));
        System.out.println("written to " + file);
        return confirm(stateDir, file, written, at);
    }

    private static int list(Path stateDir, Path file) {
        SortedMap<String, String> props = DomainXmlGoals.goalProperties(read(file));
        System.out.println("QoS goals in " + file + " (classes tried in this order; the first whose rule matches wins):");
        int status = 0;
        Optional<GoalSet> goals;
        try {
            goals = Optional.of(GoalSet.parse(props));
        } catch (InvalidConfigException e) {
            goals = Optional.empty();
            props.forEach((k, v) -> System.out.println("  " + k + "=" + v));
            System.out.println("INVALID: the router keeps its last valid goals until this is fixed:");
            e.problems().forEach(p -> System.out.println("  " + p));
            status = 1;
        }
        goals.ifPresent(g -> {
            System.out.printf("  %-16s %8s %8s %15s  %s%n", "CLASS", "P95-MS", "PRIORITY", "MAX-CONCURRENCY", "MATCH");
            g.classes().forEach(c -> {
                System.out.printf("  %-16s %8d %8d %15d  %s%n", c.name() + (c.equals(g.defaultClass()) ? "*" : ""),
                        c.p95Millis(), c.priority(), c.maxConcurrency(),
                        c.rules().isEmpty() ? "(no rule)" : String.join(",", c.rules().stream().map(Object::toString).toList()));
                c.userClasses().forEach((u, goal) -> System.out.printf("    %-14s %8d %8d %15s  %s%n", "user " + u,
                        goal.p95Millis(), goal.priority(), "", "(user class " + u + " of " + c.name() + ")"));
            });
            System.out.println("  * the default class: requests no rule matches; 'user U' lines: the goal of user class U"
                    + " within the class above (other user classes get the class's)");
        });
        Optional<String> router = routerGoals(stateDir, file);
        if (router.isEmpty()) {
            System.out.println("router: not running (it reads these goals when it starts)");
            return status;
        }
        String json = router.get();
        String fingerprint = find(FINGERPRINT, json).orElse("?");
        boolean same = goals.map(g -> g.fingerprint().equals(fingerprint)).orElse(false);
        System.out.println("router: goals loaded at " + find(LOADED_AT, json).orElse("?") + (same ? ", the same as the file's"
                : ", NOT the file's (fingerprint " + fingerprint + ")"));
        if (find(REFUSED, json).orElse("false").equals("true")) {
            System.out.println("router: refuses the file's goals: " + find(LAST_ERROR, json).map(GoalCommands::unescape).orElse("?"));
            status = 1;
        } else if (!same && goals.isPresent()) {
            System.out.println("router: has not read the file's goals yet (it looks every 0.5 s)");
        }
        return status;
    }

    /** Waits until the running router has taken {@code written}; 0 when it has (or runs not), 1 when it refused or never did. */
    private static int confirm(Path stateDir, Path file, GoalSet written, Instant writtenAt) {
        Instant deadline = Instant.now().plus(CONFIRM);
        Optional<String> json = routerGoals(stateDir, file);
        if (json.isEmpty()) {
            System.out.println("the router is not running; it takes these goals when it starts");
            return 0;
        }
        while (true) {
            String body = json.orElse("");
            boolean refusing = find(REFUSED, body).orElse("false").equals("true");
            // The same goals and no refusal on record: the router has read the file since (a
            // refusal of an earlier edit clears once it reads the file again).
            if (find(FINGERPRINT, body).map(written.fingerprint()::equals).orElse(false) && !refusing) {
                System.out.println("the router took the new goals at " + find(LOADED_AT, body).orElse("?"));
                return 0;
            }
            boolean refusedSince = refusing && find(LAST_ERROR_AT, body).map(t -> !Instant.parse(t).isBefore(writtenAt)).orElse(false);
            if (refusedSince) {
                System.out.println("the router refused them: " + find(LAST_ERROR, body).map(GoalCommands::unescape).orElse("?"));
                return 1;
            }
            if (Instant.now().isAfter(deadline)) {
                System.out.println("the router has not taken the new goals within " + CONFIRM.toSeconds() + " s (written at "
                        + writtenAt + "); see 'qoscluster goal list' and its log");
                return 1;
            }
            sleep(200);
            json = routerGoals(stateDir, file);
        }
    }

    /** The router's {@code /qrs/admin/goals} answer, empty when the router does not run or answer. */
    private static Optional<String> routerGoals(Path stateDir, Path file) {
        if (PartProcess.handle(stateDir.toAbsolutePath().normalize(), "router").isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> props = DomainXmlGoals.properties(read(file));
        URI uri = URI.create("http://" + props.getOrDefault(ClusterConfig.HOST, "127.0.0.1") + ":"
                + props.getOrDefault(ClusterConfig.ROUTER_HTTP_PORT, "8080") + "/qrs/admin/goals");
        String token = Secrets.read(MemberParts.secretsDir(stateDir), ClusterConfig.SECRET_ADMIN_TOKEN);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<GoalSet> valid(Map<String, String> goals) {
        try {
            return Optional.of(GoalSet.parse(goals));
        } catch (InvalidConfigException e) {
            return Optional.empty();
        }
    }

    /**
     * What to do when this machine has no router {@code domain.xml} ({@code STATE/members/router/}):
     * on a cluster spread over several hosts, run the command on the router's host, whose file
     * holds the goals; otherwise start a cluster, or name its state directory.
     */
    static String whereTheRouterIs(Path file) {
        Path stateDir = file.getParent().getParent().getParent();
        if (Files.isRegularFile(stateDir.resolve("cluster.properties"))) {
            HostSpec router = EffectiveConfig.read(stateDir).hostOf("router");
            return "the router runs on host " + router.name() + " (" + router.address() + "), not on this one: run 'qoscluster goal'"
                    + " on " + router.name() + ", whose state directory holds the router's domain.xml";
        }
        return "'qoscluster up' writes it (use --state DIR for a cluster elsewhere)";
    }

    private static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LauncherException("no router domain.xml at " + file + "; " + whereTheRouterIs(file));
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Replaces {@code file} in one step: a new file, readable by the owner only from its creation
     * on (the domain.xml holds secrets), written and synced beside it, then renamed over it, so a
     * reader sees the old content or the new, never part of it.
     */
    static void writeAtomically(Path file, String content) {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(StandardCharsets.UTF_8.encode(content));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new LauncherException("cannot replace " + file + " atomically: " + e.getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static Optional<String> find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String unescape(String json) {
        return json.replace("\\\"", "\"").replace("\\\\", "\\");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
