package org.qoscluster.group.internal;

import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.core.HazelcastInstance;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.DeploySettings;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.contract.MemberHazelcast;
import org.qoscluster.contract.NodeApp;

/**
 * Sets up the node's own service when the WAR deploys (the launcher deploys it before the
 * applications): the application list of its health page and deployments ({@link HealthEndpoint},
 * {@link AppsEndpoint}), and, in a cluster with replicas, the node's {@link GroupService} (so the
 * write path listens before an application's first connection), stopped with the WAR. A cluster
 * without replicas has no group to keep: then there is no group service.
 */
@WebListener
public class GroupServiceLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(GroupServiceLifecycle.class.getName());

    /** Servlet context attribute: the node's {@link NodeApplications}. */
    static final String APPS = "qos.node.applications";
    /** Servlet context attribute: the node's {@link NodeWars}, absent when it was started without its own directory. */
    static final String WARS = "qos.node.wars";
    /** Servlet context attribute: the largest WAR the node takes, in bytes ({@link DeploySettings}). */
    static final String MAX_WAR_BYTES = "qos.node.max-war-bytes";
    /** Servlet context attribute: the member's name. */
    static final String MEMBER = "qos.node.member";

    private GroupService service;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        String token = member.secrets().get(org.qoscluster.config.ClusterConfig.SECRET_ADMIN_TOKEN);
        var context = event.getServletContext();
        context.setAttribute(GroupEndpoint.TOKEN, token);
        context.setAttribute(MEMBER, member.memberName());
        context.setAttribute(APPS, new NodeApplications(NodeApp.decode(System.getProperty(NodeApp.NODE_APPS_PROPERTY))));
        context.setAttribute(MAX_WAR_BYTES, DeploySettings.of(member.cluster()).maxWarBytes());
        String dir = System.getProperty(NodeApp.NODE_DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            context.setAttribute(WARS, new NodeWars(Path.of(dir)));
        }
        LOG.log(Level.INFO, "member={0} health page on /qos-group/health; applications {1}",
                new Object[] {member.memberName(), System.getProperty(NodeApp.NODE_APPS_PROPERTY)});
        if (!member.cluster().keepsGroup()) {
            LOG.info("no replicas configured: no redundancy group to keep");
            return;
        }
        try {
            HazelcastInstance hz = MemberHazelcast.instance();
            service = MemberHazelcast.outsideApplication(GroupServiceLifecycle.class, "group service", () -> {
                GroupService s = new GroupService(member.cluster(), member.memberName(), hz,
                        org.qoscluster.config.ClusterConfig.dbPassword(member.secrets()), token);
                s.start();
                return s;
            });
            context.setAttribute(GroupEndpoint.SERVICE, service);
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
