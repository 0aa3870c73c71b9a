package org.qoscluster.qrs.internal;

import java.io.IOException;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /qrs/alive}: 204 as long as the router process answers HTTP, whatever its nodes'
 * state (liveness, for a process supervisor or a front load balancer; {@code /qrs/site} says
 * whether the site can serve). It does nothing else, so it also measures the servlet
 * container's own cost per request under the router.
 */
@WebServlet(urlPatterns = "/qrs/alive")
public class AliveServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }
}
