package org.qoscluster.group.internal;

import java.util.logging.Logger;

import com.hazelcast.core.HazelcastInstance;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.contract.MemberHazelcast;

/**
 * Starts the node's {@link GroupService} when the WAR deploys (the launcher deploys it before the
 * application, so the write path listens before the application's first connection) and stops it
 * with the WAR. A cluster without replicas has no group to keep: then it does nothing.
 */
@WebListener
public class GroupServiceLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(GroupServiceLifecycle.class.getName());

    private GroupService service;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        if (member.cluster().replicas().isEmpty()) {
            LOG.info("no replicas configured: no redundancy group to keep");
            return;
        }
        try {
            HazelcastInstance hz = MemberHazelcast.instance();
            String token = member.secrets().get(org.qoscluster.config.ClusterConfig.SECRET_ADMIN_TOKEN);
            service = MemberHazelcast.outsideApplication(GroupServiceLifecycle.class, "group service", () -> {
                GroupService s = new GroupService(member.cluster(), member.memberName(), hz,
                        org.qoscluster.config.ClusterConfig.dbPassword(member.secrets()), token);
                s.start();
                return s;
            });
            event.getServletContext().setAttribute(GroupEndpoint.SERVICE, service);
            event.getServletContext().setAttribute(GroupEndpoint.TOKEN, token);
        } catch (Exception e) {
            throw new IllegalStateException("the redundancy group service cannot start: " + e, e);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (service != null) {
            service.close();
        }
    }
}
