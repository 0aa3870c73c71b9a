package org.qoscluster.launcher.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import org.qoscluster.redundancy.AgentSupervision;

/**
 * The replication agent's lease and the supervisor's generation count, as files in the cluster's
 * state directory ({@code run/replication-agent.lease}: {@code GENERATION MILLIS};
 * {@code run/replication-agent.generation}: the last generation started). The one reader and
 * writer of both: the agent process renews, the supervisor on the same host reads.
 */
final class AgentLeaseFile {

    private final Path lease;
    private final Path generation;

    AgentLeaseFile(Path stateDir) {
        Path run = stateDir.resolve("run");
        this.lease = run.resolve("replication-agent.lease");
        this.generation = run.resolve("replication-agent.generation");
    }

    /** Writes {@code l} whole (a reader never sees half of it). */
    void renew(AgentSupervision.Lease l) throws IOException {
        write(lease, l.generation() + " " + l.renewedMillis());
    }

    /** The lease last written; empty when there is none or it cannot be read. */
    Optional<AgentSupervision.Lease> read() {
        try {
            String[] f = Files.readString(lease, StandardCharsets.UTF_8).trim().split(" ");
            return f.length == 2 ? Optional.of(new AgentSupervision.Lease(Long.parseLong(f[0]), Long.parseLong(f[1])))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The last generation started from this state directory; 0 when none was. */
    long lastGeneration() {
        try {
            return Long.parseLong(Files.readString(generation, StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    void started(long g) throws IOException {
        write(generation, Long.toString(g));
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
