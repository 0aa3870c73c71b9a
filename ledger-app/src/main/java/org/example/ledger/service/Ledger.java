package org.example.ledger.service;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

import org.example.ledger.domain.Account;
import org.example.ledger.domain.Entry;
import org.example.ledger.service.Views.AccountDetail;
import org.example.ledger.service.Views.AccountSummary;
import org.example.ledger.service.Views.EntryView;
import org.example.ledger.service.Views.TransferView;

/**
 * The ledger's operations. Writes are one JTA transaction each ({@code @Transactional}); reads
 * run without one.
 */
@ApplicationScoped
public class Ledger {

    /** How many entries an account's page shows. */
    public static final int LATEST_ENTRIES = 50;

    private final TransferRules rules = new TransferRules(0);
    private final Clock clock = Clock.systemUTC();

    @PersistenceContext(unitName = "ledger")
    private EntityManager em;

    public List<AccountSummary> accounts() {
        return em.createNamedQuery(Account.ALL, Account.class).getResultList().stream().map(AccountSummary::of).toList();
    }

    public AccountDetail account(long id) {
        Account a = em.find(Account.class, id);
        if (a == null) {
            throw LedgerException.notFound(id);
        }
        List<EntryView> entries = a.getEntries().stream().limit(LATEST_ENTRIES).map(EntryView::of).toList();
        return new AccountDetail(a.getId(), a.getName(), a.getBalanceCents(), entries);
    }

    /** Opens an account, with an opening deposit when {@code openingCents} is above zero. */
    @Transactional
    public AccountSummary open(String name, long openingCents) {
        if (openingCents < 0 || openingCents > TransferRules.MAX_AMOUNT_CENTS) {
            throw new LedgerException(400, "openingBalanceCents: " + openingCents + " is not between 0 and "
                    + TransferRules.MAX_AMOUNT_CENTS);
        }
        Account a = new Account(name.strip());
        em.persist(a);
        if (openingCents > 0) {
            em.persist(a.book(openingCents, null, "opening deposit", clock.instant()));
        }
        em.flush();
        return AccountSummary.of(a);
    }

    /**
     * Moves {@code amountCents} from one account to another: a debit and a credit entry and both
     * balances, in one transaction, with both accounts locked (lower id first).
     */
    @Transactional
    public TransferView transfer(long fromId, long toId, long amountCents, String memo) {
        long[] order = TransferRules.lockOrder(fromId, toId);
        Account first = lock(order[0], fromId);
        Account second = order[1] == order[0] ? first : lock(order[1], fromId);
        Account from = first.getId() == fromId ? first : second;
        Account to = from == first ? second : first;
        rules.check(fromId, from.getBalanceCents(), toId, amountCents);
        var at = clock.instant();
        Entry debit = from.book(-amountCents, to, memo, at);
        Entry credit = to.book(amountCents, from, memo, at);
        em.persist(debit);
        em.persist(credit);
        em.flush();
        return new TransferView(EntryView.of(debit), EntryView.of(credit), from.getBalanceCents());
    }

    /** Locks account {@code id}; an unknown payee is named as the body's field, an unknown payer as the path's account. */
    private Account lock(long id, long fromId) {
        Account a = em.find(Account.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (a == null) {
            throw id == fromId ? LedgerException.notFound(id)
                    : new LedgerException(404, "toAccountId: account " + id + " does not exist");
        }
        return a;
    }
}
