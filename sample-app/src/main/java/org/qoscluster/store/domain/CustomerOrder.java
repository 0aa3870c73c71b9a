package org.qoscluster.store.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

import org.qoscluster.clone.ReplicatedEntity;

/** A placed order: its lines and total are fixed at checkout. */
@Entity
@ReplicatedEntity(unit = "store")
// One order per customer and idempotency key, enforced by the master in the order's own
// transaction (several keys may be null: Derby's UNIQUE on nullable columns allows that).
@Table(name = "CUSTOMER_ORDER", uniqueConstraints = @UniqueConstraint(name = "CUSTOMER_ORDER_IDEMPOTENCY",
        columnNames = {"CUSTOMER_ID", "IDEMPOTENCY_KEY"}))
@NamedQuery(name = CustomerOrder.BY_CUSTOMER,
        query = "SELECT o FROM CustomerOrder o WHERE o.customer.id = :customer ORDER BY o.id DESC")
@NamedQuery(name = CustomerOrder.BY_IDEMPOTENCY_KEY,
        query = "SELECT o FROM CustomerOrder o WHERE o.customer.id = :customer AND o.idempotencyKey = :key")
public class CustomerOrder {

    public static final String BY_CUSTOMER = "CustomerOrder.byCustomer";
    public static final String BY_IDEMPOTENCY_KEY = "CustomerOrder.byIdempotencyKey";
    /** Longest {@code Idempotency-Key} kept. */
    public static final int MAX_KEY_LENGTH = 100;

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(optional = false)
    private Customer customer;

    @Column(name = "PLACED_AT", nullable = false)
    private Instant placedAt;

    @Column(name = "TOTAL_CENTS", nullable = false)
    private long totalCents;

    /** The node that took the order, for the curious and for the tests. */
    @Column(name = "PLACED_BY", length = 64)
    private String placedBy;

    /** The client's {@code Idempotency-Key} of the checkout that placed this order, or null. */
    @Column(name = "IDEMPOTENCY_KEY", length = MAX_KEY_LENGTH)
    private String idempotencyKey;

    @OneToMany(mappedBy = "order", cascade = CascadeType.ALL)
    @OrderBy("id")
    private List<OrderLine> lines = new ArrayList<>();

    protected CustomerOrder() {
    }

    public CustomerOrder(Customer customer, Instant placedAt, String placedBy) {
        this(customer, placedAt, placedBy, null);
    }

    public CustomerOrder(Customer customer, Instant placedAt, String placedBy, String idempotencyKey) {
        this.customer = customer;
        this.placedAt = placedAt;
        this.placedBy = placedBy;
        this.idempotencyKey = idempotencyKey;
    }

    public void addLine(Product product, int quantity) {
        lines.add(new OrderLine(this, product, quantity));
        totalCents += product.getPriceCents() * quantity;
    }

    public Long getId() {
        return id;
    }

    public Customer getCustomer() {
        return customer;
    }

    public Instant getPlacedAt() {
        return placedAt;
    }

    public long getTotalCents() {
        return totalCents;
    }

    public String getPlacedBy() {
        return placedBy;
    }

    public String getIdempotencyKey() {
        return idempotencyKey;
    }

    public List<OrderLine> getLines() {
        return lines;
    }
}
