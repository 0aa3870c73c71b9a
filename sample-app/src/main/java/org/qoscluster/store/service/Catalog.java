package org.qoscluster.store.service;

import java.util.Locale;

import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

import org.qoscluster.store.domain.Product;
import org.qoscluster.store.service.Views.ProductPage;
import org.qoscluster.store.service.Views.ProductView;

/** Reads the product catalogue. */
@Stateless
public class Catalog {

    /** Largest page a client may ask for. */
    public static final int MAX_PAGE = 100;

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    public ProductPage page(int offset, int limit, String query) {
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
        return new ProductPage(total, offset, limit, items);
    }

    public ProductView product(long id) {
        return ProductView.of(require(id));
    }

    Product require(long id) {
        Product p = em.find(Product.class, id);
        if (p == null) {
            throw StoreException.notFound("product " + id + " does not exist");
        }
        return p;
    }
}
