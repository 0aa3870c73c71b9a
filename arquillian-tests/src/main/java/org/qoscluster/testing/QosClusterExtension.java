package org.qoscluster.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.launcher.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster fixture behind {@link QosCluster}: the same {@link Cluster} code that
 * {@code bin/qoscluster up} runs, once per test class, killed through the JUnit store (so
 * also after a failure), with the tail of every part's log printed when a test fails.
 */
public final class QosClusterExtension implements BeforeAllCallback, ParameterResolver, TestExecutionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(QosClusterExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(QosClusterExtension.class);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    /** Closes the cluster when JUnit drops the class's store. */
    private record RunningCluster(Cluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            // Killed, not stopped in order: its data is thrown away, and an orderly stop of every
            // part took 8-9 s a class (the launcher's own stop is tested where it is the subject).
            LOG.info("killing test cluster in {}", cluster.stateDir());
            cluster.killAll().forEach(line -> LOG.info("{}", line));
            // Keep the logs and domain.xml files for a look after the run; drop Payara's unpacked runtime (100 MB a node).
            for (var member : cluster.config().nodes()) {
                deleteTree(cluster.stateDir().resolve("members").resolve(member.name()).resolve("root"));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        QosCluster spec = AnnotationSupport.findAnnotation(testClass, QosCluster.class)
                .orElseThrow(() -> new IllegalStateException(testClass + " is not annotated with @QosCluster"));
        java.util.Map<String, String> overrides = new java.util.HashMap<>();
        for (String kv : spec.properties()) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("@QosCluster property '" + kv + "' is not KEY=VALUE");
            }
            overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        ClusterConfig config = TestRuntime.freePortConfig(spec.nodes(), spec.replicas(), overrides);
        var stateDir = TestRuntime.stateDir(testClass);
        LOG.info("starting test cluster for {} in {}", testClass.getSimpleName(), stateDir);
        long t0 = System.nanoTime();
        Cluster cluster = Cluster.start(config, TestRuntime.layout(), stateDir, START_TIMEOUT);
        LOG.info("test cluster for {} up in {} ms", testClass.getSimpleName(), (System.nanoTime() - t0) / 1_000_000);
        context.getStore(NS).put(RunningCluster.class, new RunningCluster(cluster));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Cluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        RunningCluster running = context.getStore(NS).get(RunningCluster.class, RunningCluster.class);
        if (running != null) {
            System.err.println("Test " + context.getDisplayName() + " failed; the cluster's logs end with:\n"
                    + running.cluster().logTails(30));
        }
        throw failure;
    }

    private static Cluster cluster(ExtensionContext context) {
        RunningCluster running = context.getStore(NS).get(RunningCluster.class, RunningCluster.class);
        if (running == null) {
            throw new IllegalStateException("no cluster was started for " + context.getDisplayName());
        }
        return running.cluster();
    }
}
