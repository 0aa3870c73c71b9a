package org.qoscluster.store.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.qoscluster.clone.ReplicatedEntity;

/** A catalogue item. Ids are fixed (1..N) so that seeding is idempotent across nodes. */
@Entity
@ReplicatedEntity(unit = "store")
@Table(name = "PRODUCT")
@NamedQuery(name = Product.COUNT, query = "SELECT COUNT(p) FROM Product p")
@NamedQuery(name = Product.IDS, query = "SELECT p.id FROM Product p")
@NamedQuery(name = Product.PAGE, query = "SELECT p FROM Product p WHERE LOWER(p.name) LIKE :q ORDER BY p.id")
@NamedQuery(name = Product.PAGE_COUNT, query = "SELECT COUNT(p) FROM Product p WHERE LOWER(p.name) LIKE :q")
public class Product {

    public static final String COUNT = "Product.count";
    public static final String IDS = "Product.ids";
    public static final String PAGE = "Product.page";
    public static final String PAGE_COUNT = "Product.pageCount";

    @Id
    private Long id;

    @Column(nullable = false, unique = true, length = 32)
    private String sku;

    @Column(nullable = false, length = 120)
    private String name;

    @Column(length = 400)
    private String description;

    @Column(name = "PRICE_CENTS", nullable = false)
    private long priceCents;

    @Column(nullable = false)
    private int stock;

    @Version
    private long version;

    protected Product() {
    }

    public Product(long id, String sku, String name, String description, long priceCents, int stock) {
        this.id = id;
        this.sku = sku;
        this.name = name;
        this.description = description;
        this.priceCents = priceCents;
        this.stock = stock;
    }

    public Long getId() {
        return id;
    }

    public String getSku() {
        return sku;
    }

    public String getName() {
        return name;
    }

    public String getDescription() {
        return description;
    }

    public long getPriceCents() {
        return priceCents;
    }

    public int getStock() {
        return stock;
    }

    /** Takes {@code quantity} out of stock; the caller checked that there is enough. */
    public void take(int quantity) {
        if (quantity > stock) {
            throw new IllegalStateException("product " + id + " has " + stock + " in stock, " + quantity + " taken");
        }
        stock -= quantity;
    }
}
