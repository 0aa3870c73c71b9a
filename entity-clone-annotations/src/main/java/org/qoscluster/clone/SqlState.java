package org.qoscluster.clone;

import java.sql.SQLException;

/**
 * The SQL state of a database failure as the application sees it: wrapped. Payara's connection
 * proxy hands the driver's exception over as an {@code SQLException} without a state around an
 * {@code UndeclaredThrowableException}, and EclipseLink and the EJB container wrap that again;
 * the state is that of the first {@code SQLException} with one, down the causes.
 */
public final class SqlState {

    private SqlState() {
    }

    /** The state of the first {@code SQLException} that has one among {@code t} and its first ten causes; else null. */
    public static String of(Throwable t) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return s.getSQLState();
            }
        }
        return null;
    }
}
