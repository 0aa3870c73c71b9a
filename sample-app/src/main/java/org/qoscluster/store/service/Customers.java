package org.qoscluster.store.service;

import java.util.regex.Pattern;

import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

import org.qoscluster.store.domain.Customer;
import org.qoscluster.store.domain.CustomerReadWrite;
import org.qoscluster.store.service.Views.CustomerView;
import org.qoscluster.store.service.Views.Served;

/** Registers customers and finds them again by e-mail address. */
@Stateless
public class Customers {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}\\.[A-Za-z]{2,63}");

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    @Inject
    private CustomerReadWrite customerClone;

    /** The customer with this e-mail address, registered now if new (looked up on the master: no double sign-up). */
    public CustomerView signIn(String name, String email) {
        if (email == null || !EMAIL.matcher(email).matches()) {
            throw StoreException.badRequest("email: " + quote(email) + " is not an e-mail address");
        }
        checkName(name);
        var found = em.createNamedQuery(Customer.BY_EMAIL, Customer.class).setParameter("email", email).getResultList();
        if (!found.isEmpty()) {
            return CustomerView.of(found.get(0));
        }
        Customer c = new Customer(name.strip(), email);
        customerClone.persist(c);
        return CustomerView.of(c);
    }

    /** From this node's replica unless the user has a write it lacks (a new customer reads the master until then). */
    public Served<CustomerView> customer(long id) {
        Served<CustomerView> found = customerClone.read(e -> DatabaseIdentity.find(e, Customer.class, id, CustomerView::of));
        if (found.value() == null) {
            throw StoreException.notFound("customer " + id + " does not exist");
        }
        return found;
    }

    /**
     * Renames a customer the way existing code does it: find the entity with the application's
     * own entity manager and change it; the transaction writes it (dirty checking), no clone
     * involved. The user still reads the new name at once ({@code WriteFlagListener}).
     */
    public CustomerView rename(long id, String name) {
        checkName(name);
        Customer c = em.find(Customer.class, id);
        if (c == null) {
            throw StoreException.notFound("customer " + id + " does not exist");
        }
        c.setName(name.strip());
        return CustomerView.of(c);
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw StoreException.badRequest("name: " + quote(name) + " must be 1 to 100 characters");
        }
    }

    private static String quote(String s) {
        return s == null ? "missing" : "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }
}
