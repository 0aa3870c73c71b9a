package org.qoscluster.clone.eclipselink;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.eclipse.persistence.descriptors.partitioning.PartitioningPolicy;
import org.eclipse.persistence.internal.databaseaccess.Accessor;
import org.eclipse.persistence.internal.sessions.AbstractRecord;
import org.eclipse.persistence.internal.sessions.AbstractSession;
import org.eclipse.persistence.queries.DatabaseQuery;
import org.eclipse.persistence.sessions.server.ServerSession;
import org.eclipse.persistence.transaction.AbstractTransactionController;
import org.qoscluster.clone.ReadRouting;

/**
 * Read/write split under the application's own entity manager (M8): a read of a
 * {@link ReplicatedEntity} made outside a transaction goes to the unit's {@value #POOL} connection
 * pool (this node's replica) when {@link ReadRouting#replicaMayServe()} says the replica may serve
 * this user; everything else (writes, reads inside a transaction, entities that do not replicate,
 * a user whose write the replica lacks) goes where it always went, the unit's own data source.
 * <p>
 * The clone generator writes the wiring: per master unit a mapping file
 * ({@code META-INF/qos-replica-reads-UNIT.xml}) that declares this policy under {@value #NAME}
 * and puts the unit's {@code @ReplicatedEntity} classes under it. The unit lists that file and
 * names its replica pool in {@code persistence.xml}:
 * {@code <mapping-file>META-INF/qos-replica-reads-store.xml</mapping-file>} and
 * {@code <property name="eclipselink.connection-pool.replica.nonJtaDataSource" value="jdbc/qos/replica"/>}.
 * A unit without the pool reads everything from its own data source.
 * <p>
 * EclipseLink asks the policy for every query its server session runs, that is every read outside
 * a database transaction; a client session in a transaction asks it too, and is always answered
 * "the default" here. A read in a JTA transaction that has not written yet still reaches the
 * server session, so the JTA transaction is checked as well: a transaction may read what it then
 * writes, and must read the master. When the replica pool cannot give a connection (the replica is
 * down), the routing is told ({@link ReadRouting#replicaFailed}) and the read goes to the master at
 * once; a read whose replica connection breaks under it is retried by EclipseLink, and the retry
 * comes here again.
 */
public final class ReplicaReads extends PartitioningPolicy {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(ReplicaReads.class.getName());
    /** The connection pool of this node's replica. */
    public static final String POOL = "replica";
    /**
     * The policy's name, for a query hint ({@code eclipselink.partitioning}): a native query that
     * must read the same copy as the entity reads around it (the copy's own name, say).
     */
    public static final String NAME = "qos-replica-reads";

    public ReplicaReads() {
        setName(NAME);
    }

    @Override
    public List<Accessor> getConnectionsForQuery(AbstractSession session, DatabaseQuery query, AbstractRecord arguments) {
        if (!session.isServerSession() || !query.isReadQuery() || inTransaction(session)) {
            return null;
        }
        ServerSession server = (ServerSession) session;
        if (server.getConnectionPool(POOL) == null) {
            return null;
        }
        ReadRouting routing = ReadRouting.current();
        if (!routing.replicaMayServe()) {
            return null;
        }
        Accessor replica;
        try {
            replica = acquireAccessor(POOL, server, query, false);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "replica pool gave no connection; reading the master", e);
            routing.replicaFailed(e);
            return null;
        }
        List<Accessor> accessors = new ArrayList<>(1);
        accessors.add(replica);
        return accessors;
    }

    private static boolean inTransaction(AbstractSession session) {
        return session.getExternalTransactionController() instanceof AbstractTransactionController jta
                && jta.getTransaction() != null;
    }
}
