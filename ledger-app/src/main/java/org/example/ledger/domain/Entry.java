package org.example.ledger.domain;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import org.qoscluster.clone.ReplicatedEntity;

/**
 * One booking on an account: a credit (positive) or a debit (negative). A transfer is two
 * entries, one on each account, naming each other's account as counterparty; an opening
 * deposit has no counterparty.
 */
@Entity
@ReplicatedEntity(unit = "ledger")
@Table(name = "LEDGER_ENTRY")
public class Entry {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(optional = false)
    private Account account;

    @Column(name = "AMOUNT_CENTS", nullable = false)
    private long amountCents;

    @ManyToOne
    private Account counterparty;

    @Column(length = 140)
    private String memo;

    @Column(name = "BOOKED_AT", nullable = false)
    private Instant bookedAt;

    protected Entry() {
    }

    Entry(Account account, long amountCents, Account counterparty, String memo, Instant bookedAt) {
        this.account = account;
        this.amountCents = amountCents;
        this.counterparty = counterparty;
        this.memo = memo;
        this.bookedAt = bookedAt;
    }

    public Long getId() {
        return id;
    }

    public Account getAccount() {
        return account;
    }

    public long getAmountCents() {
        return amountCents;
    }

    public Account getCounterparty() {
        return counterparty;
    }

    public String getMemo() {
        return memo;
    }

    public Instant getBookedAt() {
        return bookedAt;
    }
}
