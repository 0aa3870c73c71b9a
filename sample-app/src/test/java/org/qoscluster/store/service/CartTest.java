package org.qoscluster.store.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CartTest {

    private static Cart cart(long... productAndQuantity) {
        Cart c = new Cart();
        for (int i = 0; i < productAndQuantity.length; i += 2) {
            c.add(productAndQuantity[i], (int) productAndQuantity[i + 1]);
        }
        return c;
    }

    @Test
    void shouldHandCheckoutTheProductsInAscendingIdOrderWhateverTheOrderTheyWereAdded() {
        List<Long> forward = new ArrayList<>();
        cart(31, 1, 32, 1, 7, 2).entriesByProduct().forEach(e -> forward.add(e.getKey()));
        List<Long> backward = new ArrayList<>();
        cart(32, 1, 7, 2, 31, 1).entriesByProduct().forEach(e -> backward.add(e.getKey()));
        assertEquals(List.of(7L, 31L, 32L), forward);
        assertEquals(forward, backward, "two carts of the same products lock their rows in one order");
        List<Long> shown = new ArrayList<>();
        cart(32, 1, 7, 2).entries().forEach(e -> shown.add(e.getKey()));
        assertEquals(List.of(32L, 7L), shown, "the cart itself still lists products in the order they were added");
    }

    @Test
    void shouldKeepWhatBothOverlappingRequestsAdded() {
        Cart base = cart(1, 1);
        Cart theirs = cart(1, 1, 2, 3);   // the other request added 3 of product 2
        Cart mine = cart(1, 2, 5, 1);     // this one added 1 more of product 1 and 1 of product 5
        assertEquals(Map.of(1L, 2, 2L, 3, 5L, 1), mine.mergeConcurrent(base, theirs).lines());
    }

    @Test
    void shouldAddQuantitiesWhenBothAddedTheSameProduct() {
        Cart base = cart();
        assertEquals(Map.of(4L, 3), cart(4, 1).mergeConcurrent(base, cart(4, 2)).lines());
        assertEquals(Map.of(4L, 99), cart(4, 60).mergeConcurrent(null, cart(4, 60)).lines(), "within the limit per product");
    }

    @Test
    void shouldApplyThisRequestsRemovalAndKeepTheOtherRequestsAdditions() {
        Cart base = cart(1, 1, 2, 1);
        Cart mine = cart(2, 1);           // removed product 1
        Cart theirs = cart(1, 1, 2, 1, 3, 1);
        assertEquals(Map.of(2L, 1, 3L, 1), mine.mergeConcurrent(base, theirs).lines());
        assertEquals(Map.of(1L, 1), cart(1, 1).mergeConcurrent(cart(), null).lines(), "after a concurrent removal of the cart");
    }
}
