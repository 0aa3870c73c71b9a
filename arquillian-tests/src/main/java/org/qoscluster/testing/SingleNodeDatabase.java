package org.qoscluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
 * {@code ArquillianExtension}. Test methods can take a {@link StoreDatabase} parameter. The
 * node's {@code qos.*} settings are the defaults, with the test class's {@link NodeProperties}
 * laid over them.
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
        NodeProperties properties = context.getRequiredTestClass().getAnnotation(NodeProperties.class);
        ClusterConfig config = TestRuntime.freePortConfig(1, 0, properties == null ? Map.of() : settings(properties));
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

    /** The test class's settings as a map; an entry without {@code =} is refused, naming it. */
    private static Map<String, String> settings(NodeProperties properties) {
        Map<String, String> settings = new HashMap<>();
        for (String entry : properties.value()) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@NodeProperties: '" + entry + "' is not KEY=VALUE");
            }
            settings.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
        }
        return settings;
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
