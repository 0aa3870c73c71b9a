package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.qoscluster.launcher.LauncherException;
import org.qoscluster.launcher.RuntimeLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payara Micro's runtime, unpacked once per installation and shared by every member this machine
 * starts, with a class-data-sharing archive of the classes a member loads while it boots.
 *
 * <p>Started as {@code java -jar payara-micro.jar}, every member unpacks the runtime's 100 MB of
 * jars into its own root directory and loads and verifies some 15,000 classes from them. Instead,
 * {@link #prepare} unpacks it once ({@code payara-micro.jar --outputlauncher}) into
 * {@code payara/micro-root} next to the jar, then boots one member there with
 * {@code --warmup} and {@code -XX:ArchiveClassesAtExit} (a dynamic CDS archive, JEP 350). Every
 * member then runs Payara Micro's main class from that shared class path, with the archive, and
 * its own {@code --rootdir} for its configuration: a member boots with about 40 % less CPU.
 *
 * <p>The JVM checks the archive against the class path and the JDK it was made with and, when
 * they differ, runs without it ({@code -Xshare:auto}); {@link #prepare} makes a new one when the
 * Payara jar or the JDK changed. A warm-up that fails leaves the members running without an
 * archive, slower but the same. Jars a member adds ({@code --addlibs} cannot be used with a
 * shared runtime) go on its class path after the runtime's, which the archive allows.
 */
public final class PayaraRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(PayaraRuntime.class);

    /** The class {@code launch-micro.jar} itself runs once it has fixed its root directory. */
    private static final String MAIN_CLASS = "fish.payara.micro.impl.PayaraMicroImpl";
    private static final String LAUNCHER_JAR = "launch-micro.jar";
    private static final String ARCHIVE = "payara.jsa";
    private static final String STAMP = "qoscluster-runtime.properties";
    private static final Duration WARMUP_TIMEOUT = Duration.ofMinutes(3);
    /** What a member's root directory needs of the unpacked runtime, about 1 MB. */
    private static final List<String> SEEDED = List.of("config", "lib");

    private final Path root;
    private final List<String> moduleOptions;
    private final boolean archived;

    private PayaraRuntime(Path root, List<String> moduleOptions, boolean archived) {
        this.root = root;
        this.moduleOptions = moduleOptions;
        this.archived = archived;
    }

    /**
     * The shared runtime of {@code layout}, made first if it is missing or stale. Several
     * launchers on one machine (one per host of a test network) may call this at once: a file
     * lock makes one of them prepare and the others wait.
     *
     * @param address    an address of this host to bind the warm-up's HTTP listener to
     * @param domainXml  a member's {@code domain.xml}, which the warm-up boots with
     */
    public static synchronized PayaraRuntime prepare(RuntimeLayout layout, String address, Path domainXml) {
        Path root = layout.payaraMicroJar().resolveSibling("micro-root");
        Path lockFile = layout.payaraMicroJar().resolveSibling("micro-root.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            LOG.debug("holding {} ({})", lockFile, lock);
            String stamp = stamp(layout.payaraMicroJar());
            Path stampFile = root.resolve(STAMP);
            if (!Files.isRegularFile(root.resolve(LAUNCHER_JAR)) || !Files.isRegularFile(stampFile)
                    || !Files.readString(stampFile, StandardCharsets.UTF_8).equals(stamp)) {
                unpack(layout.payaraMicroJar(), root);
                Files.writeString(stampFile, stamp, StandardCharsets.UTF_8);
            }
            List<String> modules = moduleOptions(root.resolve(LAUNCHER_JAR));
            Path archive = root.resolve(ARCHIVE);
            Path failed = root.resolve(ARCHIVE + ".failed");
            if (!Files.isRegularFile(archive) && !Files.isRegularFile(failed)) {
                warmUp(root, modules, address, domainXml);
            }
            return new PayaraRuntime(root, modules, Files.isRegularFile(archive));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Payara Micro's shared runtime in " + root, e);
        }
    }

    /** Whether members boot with the class-data-sharing archive. */
    public boolean archived() {
        return archived;
    }

    /**
     * The JVM options and main class of a member, up to Payara Micro's own options:
     * {@code extraClassPath} (colon-separated jars) goes after the runtime on the class path.
     */
    public List<String> javaArguments(String extraClassPath) {
        List<String> args = new ArrayList<>(moduleOptions);
        args.add("-Dfish.payara.micro.BootJar=" + root.resolve(LAUNCHER_JAR).toUri());
        args.add("-Dfish.payara.micro.UnpackDir=" + root);
        if (archived) {
            args.add("-XX:SharedArchiveFile=" + root.resolve(ARCHIVE));
        }
        args.add("-cp");
        args.add(root.resolve(LAUNCHER_JAR) + (extraClassPath.isEmpty() ? "" : ":" + extraClassPath));
        args.add(MAIN_CLASS);
        return args;
    }

    /**
     * Gives a member's root directory ({@code --rootdir}) the runtime's configuration files
     * (logging, keystores, login configuration) and its system resource adapters (the JDBC
     * connection pools' {@code lib/install/applications}) unless it has them: Payara Micro
     * unpacks them only into the directory it unpacked the runtime into.
     */
    public void seed(Path memberRoot) {
        for (String dir : SEEDED) {
            if (!Files.isDirectory(memberRoot.resolve(dir))) {
                copyTree(root.resolve(dir), memberRoot.resolve(dir));
            }
        }
    }

    private static void unpack(Path payaraMicroJar, Path root) throws IOException {
        deleteTree(root);
        Files.createDirectories(root);
        LOG.info("unpacking Payara Micro {} into {}, shared by every member this machine starts", payaraMicroJar, root);
        Path log = root.resolveSibling("micro-root-unpack.log");
        run(List.of(Commands.java(), "-jar", payaraMicroJar.toString(), "--rootdir", root.toString(), "--outputlauncher"),
                log, Duration.ofMinutes(2));
        if (!Files.isRegularFile(root.resolve(LAUNCHER_JAR))) {
            throw new LauncherException("Payara Micro made no " + LAUNCHER_JAR + " in " + root + "; see " + log);
        }
    }

    /**
     * Boots Payara Micro once in a scratch root directory with {@code --warmup} (it shuts down
     * as soon as it is ready), without clustering, its HTTP listener on a free port of
     * {@code address}, and dumps the classes it loaded into the archive.
     */
    private static void warmUp(Path root, List<String> modules, String address, Path domainXml) throws IOException {
        Path scratch = root.resolveSibling("micro-root-warmup");
        Path log = root.resolveSibling("micro-root-warmup.log");
        Path partial = root.resolve(ARCHIVE + ".part");
        deleteTree(scratch);
        Files.deleteIfExists(partial);
        Files.createDirectories(scratch);
        Secrets.ownerOnly(scratch);
        for (String dir : SEEDED) {
            copyTree(root.resolve(dir), scratch.resolve("root").resolve(dir));
        }
        // The member's domain.xml holds secrets: it stays in the owner-only scratch directory.
        Files.copy(domainXml, scratch.resolve("domain.xml"), StandardCopyOption.REPLACE_EXISTING);
        List<String> cmd = new ArrayList<>(List.of(Commands.java(), "-Xmx256m", "-XX:ArchiveClassesAtExit=" + partial,
                "-Djava.io.tmpdir=" + Files.createDirectories(scratch.resolve("tmp"))));
        cmd.addAll(modules);
        cmd.add("-Dfish.payara.micro.BootJar=" + root.resolve(LAUNCHER_JAR).toUri());
        cmd.add("-Dfish.payara.micro.UnpackDir=" + root);
        cmd.addAll(List.of("-cp", root.resolve(LAUNCHER_JAR).toString(), MAIN_CLASS,
                "--rootdir", scratch.resolve("root").toString(), "--domainconfig", scratch.resolve("domain.xml").toString(),
                "--nocluster", "--disablephonehome", "--port", Integer.toString(freePort(address)), "--warmup"));
        LOG.info("making the class-data-sharing archive of Payara Micro's boot (once per installation), log in {}", log);
        long started = System.nanoTime();
        boolean ok = run(cmd, log, WARMUP_TIMEOUT) && Files.isRegularFile(partial) && Files.size(partial) > 0;
        deleteTree(scratch);
        if (ok) {
            Files.move(partial, root.resolve(ARCHIVE), StandardCopyOption.ATOMIC_MOVE);
            LOG.info("class-data-sharing archive {} made in {} ms", root.resolve(ARCHIVE),
                    Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        } else {
            Files.deleteIfExists(partial);
            // Not tried again at every start: delete the marker to try again.
            Files.writeString(root.resolve(ARCHIVE + ".failed"), "see " + log + "\n", StandardCharsets.UTF_8);
            LOG.warn("the class-data-sharing warm-up failed (see {}); members start without the archive", log);
        }
    }

    private static boolean run(List<String> cmd, Path log, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                return false;
            }
            return p.exitValue() == 0;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while running " + cmd.get(cmd.size() - 1) + " of Payara Micro", e);
        }
    }

    /** The launcher jar's {@code Add-Opens} and {@code Add-Exports}, which apply only to {@code java -jar}. */
    static List<String> moduleOptions(Path launcherJar) throws IOException {
        try (JarFile jar = new JarFile(launcherJar.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            List<String> options = new ArrayList<>();
            addModuleOptions(options, "--add-opens=", main.getValue("Add-Opens"));
            addModuleOptions(options, "--add-exports=", main.getValue("Add-Exports"));
            return List.copyOf(options);
        }
    }

    private static void addModuleOptions(List<String> options, String option, String value) {
        if (value == null) {
            return;
        }
        for (String modulePackage : value.trim().split("\\s+")) {
            if (!modulePackage.isEmpty()) {
                options.add(option + modulePackage + "=ALL-UNNAMED");
            }
        }
    }

    /** What the runtime and its archive were made from: the Payara jar and the JDK. */
    private static String stamp(Path payaraMicroJar) throws IOException {
        return "payara-micro.jar=" + payaraMicroJar + " " + Files.size(payaraMicroJar) + " "
                + Files.getLastModifiedTime(payaraMicroJar).toMillis() + "\njava=" + System.getProperty("java.home") + " "
                + Runtime.version() + "\n";
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!f.getFileName().toString().equals("lockfile")) {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
