package org.qoscluster.qrs.internal;

import java.nio.file.Path;
import java.util.logging.Logger;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.qrs.RouterSettings;

/**
 * Reads the router's configuration once, from MicroProfile Config (the {@code qos.*}
 * properties of the router's {@code domain.xml} and the secrets directory), validates it and
 * starts the router. Invalid configuration fails the deployment with a message naming the key.
 * The QoS goals are then read again from the router's {@code domain.xml} whenever it changes
 * ({@link RouterRuntime#watchGoals}), the one setting that takes effect without a restart.
 */
@WebListener
public class RouterLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(RouterLifecycle.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        RouterSettings settings = RouterSettings.of(member.cluster(), member.secrets());
        HazelcastFlags maps = HazelcastFlags.lookup();
        RouterRuntime runtime = new RouterRuntime(settings, maps, maps::watermarks, maps::group, maps,
                maps, System::nanoTime);
        event.getServletContext().setAttribute(RouterRuntime.ATTRIBUTE, runtime);
        LOG.info(() -> "router user classes from: " + settings.userClassSources());
        runtime.start();
        ConfigProvider.getConfig().getOptionalValue(PayaraMemberConfig.MEMBER_DOMAIN_XML_KEY, String.class)
                .ifPresentOrElse(path -> runtime.watchGoals(Path.of(path)),
                        () -> LOG.info(() -> "router goals: " + PayaraMemberConfig.MEMBER_DOMAIN_XML_KEY
                                + " is not set; the goals read at start-up stay until a restart"));
        maps.startSweeping(new FlagSweep(settings.flagTtlSeconds() * 1000L), runtime::replicatedEverywhere,
                System::currentTimeMillis);
        event.getServletContext().setAttribute(HazelcastFlags.class.getName(), maps);
        LOG.info("QoS-goal router started");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Object runtime = event.getServletContext().getAttribute(RouterRuntime.ATTRIBUTE);
        if (runtime instanceof RouterRuntime r) {
            r.close();
        }
        if (event.getServletContext().getAttribute(HazelcastFlags.class.getName()) instanceof HazelcastFlags maps) {
            maps.close();
        }
    }
}
