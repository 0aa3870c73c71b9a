package org.qoscluster.session.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;

/** The request as the application sees it: its session is the user's synchronized session. */
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
