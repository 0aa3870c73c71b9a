package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.DatabaseSpec;
import org.qoscluster.config.MemberSpec;
import org.qoscluster.config.Role;

/**
 * The parts that run on other hosts, as seen from this one over the network: a member by its
 * readiness page (a node's {@code /api/health}, the router's {@code /qrs/site}), a database copy
 * by a TCP connection to its port. The replication agent listens on nothing; it is only named.
 */
public final class RemoteParts {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /**
     * One part of another host.
     *
     * @param answers whether it answered (null for a part that cannot be asked)
     * @param seen    what it answered, or why not
     */
    public record Seen(String part, String host, String address, int port, Boolean answers, String seen) {
    }

    private RemoteParts() {
    }

    /** Every configured part whose name is not in {@code local}, asked over the network. */
    public static List<Seen> probe(ClusterConfig config, Set<String> local) {
        List<Seen> seen = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        for (MemberSpec m : config.members()) {
            if (local.contains(m.name())) {
                continue;
            }
            URI uri = MemberParts.uri(config, m.name()).resolve(m.role() == Role.NODE ? "api/health" : "qrs/site");
            Boolean answers;
            String what;
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                answers = r.statusCode() == 200;
                what = uri.getPath() + " answers " + r.statusCode();
            } catch (IOException e) {
                answers = false;
                what = "no answer at " + uri + " (" + e.getClass().getSimpleName() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return seen;
            }
            seen.add(new Seen(m.name(), config.hostOf(m.name()).name(), config.address(m.name()), m.httpPort(), answers, what));
        }
        List<DatabaseSpec> copies = new ArrayList<>(config.databases());
        config.furtherGroups().forEach(g -> copies.addAll(g.copies()));
        for (DatabaseSpec db : copies) {
            if (local.contains("derby-" + db.name())) {
                continue;
            }
            String address = config.address(db.name());
            boolean open;
            String what;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, db.port()), (int) TIMEOUT.toMillis());
                open = true;
                what = "accepts connections";
            } catch (IOException e) {
                open = false;
                what = "no answer (" + e.getClass().getSimpleName() + ")";
            }
            seen.add(new Seen("derby-" + db.name(), config.hostOf(db.name()).name(), address, db.port(), open, what));
        }
        if (config.keepsGroup() && !local.contains(ClusterConfig.REPLICATION_AGENT)) {
            seen.add(new Seen(ClusterConfig.REPLICATION_AGENT, config.hostOf(ClusterConfig.REPLICATION_AGENT).name(),
                    config.address(ClusterConfig.REPLICATION_AGENT), 0, null, "listens on nothing: ask 'status' on its host"));
        }
        return List.copyOf(seen);
    }
}
