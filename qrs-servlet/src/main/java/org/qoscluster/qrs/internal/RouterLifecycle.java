package org.qoscluster.qrs.internal;

import java.util.logging.Logger;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.qrs.RouterSettings;

/**
 * Reads the router's configuration once, from MicroProfile Config (the {@code qos.*}
 * properties of the router's {@code domain.xml} and the secrets directory), validates it and
 * starts the router. Invalid configuration fails the deployment with a message naming the key.
 */
@WebListener
public class RouterLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(RouterLifecycle.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        RouterSettings settings = RouterSettings.of(member.cluster(), member.secrets());
        HazelcastFlags maps = HazelcastFlags.lookup();
        RouterRuntime runtime = new RouterRuntime(settings, maps, maps::watermarks, maps::group, maps::groupChanging,
                System::nanoTime);
        event.getServletContext().setAttribute(RouterRuntime.ATTRIBUTE, runtime);
        runtime.start();
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
