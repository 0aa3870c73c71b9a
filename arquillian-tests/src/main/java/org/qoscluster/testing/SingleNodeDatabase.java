package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.launcher.RuntimeLayout;

/**
 * For Arquillian's single-node tests: starts the master Derby network server on a free port and
 * writes the node's {@code domain.xml} (to {@code qos.arquillian.domainXml}) and secrets (to
 * {@code qos.arquillian.secretsDir}), which {@code arquillian.xml} hands to Payara Micro, before
 * Arquillian deploys. Register it before
 * {@code ArquillianExtension}. Test methods can take a {@link StoreDatabase} parameter.
 */
public final class SingleNodeDatabase implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SingleNodeDatabase.class);

    private record Running(Cluster databases) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            databases.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ClusterConfig config = TestRuntime.freePortConfig(1, 0);
        RuntimeLayout layout = TestRuntime.layout();
        Cluster databases = Cluster.startDatabases(config, layout, TestRuntime.stateDir(context.getRequiredTestClass()),
                Duration.ofMinutes(2));
        context.getStore(NS).put(Running.class, new Running(databases));
        Path domainXml = Path.of(System.getProperty("qos.arquillian.domainXml"));
        Path secretsDir = Path.of(System.getProperty("qos.arquillian.secretsDir"));
        Path systemProperties = Path.of(System.getProperty("qos.arquillian.systemProperties"));
        try {
            Files.createDirectories(domainXml.getParent());
            // The node's secrets (the UID key its Session Synchronizer signs identities with).
            Files.createDirectories(secretsDir);
            for (Map.Entry<String, String> secret : databases.ensureSecrets().entrySet()) {
                Files.writeString(secretsDir.resolve(secret.getKey()), secret.getValue());
            }
            // The JVM options the launcher gives a member, as Payara Micro's --systemproperties file.
            java.util.Properties jvm = new java.util.Properties();
            for (String option : PayaraMemberConfig.jvmOptions(config)) {
                int eq = option.indexOf('=');
                jvm.setProperty(option.substring(2, eq), option.substring(eq + 1));
            }
            try (var out = Files.newBufferedWriter(systemProperties)) {
                jvm.store(out, "system properties of the Arquillian node, as PayaraMemberConfig.jvmOptions");
            }
            Files.writeString(domainXml, PayaraMemberConfig.domainXml(config, config.nodes().get(0),
                    PayaraMemberConfig.bundledTemplate(layout.payaraMicroJar()), databases.ensureSecrets()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + domainXml, e);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == StoreDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Running running = context.getStore(NS).get(Running.class, Running.class);
        return new StoreDatabase(running.databases().jdbcUrl("master"), running.databases().dbPassword());
    }
}
