package org.qoscluster.sitedns;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.qoscluster.sitedns.internal.SiteDnsServer;
import org.qoscluster.sitedns.internal.SiteProbes;

/**
 * A running site DNS server with its probes: {@link #start} starts probing the sites' status
 * pages and the peers, waits for the first round of probes (each bounded by the probe time-out)
 * so that the first answers already reflect the sites, then listens; {@link #close} stops both.
 */
public final class SiteDns implements AutoCloseable {

    private final SiteProbes probes;
    private final SiteDnsServer server;
    private final SiteStates states;

    private SiteDns(SiteProbes probes, SiteDnsServer server, SiteStates states) {
        this.probes = probes;
        this.server = server;
        this.states = states;
    }

    /** Starts the probes, then the listeners, for {@code config}. */
    public static SiteDns start(SiteDnsConfig config) throws IOException {
        SiteStates states = new SiteStates();
        SiteProbes probes;
        try {
            probes = SiteProbes.start(config, states, System::nanoTime);
        } catch (Exception e) {
            throw new IOException("cannot start the site probes: " + e, e);
        }
        try {
            probes.awaitFirstRound(config.health().timeout().plus(Duration.ofSeconds(1)));
            AtomicLong rotation = new AtomicLong();
            SiteDnsServer server = SiteDnsServer.start(config, new ZoneAnswerer(config, states, rotation::getAndIncrement));
            return new SiteDns(probes, server, states);
        } catch (InterruptedException e) {
            probes.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the first probes", e);
        } catch (IOException | RuntimeException e) {
            probes.close();
            throw e;
        }
    }

    /** The port the listeners are bound to. */
    public int port() {
        return server.port();
    }

    /** The sites' states and the blind flag as the probes last published them. */
    public SiteStates.View view() {
        return states.view();
    }

    /** The peers that answer now, as ADDRESS:PORT. */
    public List<String> peersUp() {
        return probes.peersUp();
    }

    @Override
    public void close() throws IOException {
        probes.close();
        server.close();
    }
}
