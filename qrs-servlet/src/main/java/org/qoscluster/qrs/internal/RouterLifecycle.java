package org.qoscluster.qrs.internal;

import java.nio.file.Path;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.qrs.RouterSettings;

/**
 * The router on Payara Micro: reads the router's configuration once, from MicroProfile Config
 * (the {@code qos.*} properties of the router's {@code domain.xml} and the secrets directory),
 * validates it and starts the router with the member's own Hazelcast. Invalid configuration fails
 * the deployment with a message naming the key. The QoS goals are then read again from the
 * router's {@code domain.xml} whenever it changes ({@link RouterRuntime#watchGoals}), the one
 * setting that takes effect without a restart.
 */
@WebListener
public class RouterLifecycle implements ServletContextListener {

    /** The router this listener started; null before and after. */
    private volatile RouterStartup started;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        started = RouterStartup.withMemberMaps(event.getServletContext(), RouterSettings.of(member.cluster(), member.secrets()),
                ConfigProvider.getConfig().getOptionalValue(PayaraMemberConfig.MEMBER_DOMAIN_XML_KEY, String.class).map(Path::of));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        RouterStartup r = started;
        started = null;
        if (r != null) {
            r.close();
        }
    }
}
