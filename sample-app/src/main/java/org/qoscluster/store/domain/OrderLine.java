package org.qoscluster.store.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import org.qoscluster.clone.ReplicatedEntity;

/** One product of an order, with the price it was sold at. */
@Entity
@ReplicatedEntity(unit = "store")
@Table(name = "ORDER_LINE")
public class OrderLine {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @SuppressWarnings("unused") // written and read by JPA: the owning side of CustomerOrder.lines
    @ManyToOne(optional = false)
    private CustomerOrder order;

    @Column(name = "PRODUCT_ID", nullable = false)
    private long productId;

    @Column(name = "PRODUCT_NAME", nullable = false, length = 120)
    private String productName;

    @Column(nullable = false)
    private int quantity;

    @Column(name = "UNIT_PRICE_CENTS", nullable = false)
    private long unitPriceCents;

    protected OrderLine() {
    }

    OrderLine(CustomerOrder order, Product product, int quantity) {
        this.order = order;
        this.productId = product.getId();
        this.productName = product.getName();
        this.quantity = quantity;
        this.unitPriceCents = product.getPriceCents();
    }

    public long getProductId() {
        return productId;
    }

    public String getProductName() {
        return productName;
    }

    public int getQuantity() {
        return quantity;
    }

    public long getUnitPriceCents() {
        return unitPriceCents;
    }
}
