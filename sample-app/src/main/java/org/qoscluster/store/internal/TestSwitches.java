package org.qoscluster.store.internal;

import java.io.IOException;
import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.session.SessionContext;

/**
 * Test-only switches, off unless {@code qos.node.test-switches=true}; when off the paths do not
 * exist (404).
 * <ul>
 * <li>{@code PUT /test/delay?millis=N}: this node answers every later request N ms late (0 turns
 * it off), so tests can make one node slow.</li>
 * <li>{@code PUT /test/session/blob?bytes=N}: puts an N-byte attribute in the session;
 * {@code GET /test/session/blob} reads it back and answers its size, {@code ?touch=1} also
 * changes one byte of it in place (session benchmarks).</li>
 * <li>{@code PUT /test/session/bad?kind=direct|nested}: puts a value that cannot be serialized in
 * the session: directly (not {@code Serializable}) or nested in a serializable holder.</li>
 * <li>{@code PUT /test/session/write?sequence=N}: records a database write with commit sequence
 * N, as the data layer will, so the state-change flag can be tested end to end.</li>
 * <li>{@code PUT /test/session/user-class?class=NAME}: puts the user in that user class for the
 * rest of the session ({@link SessionContext#setUserClass}, what a store does after sign-in from
 * the customer's status); {@code DELETE} takes it out again.</li>
 * </ul>
 */
@WebFilter(urlPatterns = "/*")
public class TestSwitches extends HttpFilter {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(TestSwitches.class.getName());
    private static final long MAX_DELAY_MS = 60_000;

    private final AtomicLong delayMillis = new AtomicLong();
    private boolean enabled;
    private String node;

    @Override
    public void init() {
        enabled = ConfigProvider.getConfig().getOptionalValue("qos.node.test-switches", Boolean.class).orElse(false);
        node = ConfigProvider.getConfig().getOptionalValue("qos.member.name", String.class).orElse("standalone");
        if (enabled) {
            LOG.log(Level.WARNING, "node={0} test switches are ON (qos.node.test-switches=true): never in production", node);
        }
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        if (enabled && "/test/delay".equals(req.getServletPath()) && "PUT".equals(req.getMethod())) {
            long millis;
            try {
                millis = Long.parseLong(req.getParameter("millis"));
            } catch (NumberFormatException e) {
                millis = -1;
            }
            if (millis < 0 || millis > MAX_DELAY_MS) {
                resp.sendError(400, "millis: give 0 to " + MAX_DELAY_MS);
                return;
            }
            delayMillis.set(millis);
            LOG.log(Level.INFO, "node={0} test delay set to {1} ms", new Object[] {node, String.valueOf(millis)});
            resp.setStatus(204);
            return;
        }
        if (enabled && req.getServletPath().startsWith("/test/session/")) {
            sessionSwitch(req, resp);
            return;
        }
        long delay = delayMillis.get();
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        chain.doFilter(req, resp);
    }

    private static void sessionSwitch(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String what = req.getServletPath().substring("/test/session/".length()) + " " + req.getMethod();
        switch (what) {
            case "blob PUT" -> {
                int bytes = number(req, "bytes", 0, 10_000_000);
                byte[] blob = new byte[bytes];
                ThreadLocalRandom.current().nextBytes(blob);
                req.getSession(true).setAttribute("test.blob", blob);
                resp.setStatus(204);
            }
            case "blob GET" -> {
                HttpSession session = req.getSession(false);
                Object blob = session == null ? null : session.getAttribute("test.blob");
                if (blob instanceof byte[] b && b.length > 0 && "1".equals(req.getParameter("touch"))) {
                    b[0]++; // changed in place, without setAttribute: the session must still be stored
                }
                resp.setContentType("text/plain");
                resp.getWriter().print(blob instanceof byte[] b ? b.length : -1);
            }
            case "bad PUT" -> {
                try {
                    Object value = "nested".equals(req.getParameter("kind")) ? new Holder(new Object()) : new Object();
                    req.getSession(true).setAttribute("test.unserializable", value);
                    resp.setStatus(204);
                } catch (IllegalArgumentException e) {
                    resp.setStatus(500);
                    resp.setContentType("text/plain");
                    resp.getWriter().print(e.getMessage());
                }
            }
            case "write PUT" -> {
                long sequence = number(req, "sequence", 0, Integer.MAX_VALUE);
                SessionContext.current().orElseThrow().recordWrite(sequence, System.currentTimeMillis());
                resp.setStatus(204);
            }
            case "user-class PUT" -> {
                req.getSession(true);
                try {
                    SessionContext.current().orElseThrow().setUserClass(req.getParameter("class"));
                    resp.setStatus(204);
                } catch (IllegalArgumentException e) {
                    resp.sendError(400, e.getMessage());
                }
            }
            case "user-class DELETE" -> {
                SessionContext.current().orElseThrow().clearUserClass();
                resp.setStatus(204);
            }
            default -> resp.sendError(404, "no test switch " + what);
        }
    }

    private static int number(HttpServletRequest req, String name, int min, int max) {
        try {
            int n = Integer.parseInt(req.getParameter(name));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + ": give " + min + " to " + max);
    }

    /** Serializable itself, but holding a value that is not. */
    private record Holder(Object value) implements Serializable {
    }
}
