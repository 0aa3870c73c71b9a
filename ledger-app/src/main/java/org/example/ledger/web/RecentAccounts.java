package org.example.ledger.web;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The accounts this visitor looked at lately, newest first, at most {@link #SIZE}: kept in the
 * HTTP session.
 */
public final class RecentAccounts implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How many accounts the list remembers. */
    public static final int SIZE = 5;

    private final ArrayList<Long> ids = new ArrayList<>();

    /** Puts {@code accountId} first, dropping an earlier mention and the oldest beyond {@link #SIZE}. */
    public void viewed(long accountId) {
        ids.remove(Long.valueOf(accountId));
        ids.add(0, accountId);
        while (ids.size() > SIZE) {
            ids.remove(ids.size() - 1);
        }
    }

    public List<Long> ids() {
        return List.copyOf(ids);
    }
}
