package org.qoscluster.group.internal;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import fish.payara.micro.PayaraInstance;
import fish.payara.micro.data.ApplicationDescriptor;

import org.qoscluster.contract.NodeApp;

/**
 * {@code GET /qos-group/health}: the node's health page, what the router's health check and the
 * launcher's readiness read. 200 only when the node reaches its database through its own data
 * source (the master's JDBC resource: in a cluster with replicas, through the node's write path)
 * and every application it is meant to run is deployed, and no operator has drained it; 503
 * otherwise, with the reason. JSON: {@code status} ({@code UP}, {@code DOWN}, {@code STARTING},
 * {@code DRAINED}), {@code node}, {@code database} (the copy's name as the copy itself says,
 * {@code qos.copy.name}; absent when not reached), {@code applications} (each with its context
 * root and whether it is deployed), {@code reason}. Public: it tells no more than names.
 */
@WebServlet(urlPatterns = "/health")
public class HealthEndpoint extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(HealthEndpoint.class.getName());
    private static final String MASTER = "jdbc/qos/master";
    private static final String COPY_NAME = "VALUES SYSCS_UTIL.SYSCS_GET_DATABASE_PROPERTY('qos.copy.name')";

    @Inject
    private transient PayaraInstance payara;
    /**
     * The node's own data source for the master: a node reaches the copy that takes its writes
     * through it (in a cluster with replicas, through its write path, to the group's master).
     */
    @Resource(lookup = MASTER)
    private transient DataSource dataSource;
    /** The last status answered, so that a change is logged once. */
    private volatile String last = "";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        NodeApplications apps = (NodeApplications) getServletContext().getAttribute(GroupServiceLifecycle.APPS);
        String node = (String) getServletContext().getAttribute(GroupServiceLifecycle.MEMBER);
        String database = null;
        String problem = null;
        String status = "UP";
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(COPY_NAME)) {
            s.setQueryTimeout(5);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                database = r.getString(1) == null ? "unlabelled" : r.getString(1);
            }
        } catch (SQLException | RuntimeException e) {
            problem = "database not reached: " + e.getMessage();
            status = "DOWN";
        }
        Set<String> started = started();
        Optional<String> appProblem = apps.problem(started);
        if (problem == null && appProblem.isPresent()) {
            problem = appProblem.get();
            status = apps.draining() ? "DRAINED" : "STARTING";
        }
        JsonArrayBuilder list = Json.createArrayBuilder();
        for (NodeApp a : apps.expected()) {
            list.add(Json.createObjectBuilder().add("name", a.name()).add("contextRoot", a.contextRoot())
                    .add("deployed", started.contains(a.name())));
        }
        JsonObjectBuilder body = Json.createObjectBuilder().add("status", status).add("node", node);
        if (database != null) {
            body.add("database", database);
        }
        body.add("applications", list);
        if (problem != null) {
            body.add("reason", problem);
        }
        if (!status.equals(last)) {
            last = status;
            if (problem == null) {
                LOG.log(Level.INFO, "node={0} health {1}", new Object[] {node, status});
            } else {
                LOG.log(Level.WARNING, "node={0} health {1}: {2}", new Object[] {node, status, problem});
            }
        }
        resp.setStatus(problem == null ? 200 : 503);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(body.build().toString());
    }

    /** The applications Payara has started on this node, by name. */
    private Set<String> started() {
        Set<String> names = new HashSet<>();
        for (ApplicationDescriptor a : payara.getLocalDescriptor().getDeployedApplications()) {
            names.add(a.getName());
        }
        return names;
    }
}
