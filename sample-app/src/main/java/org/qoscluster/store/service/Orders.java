package org.qoscluster.store.service;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** A checkout's result: the order, and whether an earlier checkout with the same key placed it. */
    public record Placed(OrderView order, boolean replayed) {
    }

    /**
     * Places an order for the cart's contents and takes the quantities out of stock, in one
     * transaction: if any product is short, nothing is written. The products' rows are locked in
     * ascending id order, so two checkouts never deadlock. With an {@code idempotencyKey}, the
     * customer's order placed earlier with that key is returned instead and nothing is written;
     * the key is stored with the order in its transaction (unique per customer), so a retry finds
     * it on any node, also after a failover of the master.
     */
    public Placed checkout(long customerId, Cart cart, String idempotencyKey) {
        if (idempotencyKey != null) {
            Optional<OrderView> earlier = placed(customerId, idempotencyKey);
            if (earlier.isPresent()) {
                return new Placed(earlier.get(), true);
            }
        }
        if (cart.isEmpty()) {
            throw StoreException.badRequest("cart: empty, add products before checking out");
        }
        Customer customer = em.find(Customer.class, customerId);
        if (customer == null) {
            throw StoreException.notFound("customer " + customerId + " does not exist");
        }
        List<Product> products = new ArrayList<>();
        List<Integer> quantities = new ArrayList<>();
        for (Map.Entry<Long, Integer> line : cart.entriesByProduct()) {
            Product p = em.find(Product.class, line.getKey(), LockModeType.PESSIMISTIC_WRITE);
            if (p == null) {
                throw StoreException.notFound("product " + line.getKey() + " does not exist");
            }
            if (p.getStock() < line.getValue()) {
                throw StoreException.conflict("product " + p.getId() + " has " + p.getStock() + " in stock, "
                        + line.getValue() + " asked");
            }
            products.add(p);
            quantities.add(line.getValue());
        }
        if (idempotencyKey != null) {
            // A retry of the same cart waited above for the first checkout's locks: it has committed now.
            Optional<OrderView> earlier = placed(customerId, idempotencyKey);
            if (earlier.isPresent()) {
                return new Placed(earlier.get(), true);
            }
        }
        CustomerOrder order = new CustomerOrder(customer, clock.instant(), node, idempotencyKey);
        for (int i = 0; i < products.size(); i++) {
            products.get(i).take(quantities.get(i));
            order.addLine(products.get(i), quantities.get(i));
        }
        orderClone.persist(order);
        return new Placed(OrderView.of(order), false);
    }

    /** The customer's order placed with {@code idempotencyKey}, read on the master; another customer's key finds nothing. */
    public Optional<OrderView> placed(long customerId, String idempotencyKey) {
        return em.createNamedQuery(CustomerOrder.BY_IDEMPOTENCY_KEY, CustomerOrder.class)
                .setParameter("customer", customerId).setParameter("key", idempotencyKey)
                .getResultList().stream().findFirst().map(OrderView::of);
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
