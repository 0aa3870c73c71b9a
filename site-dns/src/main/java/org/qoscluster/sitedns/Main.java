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

import org.qoscluster.config.InvalidConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a site DNS server: {@code Main --config FILE}, FILE holding the {@code qos.site-dns.*}
 * properties of {@link SiteDnsConfig}. Probes the sites' status pages and the peers (see
 * {@link SiteDns}), answers from what they see, and stops both on SIGTERM or SIGINT.
 */
public final class Main {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

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
        SiteDns server = SiteDns.start(config);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                LOG.info("site-dns={} stopped", config.zone());
            } catch (IOException e) {
                LOG.warn("site-dns={} stopping failed: {}", config.zone(), e.toString());
            }
            stop.countDown();
        }));
        stop.await();
    }
}
