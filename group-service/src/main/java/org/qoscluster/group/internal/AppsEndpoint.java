package org.qoscluster.group.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import fish.payara.micro.ClusterCommandResult;
import fish.payara.micro.PayaraInstance;

import org.qoscluster.contract.AdminToken;
import org.qoscluster.contract.NodeApp;

/**
 * Deploys applications into this running node and drains it, behind
 * {@code Authorization: Bearer <admin token>}; the launcher's {@code deploy} and {@code undeploy}
 * call it on one node at a time. The deployment is Payara's own {@code deploy} and
 * {@code undeploy} commands, run on this node ({@link PayaraInstance#executeLocalAsAdmin}), one at
 * a time.
 * <ul>
 * <li>{@code POST /qos-group/apps?name=NAME&contextroot=/PATH&path=/ABSOLUTE/FILE.war}: 200 once it
 * is deployed; 400 for a bad name, context root or file, 409 for a name or context root this node
 * has already, 422 when Payara refuses the application, with Payara's message.</li>
 * <li>{@code DELETE /qos-group/apps?name=NAME}: 200 once undeployed; 404 for an application this
 * node does not run.</li>
 * <li>{@code PUT /qos-group/drain} and {@code DELETE /qos-group/drain}: the health page answers 503
 * ({@code DRAINED}) from the first until the second, so the router takes the node out of rotation;
 * a restarted node is not drained.</li>
 * </ul>
 */
