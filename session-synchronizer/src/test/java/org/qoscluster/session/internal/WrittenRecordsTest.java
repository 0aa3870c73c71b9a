package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.session.SessionRecord;

class WrittenRecordsTest {

    private static SessionRecord record(long createdAt, long version) {
        return new SessionRecord("uid-1", createdAt, createdAt + version, 60, version, Map.of(), null, null, null, "node-1");
    }

    @Test
    void shouldKeepTheNewestVersionOfTheLatestSessionUnderAUid() {
        WrittenRecords written = new WrittenRecords(10);
        written.put(record(1_000, 7));
        written.put(record(1_000, 5));
        assertEquals(7, written.get("uid-1").version(), "an older version of the same session does not replace a newer one");
        // The session ended; the next one under the UID starts again at version 1.
        written.put(record(9_000, 1));
        assertEquals(1, written.get("uid-1").version(), "the later session's record replaces the ended one's, whatever its version");
        written.put(record(1_000, 8));
        assertEquals(9_000, written.get("uid-1").createdAt(), "a late store of the ended session does not come back over it");
    }

    @Test
    void shouldForgetARecordOfAnEndedSessionOnceTheOwnersIsOfALaterOne() {
        WrittenRecords written = new WrittenRecords(10);
        written.put(record(1_000, 7));
        written.forgetOlder(record(1_000, 7));
        assertEquals(7, written.get("uid-1").version(), "the same record is kept");
        written.forgetOlder(record(9_000, 2));
        assertNull(written.get("uid-1"), "the owner holds a later session: the ended one's copy goes, though its version is higher");
    }
}
