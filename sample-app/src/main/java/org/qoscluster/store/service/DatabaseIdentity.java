package org.qoscluster.store.service;

import java.util.function.Function;

import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.Query;

import org.eclipse.persistence.config.QueryHints;
import org.qoscluster.clone.eclipselink.ReplicaReads;

import org.qoscluster.store.domain.Product;

/**
 * Which database copy this node's writes reach, read from the database itself: the launcher
 * labels each copy with the Derby database property {@code qos.copy.name}. The store's
 * {@code /api/health} and {@code X-Qos-Read-From} name it; the router's health check reads the
 * same property through the node's own health page.
 */
@Stateless
public class DatabaseIdentity {

    private static final String COPY_NAME = "VALUES SYSCS_UTIL.SYSCS_GET_DATABASE_PROPERTY('qos.copy.name')";

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    public String copyName() {
        return copyName(em);
    }

    /** The products on the master (the health check reads the copy that takes this node's writes). */
    public long productCount() {
        return em.createNamedQuery(Product.COUNT, Long.class).getSingleResult();
    }

    /** The entity {@code id} (null when there is none) as {@code view} shows it, and the copy that answered. */
    static <E, V> Views.Served<V> find(EntityManager em, Class<E> type, Object id, Function<E, V> view) {
        E found = em.find(type, id);
        return new Views.Served<>(found == null ? null : view.apply(found), copyName(em));
    }

    /** The name of the copy {@code em} reads, as the copy itself says. */
    static String copyName(EntityManager em) {
        return name(em.createNativeQuery(COPY_NAME));
    }

    /**
     * The name of the copy that the store unit's reads of replicated entities go to now: the
     * same routing as theirs ({@link ReplicaReads}, by query hint), so the same copy.
     */
    static String copyNameOfReads(EntityManager em) {
        return name(em.createNativeQuery(COPY_NAME).setHint(QueryHints.PARTITIONING, ReplicaReads.NAME));
    }

    private static String name(Query query) {
        Object name = query.getSingleResult();
        return name == null ? "unlabelled" : name.toString();
    }
}
