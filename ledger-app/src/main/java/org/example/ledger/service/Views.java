package org.example.ledger.service;

import java.time.Instant;
import java.util.List;

import org.example.ledger.domain.Account;
import org.example.ledger.domain.Entry;

/** What the API shows of accounts and entries (JSON-B writes these records). */
public final class Views {

    private Views() {
    }

    public record AccountSummary(long id, String name, long balanceCents) {
        static AccountSummary of(Account a) {
            return new AccountSummary(a.getId(), a.getName(), a.getBalanceCents());
        }
    }

    public record EntryView(long id, long amountCents, Long counterpartyId, String memo, Instant bookedAt) {
        static EntryView of(Entry e) {
            return new EntryView(e.getId(), e.getAmountCents(),
                    e.getCounterparty() == null ? null : e.getCounterparty().getId(), e.getMemo(), e.getBookedAt());
        }
    }

    /** An account with its latest entries, newest first. */
    public record AccountDetail(long id, String name, long balanceCents, List<EntryView> entries) {
    }

    /** The outcome of a transfer: both entries and the paying account's new balance. */
    public record TransferView(EntryView debit, EntryView credit, long balanceCents) {
    }
}
