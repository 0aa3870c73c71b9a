package org.qoscluster.session.internal;

import java.util.Map;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;

import org.qoscluster.session.SessionRecord;

/**
 * Reads a record on the member that owns it, past any near cache: the copy every store is
 * applied to. Read-only, so it takes no backup and changes nothing.
 */
final class ReadRecord implements EntryProcessor<String, SessionRecord, SessionRecord>, ReadOnly {

    private static final long serialVersionUID = 1L;

    @Override
    public SessionRecord process(Map.Entry<String, SessionRecord> entry) {
        return entry.getValue();
    }

    @Override
    public EntryProcessor<String, SessionRecord, SessionRecord> getBackupProcessor() {
        return null;
    }
}
