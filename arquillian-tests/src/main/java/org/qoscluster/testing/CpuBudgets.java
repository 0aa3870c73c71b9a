package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU budgets for a benchmark's processes, as if each ran on a machine of its own: one cgroup
 * (v1, controller {@code cpu}) per process under {@code ROOT/PARENT}, its quota a fraction of a
 * core ({@code cpu.cfs_quota_us} over a {@code cpu.cfs_period_us} of 100 ms), the whole process
 * (every thread) moved there by writing its pid to {@code cgroup.procs}. Needs root and a cgroup
 * v1 {@code cpu} hierarchy. {@link #close} moves what is left back to {@code ROOT} and removes the
 * groups; the script that runs the benchmark removes them as well when the JVM dies first.
 */
final class CpuBudgets implements AutoCloseable {

    static final long PERIOD_US = 100_000;

    private final Path parent;
    private final Path root;
    private final Map<String, Path> groups = new LinkedHashMap<>();

    /** Creates (or reuses) {@code root/parentName}, which has no quota of its own. */
    CpuBudgets(Path root, String parentName) {
        if (!Files.isRegularFile(root.resolve("cpu.cfs_quota_us"))) {
            throw new IllegalStateException("no cgroup v1 cpu hierarchy at " + root + " (cpu.cfs_quota_us missing)");
        }
        this.root = root;
        this.parent = root.resolve(parentName);
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cgroup " + parent + " (root needed)", e);
        }
    }

    /**
     * Puts process {@code pid} and its descendants into group {@code name} with {@code cores} of
     * CPU ({@code <= 0}: no limit).
     */
    void place(String name, long pid, double cores) {
        Path group = groups.computeIfAbsent(name, parent::resolve);
        try {
            Files.createDirectories(group);
            write(group.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
            setQuota(name, cores);
            List<Long> pids = new ArrayList<>();
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
            for (long p : pids) {
                write(group.resolve("cgroup.procs"), Long.toString(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot place pid " + pid + " in cgroup " + group, e);
        }
    }

    /**
     * Moves the JIT compiler threads of process {@code pid} out of its budget, into a group of
     * their own without a quota ({@code NAME-jit}), as a server's compilers would run on another
     * core of its machine: the budget is then spent on the process's work, the same in its first
     * minutes as after hours, and the compilers' CPU shows apart. Compiler threads the JVM adds
     * later are started by a compiler thread and so start in that group; call again to move any
     * other.
     */
    void exemptCompilers(String name, long pid) {
        Path group = parent.resolve(name + "-jit");
        try {
            Files.createDirectories(group);
            eachThread(pid, (task, kind) -> {
                if (kind.equals("jit")) {
                    write(group.resolve("tasks"), task.getFileName().toString());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the compiler threads of pid " + pid + " to cgroup " + group, e);
        }
    }

    /** Sets group {@code name}'s budget to {@code cores} ({@code <= 0}: no limit). */
    void setQuota(String name, double cores) {
        Path group = groups.get(name);
        if (group == null) {
            throw new IllegalArgumentException("no cgroup " + name + " (known: " + groups.keySet() + ")");
        }
        try {
            write(group.resolve("cpu.cfs_quota_us"), cores <= 0 ? "-1" : Long.toString(Math.round(cores * PERIOD_US)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the quota of cgroup " + group, e);
        }
    }

    /** Each group's quota as the kernel holds it, e.g. {@code derby-master 0.40 core}. */
    String describe() {
        StringBuilder s = new StringBuilder();
        groups.forEach((name, group) -> {
            long quota = Long.parseLong(read(group.resolve("cpu.cfs_quota_us")));
            long period = Long.parseLong(read(group.resolve("cpu.cfs_period_us")));
            s.append(s.length() == 0 ? "" : ", ").append(name).append(' ')
                    .append(quota < 0 ? "unlimited" : String.format(Locale.ROOT, "%.2f core (%d/%d us)", (double) quota / period, quota, period));
        });
        return s.toString();
    }

    /** Periods in which group {@code name} ran out of its quota so far ({@code cpu.stat nr_throttled}). */
    long throttledPeriods(String name) {
        for (String line : read(groups.get(name).resolve("cpu.stat")).split("\n")) {
            if (line.startsWith("nr_throttled ")) {
                return Long.parseLong(line.substring("nr_throttled ".length()).strip());
            }
        }
        return 0;
    }

    /** User plus system CPU time of process {@code pid} (all its threads), in seconds; 0 once it is gone. */
    static double processCpuSeconds(long pid) {
        try {
            return cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * User plus system CPU time of process {@code pid} so far by kind of thread, in seconds:
     * {@code jit} (the JIT compilers), {@code gc} (the collector and the VM thread), {@code drda}
     * (Derby's network server sessions, which run the statements) and {@code other}; a thread
     * that ended took its time with it. Empty once the process is gone.
     */
    static Map<String, Double> threadCpuSeconds(long pid) {
        Map<String, Double> kinds = new TreeMap<>();
        try {
            eachThread(pid, (task, kind) -> kinds.merge(kind,
                    cpuSeconds(Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII)), Double::sum));
        } catch (IOException e) {
            return Map.of();
        }
        return kinds;
    }

    /** What {@link #eachThread} does with a thread: its {@code /proc/PID/task/TID} directory and its kind. */
    private interface ThreadAction {
        void accept(Path task, String kind) throws IOException;
    }

    /**
     * Calls {@code action} for every thread of process {@code pid} with its kind
     * ({@link #threadKind}); a thread that ends meanwhile is left out.
     */
    private static void eachThread(long pid, ThreadAction action) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    action.accept(task, threadKind(Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip()));
                } catch (IOException e) {
                    // the thread ended between the listing and the read
                }
            }
        }
    }

    private static String threadKind(String name) {
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return "gc";
        }
        return name.startsWith("DRDAConnThread") ? "drda" : "other";
    }

    /** utime plus stime of a {@code /proc/.../stat} line, in seconds (clock ticks of USER_HZ 100). */
    private static double cpuSeconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    List<String> names() {
        return List.copyOf(groups.keySet());
    }

    /** Moves every process still in a group back to the root group and removes the groups. */
    @Override
    public void close() {
        List<String> failed = new ArrayList<>();
        for (Path group : groups.values()) {
            empty(group, failed);
        }
        groups.clear();
        try (var children = Files.list(parent)) {
            children.filter(Files::isDirectory).forEach(g -> empty(g, failed));
        } catch (IOException e) {
            failed.add(parent + ": " + e.getMessage());
        }
        try {
            Files.deleteIfExists(parent);
        } catch (IOException e) {
            failed.add(parent + ": " + e.getMessage());
        }
        if (!failed.isEmpty()) {
            System.err.println("cgroups not removed: " + failed);
        }
    }

    private void empty(Path group, List<String> failed) {
        try {
            if (Files.isDirectory(group)) {
                for (String pid : read(group.resolve("cgroup.procs")).split("\n")) {
                    if (!pid.isBlank()) {
                        try {
                            write(root.resolve("cgroup.procs"), pid.strip());
                        } catch (IOException e) {
                            // gone in the meantime
                        }
                    }
                }
                Files.deleteIfExists(group);
            }
        } catch (IOException | UncheckedIOException e) {
            failed.add(group + ": " + e.getMessage());
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
