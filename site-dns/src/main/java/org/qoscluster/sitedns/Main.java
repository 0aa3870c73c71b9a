package org.qoscluster.sitedns;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.sitedns.internal.SiteDnsServer;

/**
 * Runs a site DNS server: {@code Main --config FILE}, FILE holding the {@code qos.site-dns.*}
 * properties of {@link SiteDnsConfig}. Until site health checks feed it, every configured site
 * counts as available.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2 || !args[0].equals("--config")) {
            System.err.println("usage: site-dns --config FILE");
            System.exit(2);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(args[1]), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> properties = new HashMap<>();
        p.stringPropertyNames().forEach(k -> properties.put(k, p.getProperty(k)));
        SiteDnsConfig config;
        try {
            config = SiteDnsConfig.read(properties);
        } catch (InvalidConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        AtomicLong rotation = new AtomicLong();
        SiteStates states = SiteStates.allAvailable(config.sites());
        SiteDnsServer server = SiteDnsServer.start(config, new ZoneAnswerer(config, states, rotation::getAndIncrement));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        stop.await();
    }
}
