package org.qoscluster.store.service;

import java.time.Instant;
import java.util.List;

import org.qoscluster.store.domain.Customer;
import org.qoscluster.store.domain.CustomerOrder;
import org.qoscluster.store.domain.OrderLine;
import org.qoscluster.store.domain.Product;

/** What the API returns: plain records, detached from the persistence context. */
public final class Views {

    private Views() {
    }

    public record ProductView(long id, String sku, String name, String description, long priceCents, int stock) {
        public static ProductView of(Product p) {
            return new ProductView(p.getId(), p.getSku(), p.getName(), p.getDescription(), p.getPriceCents(), p.getStock());
        }
    }

    public record ProductPage(long total, int offset, int limit, List<ProductView> items) {
    }

    /** What a read returned, and the database copy that answered it (its {@code qos.copy.name}). */
    public record Served<T>(T value, String readFrom) {
    }

    public record CustomerView(long id, String name, String email) {
        public static CustomerView of(Customer c) {
            return new CustomerView(c.getId(), c.getName(), c.getEmail());
        }
    }

    public record CartLine(long productId, String name, int quantity, long unitPriceCents, long lineCents) {
    }

    public record CartView(List<CartLine> lines, int items, long totalCents) {
    }

    public record OrderLineView(long productId, String name, int quantity, long unitPriceCents) {
        public static OrderLineView of(OrderLine l) {
            return new OrderLineView(l.getProductId(), l.getProductName(), l.getQuantity(), l.getUnitPriceCents());
        }
    }

    public record OrderView(long id, long customerId, Instant placedAt, String placedBy, long totalCents,
                            List<OrderLineView> lines) {
        public static OrderView of(CustomerOrder o) {
            return new OrderView(o.getId(), o.getCustomer().getId(), o.getPlacedAt(), o.getPlacedBy(), o.getTotalCents(),
                    o.getLines().stream().map(OrderLineView::of).toList());
        }
    }
}
