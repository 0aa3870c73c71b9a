package org.qoscluster.store.api;

import java.math.BigDecimal;

/**
 * Request bodies. Numbers are read as {@link BigDecimal} so that an out-of-range value is
 * refused by name instead of silently wrapping round; a missing field stays {@code null}.
 */
public final class Bodies {

    private Bodies() {
    }

    /** {@code {"productId": 12, "quantity": 2}} */
    public static class AddItem {
        public BigDecimal productId;
        public BigDecimal quantity;
    }

    /** {@code {"quantity": 3}} */
    public static class SetQuantity {
        public BigDecimal quantity;
    }

    /** {@code {"name": "Ada", "email": "ada@example.org"}} */
    public static class SignIn {
        public String name;
        public String email;
    }

    /** {@code {"name": "Ada Lovelace"}} */
    public static class Rename {
        public String name;
    }
}
