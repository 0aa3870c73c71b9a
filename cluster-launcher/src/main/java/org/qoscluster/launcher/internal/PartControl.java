package org.qoscluster.launcher.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.PartStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control of the parts a cluster runs from its state directory, by their pid files: stopping
 * them all (at once, the agent after its supervisor), SIGKILL,
 * SIGSTOP and SIGCONT of one part, the tails of their logs, and the thread pool on which the
 * launcher waits for parts to answer or stop.
 */
public final class PartControl {

    private static final Logger LOG = LoggerFactory.getLogger(PartControl.class);
    /** How long a part has to stop before it is killed. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(20);
    /** Waits and stops run here, one thread each: the common pool has a single thread on two cores. */
    public static final ExecutorService WAITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qoscluster-wait");
        t.setDaemon(true);
        return t;
    });

    private PartControl() {
    }

    /**
     * Stops every part recorded under {@code dir} (absolute), all at once but the replication
     * agent, which its supervisor stops first; returns one line per part.
     */
    public static List<String> stopAll(Path dir) {
        List<PartStatus> parts = new ArrayList<>(PartProcess.list(dir));
        // The agent's supervisor before the agent: it would replace an agent stopped before it.
        // The other parts meanwhile: none of them needs the agent to stop.
        List<String> replication = List.of(ReplicationParts.SUPERVISOR, ReplicationParts.AGENT);
        List<CompletableFuture<List<String>>> stops = new ArrayList<>();
        if (parts.stream().anyMatch(p -> replication.contains(p.name()))) {
            stops.add(CompletableFuture.supplyAsync(() -> replication.stream()
                    .filter(name -> parts.stream().anyMatch(p -> p.name().equals(name)))
                    .map(name -> name + ": " + PartProcess.stop(dir, name, STOP_GRACE)).toList(), WAITERS));
        }
        // Nodes signalled before databases, so that no node logs a storm of connection errors on the way down.
        parts.sort((a, b) -> Boolean.compare(a.kind().equals("derby"), b.kind().equals("derby")));
        parts.stream().filter(p -> !replication.contains(p.name())).forEach(p -> stops.add(CompletableFuture.supplyAsync(
                () -> List.of(p.name() + ": " + PartProcess.stop(dir, p.name(), STOP_GRACE)), WAITERS)));
        List<String> lines = new ArrayList<>();
        stops.forEach(stop -> lines.addAll(stop.join()));
        return lines;
    }

    /**
     * Stops one part of the cluster started from {@code dir} with {@code config}, as {@code down}
     * would, but only it; either replication part stops both (the supervisor would otherwise start
     * the agent again). One line per part stopped.
     */
    public static List<String> stopPart(Path dir, ClusterConfig config, String part) {
        java.util.Set<String> parts = new java.util.TreeSet<>();
        PartProcess.list(dir).forEach(p -> parts.add(p.name()));
        config.members().forEach(m -> parts.add(m.name()));
        config.databases().forEach(d -> parts.add("derby-" + d.name()));
        config.furtherGroups().forEach(g -> g.copies().forEach(d -> parts.add("derby-" + d.name())));
        if (config.keepsGroup()) {
            parts.add(ReplicationParts.SUPERVISOR);
            parts.add(ReplicationParts.AGENT);
        }
        if (!parts.contains(part)) {
            throw new IllegalArgumentException("no part '" + part + "' in the cluster started from " + dir + " (parts: " + parts + ")");
        }
        List<String> lines = new ArrayList<>();
        if (part.equals(ReplicationParts.AGENT) || part.equals(ReplicationParts.SUPERVISOR)) {
            for (String p : List.of(ReplicationParts.SUPERVISOR, ReplicationParts.AGENT)) {
                lines.add(p + ": " + PartProcess.stop(dir, p, STOP_GRACE));
            }
            return lines;
        }
        lines.add(part + ": " + PartProcess.stop(dir, part, STOP_GRACE));
        return lines;
    }

    /** Kills a part with SIGKILL, as a crash would. */
    public static void kill(Path dir, String part) {
        LOG.info("part={} killing with SIGKILL", part);
        PartProcess.kill(dir, part);
    }

    /**
     * Kills every running part under {@code dir} with SIGKILL and waits until they are gone: the
     * replication agent's supervisor first (it would start a new agent for one killed beside it),
     * then the others at once. Nothing is shut down in order; one line per part killed.
     */
    public static List<String> killAll(Path dir) {
        java.util.Set<String> killed = new java.util.LinkedHashSet<>(running(dir));
        LOG.info("parts={} killing with SIGKILL", killed);
        if (killed.contains(ReplicationParts.SUPERVISOR)) {
            PartProcess.kill(dir, ReplicationParts.SUPERVISOR);
        }
        // Read again: an agent the supervisor started before it died is killed too.
        List<String> rest = running(dir);
        PartProcess.kill(dir, rest);
        killed.addAll(rest);
        return killed.stream().map(name -> name + ": killed").toList();
    }

    /** The names of the parts under {@code dir} whose processes are alive. */
    private static List<String> running(Path dir) {
        return PartProcess.list(dir).stream().filter(PartStatus::alive).map(PartStatus::name).toList();
    }

    /** Kills the parts {@code parts} with SIGKILL at once, as a host's or a site's death would, and waits until they are gone. */
    public static void kill(Path dir, List<String> parts) {
        LOG.info("parts={} killing with SIGKILL at once", parts);
        PartProcess.kill(dir, parts);
    }

    /** Stops a part with SIGSTOP: it hangs, its kernel still accepts connections (a stalled process). */
    public static void pause(Path dir, String part) {
        LOG.info("part={} pausing with SIGSTOP", part);
        PartProcess.signal(dir, part, "STOP");
    }

    /** Lets a part stopped by {@link #pause} go on (SIGCONT). */
    public static void resume(Path dir, String part) {
        LOG.info("part={} resuming with SIGCONT", part);
        PartProcess.signal(dir, part, "CONT");
    }

    /** The last {@code lines} lines of every part's log under {@code dir}, headed by the part's name. */
    public static String logTails(Path dir, int lines) {
        StringBuilder out = new StringBuilder();
        for (PartStatus p : PartProcess.list(dir)) {
            out.append("----- ").append(p.name()).append(p.alive() ? " (running)" : " (not running)")
                    .append(", last ").append(lines).append(" lines of ").append(p.log()).append('\n')
                    .append(PartProcess.tail(p.log(), lines)).append('\n');
        }
        return out.toString();
    }

    /** Waits for all of {@code futures}; the first failure is thrown as it was. */
    public static void joinAll(List<CompletableFuture<Void>> futures) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
