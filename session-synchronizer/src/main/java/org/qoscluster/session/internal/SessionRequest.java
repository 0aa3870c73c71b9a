package org.qoscluster.session.internal;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;

/**
 * The request as the application sees it: its session is the user's synchronized session.
 * {@link #changeSessionId()} moves the session to a new UID (and cookie); a programmatic
 * {@link #login} does the same once it succeeds, so an identity known before sign-in is worth
 * nothing after it (session fixation).
 */
final class SessionRequest extends HttpServletRequestWrapper {

    private final RequestSession session;

    SessionRequest(HttpServletRequest request, RequestSession session) {
        super(request);
        this.session = session;
    }

    @Override
    public HttpSession getSession(boolean create) {
        return session.session(create);
    }

    @Override
    public HttpSession getSession() {
        return session.session(true);
    }

    @Override
    public String changeSessionId() {
        return session.changeId();
    }

    /** Signs in through the container, then gives an existing session a new UID. */
    @Override
    public void login(String username, String password) throws ServletException {
        super.login(username, password);
        if (session.session(false) != null) {
            session.changeId();
        }
    }

    /** Signs out through the container, then gives an existing session a new UID. */
    @Override
    public void logout() throws ServletException {
        super.logout();
        session.principalLoggedOut();
        if (session.session(false) != null) {
            session.changeId();
        }
    }

    @Override
    public String getRequestedSessionId() {
        return session.requestedId();
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        String requested = session.requestedId();
        return requested != null && requested.equals(session.uid()) && session.session(false) != null;
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return session.requestedId() != null;
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }
}
