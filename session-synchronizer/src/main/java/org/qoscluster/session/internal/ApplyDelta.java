package org.qoscluster.session.internal;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;

/**
 * Applies one request's {@link SessionDelta} on the member that owns the record, under the
 * partition's lock: read, merge per attribute, write, in one step (M9). The same processor runs
 * on the backups, so they end in the same state. The entry lives for the session's time-out after
 * its last store, plus a second for clock differences between members (the filter itself treats
 * a record past its time-out as gone).
 */
final class ApplyDelta implements EntryProcessor<String, SessionRecord, SessionRecord.Applied> {

    private static final long serialVersionUID = 1L;
    private static final long GRACE_SECONDS = 1;

    private final SessionDelta delta;

    ApplyDelta(SessionDelta delta) {
        this.delta = delta;
    }

    @Override
    public SessionRecord.Applied process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord.Applied applied = SessionRecord.apply(entry.getKey(), entry.getValue(), delta);
        if (applied.record() == null) {
            entry.setValue(null);
        } else if (entry instanceof ExtendedMapEntry<String, SessionRecord> extended) {
            extended.setValue(applied.record(), applied.record().maxInactiveSeconds() + GRACE_SECONDS, TimeUnit.SECONDS);
        } else {
            entry.setValue(applied.record());
        }
        return applied.withoutRecord();
    }
}
