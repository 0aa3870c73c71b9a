package org.qoscluster.qrs;

import java.time.Instant;

import org.qoscluster.config.DomainXmlGoals;
import org.qoscluster.config.GoalDiff;
import org.qoscluster.config.GoalSet;
import org.qoscluster.config.InvalidConfigException;

/**
 * Decides what a changed {@code domain.xml} does to the router's goals: its goal properties are
 * read and validated exactly as at start-up ({@link GoalSet#parse}); valid and different, they
 * replace the goals; invalid, they are refused with the reason (every bad key and value) and the
 * goals stay. Pure: the caller reads the file and keeps the state.
 */
public final class GoalReloader {

    /** What happened: the next state and one line for the log, empty when nothing changed. */
    public record Outcome(GoalState state, String logLine, boolean error) {
    }

    private GoalReloader() {
    }

    /** The state after the file's content became {@code xml} at {@code now}. */
    public static Outcome next(GoalState current, String xml, Instant now) {
        GoalSet read;
        try {
            read = GoalSet.parse(DomainXmlGoals.goalProperties(xml));
        } catch (InvalidConfigException e) {
            return refuse(current, e.problems().isEmpty() ? e.getMessage() : String.join("; ", e.problems()), now);
        }
        GoalDiff diff = GoalDiff.between(current.goals(), read);
        if (diff.isEmpty()) {
            return new Outcome(new GoalState(current.goals(), current.loadedAt(), current.reloads(), current.refusals(),
                    current.lastError(), current.lastErrorAt(), false), "", false);
        }
        GoalState next = new GoalState(read, now, current.reloads() + 1, current.refusals(), current.lastError(),
                current.lastErrorAt(), false);
        return new Outcome(next, "goals changed: " + String.join("; ", diff.changes()), false);
    }

    /** The state after the file could not be read at all. */
    public static Outcome unreadable(GoalState current, String problem, Instant now) {
        return refuse(current, problem, now);
    }

    private static Outcome refuse(GoalState current, String problem, Instant now) {
        GoalState next = new GoalState(current.goals(), current.loadedAt(), current.reloads(), current.refusals() + 1,
                problem, now, true);
        return new Outcome(next, "goal change refused, the goals loaded at " + current.loadedAt() + " stay: " + problem, true);
    }
}
