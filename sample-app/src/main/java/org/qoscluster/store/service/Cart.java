package org.qoscluster.store.service;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

import org.qoscluster.session.SessionMergeable;

/**
 * The shopping cart, kept in the HTTP session (so it must stay serializable): product id to
 * quantity, in the order products were first added. Two requests of one shopper that change the
 * cart at the same time (two tabs, two nodes) both count: see {@link #mergeConcurrent}.
 */
public final class Cart implements Serializable, SessionMergeable<Cart> {

    private static final long serialVersionUID = 1L;
    /** Most units of one product in a cart. */
    public static final int MAX_QUANTITY = 99;
    /** Most distinct products in a cart. */
    public static final int MAX_LINES = 50;

    private final LinkedHashMap<Long, Integer> lines = new LinkedHashMap<>();

    /** Adds {@code quantity} units; the total per product stays within {@link #MAX_QUANTITY}. */
    public void add(long productId, int quantity) {
        checkQuantity(quantity);
        int total = lines.getOrDefault(productId, 0) + quantity;
        if (total > MAX_QUANTITY) {
            throw StoreException.badRequest("quantity: the cart would hold " + total + " of product " + productId
                    + ", at most " + MAX_QUANTITY + " allowed");
        }
        if (!lines.containsKey(productId) && lines.size() >= MAX_LINES) {
            throw StoreException.badRequest("cart: at most " + MAX_LINES + " different products");
        }
        lines.put(productId, total);
    }

    /** Sets the quantity of a product already in the cart. */
    public void set(long productId, int quantity) {
        checkQuantity(quantity);
        if (!lines.containsKey(productId)) {
            throw StoreException.notFound("product " + productId + " is not in the cart");
        }
        lines.put(productId, quantity);
    }

    public boolean remove(long productId) {
        return lines.remove(productId) != null;
    }

    public Map<Long, Integer> lines() {
        return Map.copyOf(lines);
    }

    /** Product ids in the order they were added. */
    public Iterable<Map.Entry<Long, Integer>> entries() {
        return new LinkedHashMap<>(lines).entrySet();
    }

    /**
     * Product ids in ascending order: the order in which checkout locks the products' rows, the
     * same for every cart, so two checkouts of the same products never wait for each other in a
     * circle (a deadlock).
     */
    public Iterable<Map.Entry<Long, Integer>> entriesByProduct() {
        return new java.util.TreeMap<>(lines).entrySet();
    }

    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /**
     * This request's cart merged with one stored meanwhile by another request of the same
     * shopper: per product, the other request's quantity plus what this request changed from
     * what it read (an addition adds, a removal removes), within the cart's limits.
     */
    @Override
    public Cart mergeConcurrent(Cart base, Cart theirs) {
        Map<Long, Integer> before = base == null ? Map.of() : base.lines;
        Cart merged = new Cart();
        if (theirs != null) {
            merged.lines.putAll(theirs.lines);
        }
        java.util.Set<Long> products = new java.util.LinkedHashSet<>(before.keySet());
        products.addAll(lines.keySet());
        for (Long product : products) {
            int change = lines.getOrDefault(product, 0) - before.getOrDefault(product, 0);
            if (change == 0) {
                continue;
            }
            int quantity = Math.min(MAX_QUANTITY, Math.max(0, merged.lines.getOrDefault(product, 0) + change));
            if (quantity == 0 || !lines.containsKey(product)) {
                merged.lines.remove(product);
            } else if (merged.lines.containsKey(product) || merged.lines.size() < MAX_LINES) {
                merged.lines.put(product, quantity);
            }
        }
        return merged;
    }

    private static void checkQuantity(int quantity) {
        if (quantity < 1 || quantity > MAX_QUANTITY) {
            throw StoreException.badRequest("quantity: " + quantity + " is not between 1 and " + MAX_QUANTITY);
        }
    }
}
