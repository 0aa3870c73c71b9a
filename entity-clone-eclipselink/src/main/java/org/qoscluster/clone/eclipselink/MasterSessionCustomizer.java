package org.qoscluster.clone.eclipselink;

import org.eclipse.persistence.sessions.DatabaseLogin;
import org.eclipse.persistence.sessions.Session;
import org.eclipse.persistence.sessions.SessionCustomizer;

/**
 * For the master persistence unit ({@code eclipselink.session.customizer}) of a cluster with a
 * redundancy group: a query that loses its connection is tried again every
 * {@value #DELAY_MS} ms, up to {@value #ATTEMPTS} times, rather than once after 5 s (EclipseLink's
 * default). During a failover the node's write path leads to the dead master until the decision,
 * then holds connections until the new master is open (about 2 s after the old one died): a
 * request caught by it then goes on within {@value #DELAY_MS} ms of the new master taking writes,
 * instead of waiting 5 s or failing. Each attempt is one connection attempt to the node's own
 * write path, cheap to repeat.
 */
public class MasterSessionCustomizer implements SessionCustomizer {

    static final int DELAY_MS = 100;
    static final int ATTEMPTS = 60;

    @Override
    public void customize(Session session) {
        if (session.getDatasourceLogin() instanceof DatabaseLogin login) {
            login.setQueryRetryAttemptCount(ATTEMPTS);
            login.setDelayBetweenConnectionAttempts(DELAY_MS);
        }
    }
}
