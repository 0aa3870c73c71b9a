package org.qoscluster.session.internal;

import java.util.EnumSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;

/**
 * Installs the request-body limit ({@link BodyLimitFilter}) and then the Session Synchronizer in
 * front of every filter of an application that bundles this jar in {@code WEB-INF/lib}. A filter declared in a web fragment would run after the
 * application's own filters (the main {@code web.xml} and its annotations come first), which
 * could then see a session that is not synchronized; a programmatic mapping with
 * {@code isMatchAfter=false} goes before them all. The jar is also on every member's class path
 * (so any member can apply session deltas); an application that does not bundle it, such as the
 * router, gets no filter.
 *
 * <p>Whether the application bundles the jar is what the jar's own {@code META-INF/web-fragment.xml}
 * says: it declares the context parameter {@value #BUNDLED}, and the container reads web fragments
 * of {@code WEB-INF/lib} jars only, whatever the jar is named (a build that renames or shades it
 * keeps the fragment). An application whose {@code web.xml} is {@code metadata-complete} (no
 * fragments are read) sets the same parameter there; a jar named {@code session-synchronizer*}
 * counts as bundled too.
 */
public final class SessionSynchronizerInitializer implements ServletContainerInitializer {

    private static final Logger LOG = Logger.getLogger(SessionSynchronizerInitializer.class.getName());
    static final String FILTER_NAME = "QoSSessionSynchronizer";
    static final String BODY_LIMIT_NAME = "QoSBodyLimit";
    /** The context parameter that installs the filter; the jar's web fragment sets it to {@code true}. */
    public static final String BUNDLED = "org.qoscluster.session.bundled";

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        if (!bundled(ctx)) {
            return;
        }
        // The body limit goes first: an oversized body is refused before anything reads it.
        FilterRegistration.Dynamic limit = ctx.addFilter(BODY_LIMIT_NAME, BodyLimitFilter.class);
        if (limit != null) {
            limit.setAsyncSupported(true);
            limit.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        }
        FilterRegistration.Dynamic filter = ctx.addFilter(FILTER_NAME, SessionSynchronizerFilter.class);
        if (filter == null) {
            LOG.log(Level.INFO, "a filter named {0} is already declared in {1}; keeping it", new Object[] {FILTER_NAME, ctx.getContextPath()});
            return;
        }
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }

    /** Whether the application bundles this jar (see the class comment). */
    static boolean bundled(ServletContext ctx) {
        if (Boolean.parseBoolean(ctx.getInitParameter(BUNDLED))) {
            return true;
        }
        Set<String> libs = ctx.getResourcePaths("/WEB-INF/lib/");
        return libs != null && libs.stream().anyMatch(p -> p.startsWith("/WEB-INF/lib/session-synchronizer"));
    }
}
