package org.qoscluster.group.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

import org.qoscluster.config.DeploySettings;
import org.qoscluster.contract.AdminToken;
import org.qoscluster.contract.NodeApp;
import org.qoscluster.contract.WarUpload;

/**
 * Deploys applications into this running node and drains it, behind
 * {@code Authorization: Bearer <admin token>}; the launcher's {@code deploy} and {@code undeploy}
 * call it on one node at a time. The deployment is Payara's own {@code deploy} and
 * {@code undeploy} commands, run on this node ({@link PayaraInstance#executeLocalAsAdmin}), one at
 * a time.
 * <ul>
 * <li>{@code POST /qos-group/apps?name=NAME&contextroot=/PATH}, the WAR's bytes as the body, its
 * SHA-256 in {@code Content-Digest: sha-256=:BASE64:} ({@link WarUpload}): the body is streamed
 * into the node's own directory ({@link NodeWars}), checked, moved to {@code apps/NAME.war} there,
 * deployed from that copy and put on the node's record, so the node deploys it again whenever it
 * starts. 200 once it is deployed; 400 for a bad name or context root, a missing or malformed
 * digest, a body whose SHA-256 or length differs from the request's (cut short or changed on the
 * way) or that is not a WAR, each naming the application; 413 for a body over
 * {@code qos.deploy.max-war-mb}, naming the limit (announced by its length: refused before it is
 * read); 409 for a name or context root this node has already; 422 when Payara refuses the
 * application, with Payara's message. Nothing refused is kept.</li>
 * <li>{@code DELETE /qos-group/apps?name=NAME}: 200 once undeployed, off the node's record and its
 * copy deleted; 404 for an application this node does not run.</li>
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
            NodeWars wars = (NodeWars) getServletContext().getAttribute(GroupServiceLifecycle.WARS);
            if (wars != null) {
                try {
                    wars.recordUndeployed(name);
                } catch (IOException | IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "node={0} application {1} undeployed but still on its record: {2}",
                            new Object[] {node(), name, e.toString()});
                    answer(resp, 500, "error", "application " + name + " was undeployed from " + node() + " but is still on its record ("
                            + e.getMessage() + "): it deploys again when the node restarts");
                    return;
                }
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
        Optional<String> bad = NodeApp.problem(name, contextRoot);
        if (bad.isPresent()) {
            answer(resp, 400, "error", bad.get());
            return;
        }
        NodeWars wars = (NodeWars) getServletContext().getAttribute(GroupServiceLifecycle.WARS);
        if (wars == null) {
            answer(resp, 500, "error", "node " + node() + " has no directory of its own to keep WARs in (-D"
                    + NodeApp.NODE_DIR_PROPERTY + " is not set): start it with the launcher");
            return;
        }
        byte[] expected;
        try {
            expected = WarUpload.parseDigest(req.getHeader(WarUpload.DIGEST_HEADER));
        } catch (IllegalArgumentException e) {
            answer(resp, 400, "error", "application " + name + ": " + e.getMessage());
            return;
        }
        long max = (Long) getServletContext().getAttribute(GroupServiceLifecycle.MAX_WAR_BYTES);
        long length = req.getContentLengthLong();
        Optional<String> tooLarge = WarUpload.tooLarge(name, length < 0 ? 0 : length, max, DeploySettings.MAX_WAR_MB);
        if (tooLarge.isPresent()) {
            refuseLarge(resp, name, tooLarge.get());
            return;
        }
        Optional<String> taken = conflict(name, contextRoot);
        if (taken.isPresent()) {
            answer(resp, 409, "error", taken.get());
            return;
        }
        long t0 = System.nanoTime();
        Path incoming = wars.incoming(name);
        try {
            WarUpload.Received received;
            try (InputStream in = req.getInputStream(); OutputStream out = Files.newOutputStream(incoming)) {
                received = WarUpload.receive(in, out, max);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "node={0} application {1}: the upload broke off: {2}", new Object[] {node(), name, e.toString()});
                answer(resp, 400, "error", "application " + name + ": the upload broke off (" + e.getMessage() + "); nothing deployed");
                return;
            }
            if (received.tooLarge()) {
                refuseLarge(resp, name, WarUpload.tooLarge(name, -1, max, DeploySettings.MAX_WAR_MB).orElseThrow());
                return;
            }
            Optional<String> refused = WarUpload.digestMismatch(name, received, expected);
            if (refused.isEmpty() && length >= 0 && received.bytes() != length) {
                refused = Optional.of("the WAR of application " + name + " arrived with " + received.bytes() + " bytes, but the request"
                        + " announced " + length + "; nothing deployed");
            }
            if (refused.isEmpty()) {
                refused = WarUpload.warProblem(incoming).map(p -> "the upload of application " + name + " " + p + "; nothing deployed");
            }
            if (refused.isPresent()) {
                LOG.log(Level.WARNING, "node={0} upload refused: {1}", new Object[] {node(), refused.get()});
                answer(resp, 400, "error", refused.get());
                return;
            }
            deploy(resp, wars, incoming, new NodeApp(name, contextRoot), received, t0);
        } finally {
            Files.deleteIfExists(incoming);
        }
    }

    /** Deploys a received and checked WAR from the node's own copy, and records it; answers. */
    private void deploy(HttpServletResponse resp, NodeWars wars, Path incoming, NodeApp app, WarUpload.Received received, long t0)
            throws IOException {
        synchronized (DEPLOYING) {
            Optional<String> taken = conflict(app.name(), app.contextRoot());
            if (taken.isPresent()) {
                answer(resp, 409, "error", taken.get());
                return;
            }
            Path war = wars.place(incoming, app.name());
            ClusterCommandResult r = run("deploy", "--name", app.name(), "--contextroot", app.contextRoot(), war.toString());
            if (r.getExitStatus() != ClusterCommandResult.ExitStatus.SUCCESS) {
                Files.deleteIfExists(war);
                String why = message(r);
                LOG.log(Level.WARNING, "node={0} application {1} failed to deploy: {2}", new Object[] {node(), app.name(), why});
                answer(resp, 422, "error", "application " + app.name() + " failed to deploy on " + node() + ": " + why);
                return;
            }
            try {
                wars.recordDeployed(app, war);
            } catch (IOException | IllegalArgumentException e) {
                run("undeploy", app.name());
                Files.deleteIfExists(war);
                LOG.log(Level.WARNING, "node={0} application {1} not recorded, undeployed again: {2}",
                        new Object[] {node(), app.name(), e.toString()});
                answer(resp, 500, "error", "application " + app.name() + " was not recorded on " + node() + " (" + e.getMessage()
                        + "), so it would not deploy again when the node restarts; undeployed again");
                return;
            }
            apps().add(app);
            LOG.log(Level.INFO, "node={0} application {1} deployed on {2} from its own copy {3} ({4} bytes, sha-256 {5}) in {6} ms",
                    new Object[] {node(), app.name(), app.contextRoot(), war, String.valueOf(received.bytes()),
                        received.sha256Hex(), String.valueOf((System.nanoTime() - t0) / 1_000_000)});
        }
        answer(resp, 200, "deployed", app.name());
    }

    /** Why {@code name} on {@code contextRoot} cannot deploy beside this node's applications; empty when it can. */
    private Optional<String> conflict(String name, String contextRoot) {
        if (apps().named(name).isPresent()) {
            return Optional.of("node " + node() + " runs an application named " + name + " already");
        }
        return apps().at(contextRoot).map(a -> "context root " + contextRoot + " is application " + a.name() + "'s");
    }

    /** 413, and the connection closed: the rest of the body is not read. */
    private void refuseLarge(HttpServletResponse resp, String name, String why) throws IOException {
        LOG.log(Level.WARNING, "node={0} upload of {1} refused: {2}", new Object[] {node(), name, why});
        resp.setHeader("Connection", "close");
        answer(resp, 413, "error", why);
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
