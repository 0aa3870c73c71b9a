package org.qoscluster.store.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;

import org.qoscluster.clone.ReplicatedEntity;

/** A shopper, known by e-mail address. */
@Entity
@ReplicatedEntity(unit = "store")
@Table(name = "CUSTOMER")
@NamedQuery(name = Customer.BY_EMAIL, query = "SELECT c FROM Customer c WHERE c.email = :email")
public class Customer {

    public static final String BY_EMAIL = "Customer.byEmail";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, length = 100)
    private String name;

    @Column(nullable = false, unique = true, length = 254)
    private String email;

    protected Customer() {
    }

    public Customer(String name, String email) {
        this.name = name;
        this.email = email;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getEmail() {
        return email;
    }

    public void setName(String name) {
        this.name = name;
    }
}
