package org.qoscluster.store.service;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.qoscluster.store.domain.Customer;
import org.qoscluster.store.domain.CustomerOrder;
import org.qoscluster.store.domain.CustomerOrderReadWrite;
import org.qoscluster.store.domain.Product;
import org.qoscluster.store.service.Views.CartLine;
import org.qoscluster.store.service.Views.CartView;
import org.qoscluster.store.service.Views.OrderView;
import org.qoscluster.store.service.Views.Served;

/** Checkout and order history. */
@Stateless
public class Orders {

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    @Inject
    private Clock clock;

    /** Checkout writes through the orders' read-write clone, which records the user's state change. */
    @Inject
    private CustomerOrderReadWrite orderClone;

    @Inject
    @ConfigProperty(name = "qos.member.name", defaultValue = "standalone")
    private String node;

    /**
     * Places an order for the cart's contents and takes the quantities out of stock, in one
     * transaction: if any product is short, nothing is written.
     */
    public OrderView checkout(long customerId, Cart cart) {
        if (cart.isEmpty()) {
            throw StoreException.badRequest("cart: empty, add products before checking out");
        }
        Customer customer = em.find(Customer.class, customerId);
        if (customer == null) {
            throw StoreException.notFound("customer " + customerId + " does not exist");
        }
        CustomerOrder order = new CustomerOrder(customer, clock.instant(), node);
        for (Map.Entry<Long, Integer> line : cart.entries()) {
            Product p = em.find(Product.class, line.getKey(), LockModeType.PESSIMISTIC_WRITE);
            if (p == null) {
                throw StoreException.notFound("product " + line.getKey() + " does not exist");
            }
            if (p.getStock() < line.getValue()) {
                throw StoreException.conflict("product " + p.getId() + " has " + p.getStock() + " in stock, "
                        + line.getValue() + " asked");
            }
            p.take(line.getValue());
            order.addLine(p, line.getValue());
        }
        orderClone.persist(order);
        return OrderView.of(order);
    }

    /**
     * The customer's orders, read with the application's own entity manager outside a transaction:
     * from this node's replica unless the user has a write it lacks (the unit's routing).
     */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public Served<List<OrderView>> history(long customerId) {
        List<OrderView> orders = em.createNamedQuery(CustomerOrder.BY_CUSTOMER, CustomerOrder.class)
                .setParameter("customer", customerId).getResultList()
                .stream().map(OrderView::of).toList();
        return new Served<>(orders, DatabaseIdentity.copyNameOfReads(em));
    }

    /** The cart with current names and prices. */
    public CartView price(Cart cart) {
        List<CartLine> lines = new ArrayList<>();
        long total = 0;
        int items = 0;
        for (Map.Entry<Long, Integer> e : cart.entries()) {
            Product p = em.find(Product.class, e.getKey());
            if (p == null) {
                throw StoreException.notFound("product " + e.getKey() + " does not exist");
            }
            long lineCents = p.getPriceCents() * e.getValue();
            lines.add(new CartLine(p.getId(), p.getName(), e.getValue(), p.getPriceCents(), lineCents));
            total += lineCents;
            items += e.getValue();
        }
        return new CartView(lines, items, total);
    }
}
