package org.qoscluster.store.service;

import java.util.Locale;

import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

import org.qoscluster.store.domain.Product;
import org.qoscluster.store.service.Views.ProductPage;
import org.qoscluster.store.service.Views.ProductView;
import org.qoscluster.store.service.Views.Served;

/**
 * Reads the product catalogue with the application's own entity manager, as any JPA application
 * does: {@code Product} is a {@code @ReplicatedEntity}, so its reads outside a transaction go to
 * this node's replica unless the user has a write it lacks (the generated mapping file
 * {@code qos-replica-reads-store.xml} puts it under the {@code ReplicaReads} policy). Reading needs no transaction, and a transaction would read
 * the master.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class Catalog {

    /** Largest page a client may ask for. */
    public static final int MAX_PAGE = 100;

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    public Served<ProductPage> page(int offset, int limit, String query) {
        if (offset < 0) {
            throw StoreException.badRequest("offset: " + offset + " is negative");
        }
        if (limit < 1 || limit > MAX_PAGE) {
            throw StoreException.badRequest("limit: " + limit + " is not between 1 and " + MAX_PAGE);
        }
        if (query != null && query.length() > 100) {
            throw StoreException.badRequest("q: longer than 100 characters");
        }
        String like = "%" + (query == null ? "" : query.toLowerCase(Locale.ROOT)
                .replace("\\", "").replace("%", "").replace("_", "")) + "%";
        long total = em.createNamedQuery(Product.PAGE_COUNT, Long.class).setParameter("q", like).getSingleResult();
        var items = em.createNamedQuery(Product.PAGE, Product.class).setParameter("q", like)
                .setFirstResult(offset).setMaxResults(limit).getResultList()
                .stream().map(ProductView::of).toList();
        return new Served<>(new ProductPage(total, offset, limit, items), DatabaseIdentity.copyNameOfReads(em));
    }

    public Served<ProductView> product(long id) {
        Product product = em.find(Product.class, id);
        Served<ProductView> found = new Served<>(product == null ? null : ProductView.of(product),
                DatabaseIdentity.copyNameOfReads(em));
        if (found.value() == null) {
            throw StoreException.notFound("product " + id + " does not exist");
        }
        return found;
    }
}
