package org.qoscluster.it.members;

import java.io.IOException;
import java.security.Principal;

import jakarta.annotation.security.DeclareRoles;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.qoscluster.session.SessionContext;

/**
 * {@code GET /whoami}, public: who the container says the caller is, the user class the node
 * was told for the request (signed by the router; {@code standard} without one) and how many
 * requests this HTTP session has seen, the session being an ordinary {@link HttpSession} that
 * the Session Synchronizer keeps in the cluster. One line:
 * {@code user=ada user-class=gold visits=3} ({@code user=} for an anonymous caller).
 * It declares the application's roles, which {@code isUserInRole} needs to know them.
 */
@WebServlet("/whoami")
@DeclareRoles({MembersIdentityStore.PREMIUM_ROLE, MembersIdentityStore.BASIC_ROLE})
public class WhoAmIServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        Object seen = session.getAttribute("visits");
        int visits = (seen instanceof Integer n ? n : 0) + 1;
        session.setAttribute("visits", visits);
        Principal caller = req.getUserPrincipal();
        String userClass = SessionContext.current().map(SessionContext::userClass).orElse("none");
        resp.setContentType("text/plain");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().print("user=" + (caller == null ? "" : caller.getName()) + " user-class=" + userClass + " visits=" + visits);
    }
}
