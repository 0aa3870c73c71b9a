package org.qoscluster.store.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Test-only fault switch, off unless {@code qos.node.test-switches=true}: {@code PUT
 * /test/delay?millis=N} makes this node answer every later request N ms late (0 turns it off),
 * so tests can make one node slow. When the switch is off the path does not exist (404).
 */
@WebFilter(urlPatterns = "/*")
public class TestSwitches extends HttpFilter {

    private static final Logger LOG = Logger.getLogger(TestSwitches.class.getName());
    private static final long MAX_DELAY_MS = 60_000;

    private final AtomicLong delayMillis = new AtomicLong();
    private boolean enabled;

    @Override
    public void init() {
        enabled = ConfigProvider.getConfig().getOptionalValue("qos.node.test-switches", Boolean.class).orElse(false);
        if (enabled) {
            LOG.warning("test switches are ON (qos.node.test-switches=true): never in production");
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
            LOG.info("test delay set to " + millis + " ms");
            resp.setStatus(204);
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
}
