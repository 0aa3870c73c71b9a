package org.qoscluster.clone.eclipselink;

import java.sql.Connection;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.eclipse.persistence.descriptors.ClassDescriptor;
import org.eclipse.persistence.internal.sessions.AbstractSession;
import org.eclipse.persistence.internal.sessions.ObjectChangeSet;
import org.eclipse.persistence.internal.sessions.UnitOfWorkChangeSet;
import org.eclipse.persistence.internal.sessions.UnitOfWorkImpl;
import org.eclipse.persistence.sessions.SessionEvent;
import org.eclipse.persistence.sessions.SessionEventAdapter;
import org.qoscluster.clone.ReadRouting;
import org.qoscluster.clone.ReplicatedEntity;
import org.qoscluster.clone.WriteSequence;

/**
 * Flags the user after every write a master persistence unit makes to a replicated entity, however
 * the application made it: through a read-write clone, through its own entity manager
 * ({@code persist}, {@code merge}, {@code remove}), or by changing a managed entity and letting
 * the transaction write it (dirty checking). Installed per unit in {@code persistence.xml}:
 * {@code <property name="eclipselink.session-event-listener"
 * value="org.qoscluster.clone.eclipselink.WriteFlagListener"/>}.
 * <p>
 * EclipseLink raises {@code prepareUnitOfWork} once it has sent a unit of work's SQL and before
 * the transaction commits (at a flush, and at the commit of a JTA transaction), on the thread of
 * the request. The listener then reads, on the transaction's own connection, the highest change
 * sequence it wrote to the change tables of the entities it changed that carry
 * {@link ReplicatedEntity}, and hands it to {@link ReadRouting#wrote} (under the Session
 * Synchronizer: the session's database-state-change flag). Reading it cannot doom the
 * transaction ({@link WriteSequence}); a transaction that Derby ended meanwhile fails here
 * rather than be acknowledged.
 */
public class WriteFlagListener extends SessionEventAdapter {

    private static final Logger LOG = Logger.getLogger(WriteFlagListener.class.getName());
    private static final String CHANGE_TABLE_PREFIX = "QOS_CHG_";

    @Override
    public void prepareUnitOfWork(SessionEvent event) {
        if (!(event.getSession() instanceof UnitOfWorkImpl uow)) {
            return;
        }
        Set<String> tables = changeTables(uow);
        if (tables.isEmpty()) {
            return;
        }
        Connection connection;
        try {
            connection = uow.getAccessor().getConnection();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "no connection to read the write's change sequence on", e);
            return;
        }
        if (connection == null) {
            return;
        }
        OptionalLong highest = OptionalLong.empty();
        for (String table : tables) {
            OptionalLong seq = WriteSequence.of(connection, table);
            if (seq.isPresent() && (highest.isEmpty() || seq.getAsLong() > highest.getAsLong())) {
                highest = seq;
            }
        }
        highest.ifPresent(ReadRouting.current()::wrote);
    }

    /** The change tables of the replicated entities this unit of work inserts, updates or deletes. */
    static Set<String> changeTables(UnitOfWorkImpl uow) {
        Set<String> tables = new LinkedHashSet<>();
        if (!(uow.getUnitOfWorkChangeSet() instanceof UnitOfWorkChangeSet changes)) {
            return tables;
        }
        for (Class<?> type : changes.getObjectChanges().keySet()) {
            addChangeTable(uow, type, tables);
        }
        for (ObjectChangeSet d : changes.getDeletedObjects().keySet()) {
            addChangeTable(uow, d.getClassType(uow), tables);
        }
        return tables;
    }

    private static void addChangeTable(AbstractSession session, Class<?> type, Set<String> tables) {
        if (type == null || !isReplicated(type)) {
            return;
        }
        ClassDescriptor d = session.getDescriptor(type);
        if (d != null && d.getTableName() != null) {
            tables.add(CHANGE_TABLE_PREFIX + d.getTableName());
        }
    }

    /** Whether {@code type} or a superclass carries {@link ReplicatedEntity}. */
    static boolean isReplicated(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.isAnnotationPresent(ReplicatedEntity.class)) {
                return true;
            }
        }
        return false;
    }
}
