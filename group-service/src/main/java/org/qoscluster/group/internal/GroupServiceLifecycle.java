package org.qoscluster.group.internal;

import java.util.concurrent.FutureTask;
import java.util.logging.Logger;

import javax.naming.InitialContext;

import com.hazelcast.core.HazelcastInstance;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;

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
            HazelcastInstance hz = (HazelcastInstance) new InitialContext().lookup("payara/Hazelcast");
            // Map proxies made from application code get Payara's tenant control, which fails on
            // the other members (see the Session Synchronizer): they are made on a plain thread.
            String token = member.secrets().get(org.qoscluster.config.ClusterConfig.SECRET_ADMIN_TOKEN);
            FutureTask<GroupService> start = new FutureTask<>(() -> {
                GroupService s = new GroupService(member.cluster(), member.memberName(), hz,
                        org.qoscluster.config.ClusterConfig.dbPassword(member.secrets()), token);
                s.start();
                return s;
            });
            Thread t = new Thread(null, start, "qos-group-start", 0, false);
            t.start();
            service = start.get();
            event.getServletContext().setAttribute(GroupStatusServlet.SERVICE, service);
            event.getServletContext().setAttribute(GroupStatusServlet.TOKEN, token);
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
