package org.qoscluster.store.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import org.qoscluster.store.service.Cart;
import org.qoscluster.store.service.StoreException;

/**
 * What the store keeps in the HTTP session: the cart and the signed-in customer. Every change
 * is written back with {@code setAttribute} (the Session Synchronizer would also notice a cart
 * changed in place, but saying so is clearer).
 */
final class SessionState {

    static final String CART = "store.cart";
    static final String CUSTOMER = "store.customerId";

    private SessionState() {
    }

    static Cart cart(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object cart = session == null ? null : session.getAttribute(CART);
        return cart instanceof Cart c ? c : new Cart();
    }

    static void saveCart(HttpServletRequest request, Cart cart) {
        request.getSession(true).setAttribute(CART, cart);
    }

    /**
     * A new session id before the customer goes into the session (standard advice against session
     * fixation: under the Session Synchronizer the UID and its cookie change too, and the record
     * under the old UID is deleted). Done before the sign-in writes anything, so a session the
     * cluster refuses to create (too many new sessions from one address) refuses the sign-in whole.
     */
    static void renewForSignIn(HttpServletRequest request) {
        request.getSession(true);
        request.changeSessionId();
    }

    static void signIn(HttpServletRequest request, long customerId) {
        request.getSession(true).setAttribute(CUSTOMER, customerId);
    }

    static void signOut(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
    }

    static long customer(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object id = session == null ? null : session.getAttribute(CUSTOMER);
        if (id instanceof Long l) {
            return l;
        }
        throw new StoreException(401, "customer: not signed in; POST /api/customers first");
    }
}
