package org.qoscluster.qrs;

import java.time.Instant;
import java.util.Objects;

import org.qoscluster.config.GoalSet;

/**
 * The goals the router routes by now, when it took them, and what became of the last change it
 * refused. Immutable: the router swaps the whole object, so a request sees either the old goals
 * or the new ones, never a mixture.
 *
 * @param goals       the goals in force
 * @param loadedAt    when they were taken (the router's start, or the reload)
 * @param reloads     how many changes were taken since the start
 * @param refusals    how many changes were refused since the start
 * @param lastError   why the last refused change was refused, null when none was
 * @param lastErrorAt when, null when none was
 * @param refused     whether the file holds that refused change now (it was not edited again since)
 */
public record GoalState(GoalSet goals, Instant loadedAt, long reloads, long refusals, String lastError, Instant lastErrorAt,
                        boolean refused) {

    public GoalState {
        Objects.requireNonNull(goals);
        Objects.requireNonNull(loadedAt);
    }

    /** The goals a router starts with. */
    public static GoalState initial(GoalSet goals, Instant now) {
        return new GoalState(goals, now, 0, 0, null, null, false);
    }
}
