package org.example.ledger.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;

import org.qoscluster.clone.ReplicatedEntity;

/** An account: its holder's name and its balance, which is the sum of its entries. */
@Entity
@ReplicatedEntity(unit = "ledger")
@NamedQuery(name = Account.ALL, query = "SELECT a FROM Account a ORDER BY a.id")
public class Account {

    public static final String ALL = "Account.all";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, length = 60)
    private String name;

    @Column(name = "BALANCE_CENTS", nullable = false)
    private long balanceCents;

    @OneToMany(mappedBy = "account")
    @OrderBy("id DESC")
    private List<Entry> entries = new ArrayList<>();

    protected Account() {
    }

    public Account(String name) {
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public long getBalanceCents() {
        return balanceCents;
    }

    public List<Entry> getEntries() {
        return entries;
    }

    /** Books {@code amountCents} (negative: a debit) on this account and returns the entry to persist. */
    public Entry book(long amountCents, Account counterparty, String memo, Instant at) {
        balanceCents = Math.addExact(balanceCents, amountCents);
        Entry entry = new Entry(this, amountCents, counterparty, memo, at);
        entries.add(0, entry);
        return entry;
    }
}