@WebServlet(urlPatterns = {"/apps", "/drain"})
public class AppsEndpoint extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(AppsEndpoint.class.getName());
    /** One deployment at a time on this node. */
    private static final Object DEPLOYING = new Object();

    @Inject
    private transient PayaraInstance payara;

    private boolean admitted(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        if (!AdminToken.matches(req.getHeader("Authorization"), (String) getServletContext().getAttribute(GroupEndpoint.TOKEN))) {
            LOG.log(Level.WARNING, "node={0} application request without a valid token from {1}",
                    new Object[] {node(), req.getRemoteAddr()});
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"qos-group\"");
            answer(resp, 401, "error", "the node's endpoints need Authorization: Bearer <admin token>");
            return false;
        }
        return true;
    }

    private NodeApplications apps() {
        return (NodeApplications) getServletContext().getAttribute(GroupServiceLifecycle.APPS);
    }

    private String node() {
        return (String) getServletContext().getAttribute(GroupServiceLifecycle.MEMBER);
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admitted(req, resp)) {
            return;
        }
        if (!req.getServletPath().equals("/drain")) {
            answer(resp, 405, "error", "PUT is for /qos-group/drain");
            return;
        }
        apps().drain(true);
        LOG.log(Level.INFO, "node={0} drained: its health page answers 503 until undrained", node());
        answer(resp, 200, "drained", node());
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admitted(req, resp)) {
            return;
        }
        if (req.getServletPath().equals("/drain")) {
            apps().drain(false);
            LOG.log(Level.INFO, "node={0} undrained", node());
            answer(resp, 200, "undrained", node());
            return;
        }
        String name = req.getParameter("name");
        if (name == null || apps().named(name).isEmpty()) {
            answer(resp, 404, "error", "node " + node() + " runs no application '" + name + "' (it runs "
                    + apps().expected().stream().map(NodeApp::name).toList() + ")");
            return;
        }
        synchronized (DEPLOYING) {
            // Off the list first: the health page must not call the node unhealthy while it goes.
            NodeApp app = apps().named(name).orElseThrow();
            apps().remove(name);
            ClusterCommandResult r = run("undeploy", name);
            if (r.getExitStatus() != ClusterCommandResult.ExitStatus.SUCCESS) {
                apps().add(app);
                answer(resp, 500, "error", "application " + name + " was not undeployed from " + node() + ": " + message(r));
                return;
            }
        }
        LOG.log(Level.INFO, "node={0} application {1} undeployed", new Object[] {node(), name});
        answer(resp, 200, "undeployed", name);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admitted(req, resp)) {
            return;
        }
        if (!req.getServletPath().equals("/apps")) {
            answer(resp, 405, "error", "POST is for /qos-group/apps");
            return;
        }
        String name = req.getParameter("name");
        String contextRoot = req.getParameter("contextroot");
        String file = req.getParameter("path");
        Optional<String> bad = NodeApp.problem(name, contextRoot);
        if (bad.isPresent()) {
            answer(resp, 400, "error", bad.get());
            return;
        }
        if (file == null || !Path.of(file).isAbsolute() || !Files.isRegularFile(Path.of(file))) {
            answer(resp, 400, "error", "path: '" + file + "' is not an absolute path of a file on node " + node());
            return;
        }
        synchronized (DEPLOYING) {
            if (apps().named(name).isPresent()) {
                answer(resp, 409, "error", "node " + node() + " runs an application named " + name + " already");
                return;
            }
            Optional<NodeApp> taken = apps().at(contextRoot);
            if (taken.isPresent()) {
                answer(resp, 409, "error", "context root " + contextRoot + " is application " + taken.get().name() + "'s");
                return;
            }
            long t0 = System.nanoTime();
            ClusterCommandResult r = run("deploy", "--name", name, "--contextroot", contextRoot, file);
            if (r.getExitStatus() != ClusterCommandResult.ExitStatus.SUCCESS) {
                String why = message(r);
                LOG.log(Level.WARNING, "node={0} application {1} failed to deploy: {2}", new Object[] {node(), name, why});
                answer(resp, 422, "error", "application " + name + " failed to deploy on " + node() + ": " + why);
                return;
            }
            apps().add(new NodeApp(name, contextRoot));
            LOG.log(Level.INFO, "node={0} application {1} deployed on {2} in {3} ms",
                    new Object[] {node(), name, contextRoot, String.valueOf((System.nanoTime() - t0) / 1_000_000)});
        }
        answer(resp, 200, "deployed", name);
    }

    /** Runs an asadmin command on this node, with Payara's class loader as the context one (not this WAR's). */
    private ClusterCommandResult run(String command, String... args) {
        Thread t = Thread.currentThread();
        ClassLoader own = t.getContextClassLoader();
        t.setContextClassLoader(payara.getClass().getClassLoader());
        try {
            return payara.executeLocalAsAdmin(command, args);
        } finally {
            t.setContextClassLoader(own);
        }
    }

    /**
     * Payara's reason for a failed command: the failure's messages, else its output without the
     * reporter's header ({@code PlainTextActionReporterFAILUREDescription: ...}).
     */
    static String message(ClusterCommandResult r) {
        StringBuilder out = new StringBuilder();
        Throwable cause = r.getFailureCause();
        while (cause != null) {
            String m = cause.getMessage();
            if (m != null && !m.isBlank() && out.indexOf(m.strip()) < 0) {
                out.append(out.length() == 0 ? "" : "; ").append(m.strip());
            }
            cause = cause.getCause() == cause ? null : cause.getCause();
        }
        if (out.length() == 0 && r.getOutput() != null) {
            String o = r.getOutput().strip();
            int description = o.indexOf("Description: ");
            if (o.startsWith("PlainTextActionReporter") && description >= 0) {
                o = o.substring(description + "Description: ".length());
            }
            int end = o.indexOf('\n');
            out.append((end < 0 ? o : o.substring(0, end)).strip());
        }
        return out.length() == 0 ? "exit status " + r.getExitStatus() : out.toString();
    }

    private static void answer(HttpServletResponse resp, int status, String key, String value) throws IOException {
        resp.setStatus(status);
        resp.getWriter().write((status / 100 == 2 ? Json.createObjectBuilder().add(key, value)
                : Json.createObjectBuilder().add("status", status).add(key, value)).build().toString());
    }
}
