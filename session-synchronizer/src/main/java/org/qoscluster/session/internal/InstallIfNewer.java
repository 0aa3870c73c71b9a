package org.qoscluster.session.internal;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import org.qoscluster.session.SessionRecord;

/**
 * Puts a record read from the session table's master copy into the session map only when the map
 * holds none or an older version of it (the version check: a record from the table never replaces
 * a newer one), on the owner and on each backup; answers the record the map holds afterwards.
 */
final class InstallIfNewer implements EntryProcessor<String, SessionRecord, SessionRecord> {

    private static final long serialVersionUID = 1L;
    private static final long GRACE_SECONDS = 1;

    private final SessionRecord candidate;

    InstallIfNewer(SessionRecord candidate) {
        this.candidate = candidate;
    }

    /** Whether {@code candidate} should replace {@code current} (null: none): a newer version only. Pure. */
    static boolean replaces(SessionRecord current, SessionRecord candidate) {
        return candidate != null && (current == null || current.version() < candidate.version());
    }

    @Override
    public SessionRecord process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord current = entry.getValue();
        if (!replaces(current, candidate)) {
            return current;
        }
        if (entry instanceof ExtendedMapEntry<String, SessionRecord> extended) {
            extended.setValue(candidate, candidate.maxInactiveSeconds() + GRACE_SECONDS, TimeUnit.SECONDS);
        } else {
            entry.setValue(candidate);
        }
        return candidate;
    }
}
