package org.qoscluster.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.internal.Commands;
import org.qoscluster.launcher.internal.PartProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sites of a {@link SitesConfig} on this machine: each site is a {@link Cluster} of its own,
 * started from its own state directory ({@code STATE/sites/NAME}: its own secrets, pid files,
 * logs, database files), and its site DNS server, part {@value #DNS_PART} of that directory, so
 * that {@link Cluster#stop(Path)} of the site stops it with the rest.
 *
 * <p>With {@code qos.sites.database=shared} (the default) the sites share one database group,
 * which needs one database password: a site started here takes it from a site started here
 * before (sites on other machines: copy the secret). With {@code separate} each site has a group
 * of its own. A user's session lives in the Hazelcast cluster of the site that served them.
 */
public final class Sites {

    private static final Logger LOG = LoggerFactory.getLogger(Sites.class);
    /** The site DNS server's part name in its site's state directory. */
    public static final String DNS_PART = "site-dns";
    /** The two-site demo's configuration (on the launcher's class path). */
    public static final String DEMO = "sites-demo.properties";

    private Sites() {
    }

    /** The state directory of site {@code name} under the launcher's state directory {@code state}. */
    public static Path siteDir(Path state, String name) {
        return state.toAbsolutePath().normalize().resolve("sites").resolve(name);
    }

    /** The site directories under {@code state} that hold a record of parts, in name order. */
    public static List<Path> siteDirs(Path state) {
        Path sites = state.toAbsolutePath().normalize().resolve("sites");
        if (!Files.isDirectory(sites)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(sites)) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + sites, e);
        }
    }

    /**
     * Starts site {@code name} on this machine: its cluster ({@link Cluster#start(org.qoscluster.config.ClusterConfig,
     * RuntimeLayout, Path, Duration, List)} from {@link #siteDir}), then its DNS server, and waits
     * until the server answers on its port (it listens once its first round of probes is done).
     */
    public static Cluster startSite(SitesConfig sites, String name, RuntimeLayout layout, Path state, Duration timeout,
                                    List<AppSpec> apps) {
        SitesConfig.Site site = sites.requireSite(name);
        Path dir = siteDir(state, name);
        long deadline = System.nanoTime() + timeout.toNanos();
        // One UID key everywhere: a user sent to another site keeps their signed identity (and so
        // their session); one database password for one database group across the sites.
        shareSecrets(state, dir, sites.sharedDatabase() ? List.of(ClusterConfig.SECRET_UID_KEY, ClusterConfig.SECRET_DB_PASSWORD)
                : List.of(ClusterConfig.SECRET_UID_KEY));
        Cluster cluster = Cluster.start(site.cluster(), layout, dir, timeout, apps);
        try {
            startDns(sites, site, layout, dir, Duration.ofNanos(Math.max(deadline - System.nanoTime(), Duration.ofSeconds(30).toNanos())));
        } catch (RuntimeException e) {
            Cluster.stop(dir);
            throw e;
        }
        return cluster;
    }

    /**
     * The secrets of {@code keys} that every site must share: a site without one takes that of a
     * site started from {@code state} before (the first that has it); the others it keeps (its
     * admin token and its Hazelcast cluster secret are its own). Sites on other machines get them
     * by copying the files.
     */
    private static void shareSecrets(Path state, Path dir, List<String> keys) {
        Path mine = dir.resolve("secrets");
        for (String key : keys) {
            if (Files.exists(mine.resolve(key))) {
                continue;
            }
            for (Path other : siteDirs(state)) {
                Path theirs = other.resolve("secrets");
                if (!other.equals(dir) && Files.isRegularFile(theirs.resolve(key))) {
                    org.qoscluster.launcher.internal.Secrets.copy(theirs, mine, List.of(key));
                    LOG.info("site {} takes {} of site {}: the sites share it", dir.getFileName(), key, other.getFileName());
                    break;
                }
            }
        }
    }

    /** Starts {@code site}'s DNS server from {@code dir} (its site's state directory) and waits until it listens. */
    public static void startDns(SitesConfig sites, SitesConfig.Site site, RuntimeLayout layout, Path dir, Duration timeout) {
        if (PartProcess.handle(dir, DNS_PART).isPresent()) {
            throw new LauncherException(DNS_PART + " of site " + site.name() + " is still running");
        }
        Path file = dir.resolve("site-dns.properties");
        Properties p = new Properties();
        p.putAll(sites.dnsProperties(site));
        try {
            Files.createDirectories(dir);
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                p.store(w, "site DNS server of site " + site.name() + ", written by bin/qoscluster up --site " + site.name());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        PartProcess.start(dir, DNS_PART, "dns", site.dnsPort(), List.of(Commands.java(), "-Xmx64m",
                "-D" + Commands.PART_PROPERTY + "=" + dir + "/" + DNS_PART,
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS",
                "-cp", layout.siteDnsClassPath(), "org.qoscluster.sitedns.Main", "--config", file.toString()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(site.dnsAddress(), site.dnsPort()), 500);
                LOG.info("site={} part={} listens on {}", site.name(), DNS_PART, site.dnsEndpoint());
                return;
            } catch (IOException e) {
                if (PartProcess.handle(dir, DNS_PART).isEmpty() || System.nanoTime() > deadline) {
                    String tail = PartProcess.tail(PartProcess.logFile(dir, DNS_PART), 20);
                    throw new LauncherException("the DNS server of site " + site.name() + " does not listen on "
                            + site.dnsEndpoint() + ":\n" + tail);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while starting the DNS server of site " + site.name());
            }
        }
    }

    /** Stops every part of site {@code name} (its DNS server included); one line per part. */
    public static List<String> stopSite(Path state, String name) {
        return Cluster.stop(siteDir(state, name));
    }

    /** What runs from each site's directory under {@code state}: site name to its parts. */
    public static Map<String, List<PartStatus>> status(Path state) {
        Map<String, List<PartStatus>> out = new LinkedHashMap<>();
        for (Path dir : siteDirs(state)) {
            out.put(dir.getFileName().toString(), Cluster.status(dir));
        }
        return out;
    }

    /**
     * The {@code qos.*} properties of {@code file} (null: the two-site demo's, {@value #DEMO}) with
     * {@code overrides} laid over them.
     */
    public static Map<String, String> properties(Path file, Map<String, String> overrides) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file == null) {
            Properties p = new Properties();
            try (InputStream in = Sites.class.getResourceAsStream(DEMO)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + DEMO + " beside " + Sites.class.getName());
                }
                p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + DEMO, e);
            }
            p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        } else {
            out.putAll(ClusterConfig.readFile(file));
        }
        out.putAll(overrides);
        return out;
    }

    /** The lines {@code up} prints for the sites: each site's router and DNS server, and a {@code dig} to try. */
    public static List<String> summary(SitesConfig sites) {
        List<String> lines = new ArrayList<>();
        String zone = sites.dnsProperties(sites.sites().get(0)).get("qos.site-dns.zone");
        for (SitesConfig.Site s : sites.sites()) {
            lines.add("  site " + s.name() + ": router http://" + s.cluster().hostOf(s.cluster().router().name()).uriHost() + ":"
                    + s.cluster().router().httpPort() + "/ , DNS server " + s.dnsEndpoint() + " (answers " + zone + ")");
        }
        SitesConfig.Site first = sites.sites().get(0);
        lines.add("  try: dig @" + first.dnsAddress() + " -p " + first.dnsPort() + " " + zone + " A +short");
        if (sites.sharedDatabase()) {
            SitesConfig.Site s = sites.sites().get(0);
            lines.add("  one database group across the sites: its master at site " + s.name() + " (" + s.name()
                    + "-master), replicas at every site; the other sites relay their writes to it and read their own copies");
            lines.add("  sessions are kept in the replicated session table: a user sent to another site keeps their session");
        } else {
            lines.add("  each site has its own database group (qos.sites.database=separate), and its own sessions");
        }
        return lines;
    }
}
