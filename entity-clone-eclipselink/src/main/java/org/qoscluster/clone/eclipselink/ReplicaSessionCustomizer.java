package org.qoscluster.clone.eclipselink;

import org.eclipse.persistence.sessions.DatabaseLogin;
import org.eclipse.persistence.sessions.Session;
import org.eclipse.persistence.sessions.SessionCustomizer;

/**
 * For a replica persistence unit ({@code eclipselink.session.customizer}): a query that loses
 * its connection is not retried. EclipseLink retries it after 5 s by default, so a read on a
 * replica that just died took 10 s before the read-write clone could send it to the master; now
 * it fails at once and goes there.
 */
public class ReplicaSessionCustomizer implements SessionCustomizer {

    @Override
    public void customize(Session session) {
        if (session.getDatasourceLogin() instanceof DatabaseLogin login) {
            login.setQueryRetryAttemptCount(0);
            login.setDelayBetweenConnectionAttempts(0);
        }
    }
}
