package org.qoscluster.session.internal;

import java.util.Collections;
import java.util.Enumeration;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;

/**
 * The HTTP session the application sees on this node for one request: a view of the user's
 * record in the session database, read at the start of the request and stored back as a delta
 * at its end. It stays valid until {@link #invalidate()}.
 */
final class SynchronizedSession implements HttpSession {

    private final RequestSession owner;
    private final int generation;

    SynchronizedSession(RequestSession owner, int generation) {
        this.owner = owner;
        this.generation = generation;
    }

    private RequestSession live() {
        if (!owner.isLive(generation)) {
            throw new IllegalStateException("the session was invalidated");
        }
        return owner;
    }

    @Override
    public long getCreationTime() {
        return live().creationTime();
    }

    @Override
    public String getId() {
        return owner.uid();
    }

    @Override
    public long getLastAccessedTime() {
        return live().lastAccessedTime();
    }

    @Override
    public ServletContext getServletContext() {
        return owner.servletContext();
    }

    @Override
    public void setMaxInactiveInterval(int interval) {
        owner.setMaxInactive(interval);
    }

    @Override
    public int getMaxInactiveInterval() {
        return owner.maxInactive();
    }

    @Override
    public Object getAttribute(String name) {
        return live().attribute(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        return Collections.enumeration(live().attributeNames());
    }

    @Override
    public void setAttribute(String name, Object value) {
        live().setAttribute(this, name, value);
    }

    @Override
    public void removeAttribute(String name) {
        live().setAttribute(this, name, null);
    }

    @Override
    public void invalidate() {
        live().invalidate();
    }

    @Override
    public boolean isNew() {
        return live().isNew();
    }
}
