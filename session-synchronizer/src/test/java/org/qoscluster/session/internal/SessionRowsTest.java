package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.StoredAttribute;

/**
 * A session record as a row of the session table and back: every field survives; a row that is
 * cut, of another format, of another UID, too big, or whose version column disagrees is refused
 * with a reason (the node logs it with the UID and skips the row); an expired row is no record,
 * without a complaint. Which record may replace the map's, and when a node asks the master.
 */
class SessionRowsTest {

    private static final String UID = "AAAAAAAAAAAAAAAAAAAAAA";
    private static final long NOW = 1_700_000_000_000L;
    private static final int MAX = 1 << 20;

    private static SessionRecord record(long version, long lastAccess) {
        return new SessionRecord(UID, NOW - 5_000, lastAccess, 1800, version,
                Map.of("cart", new StoredAttribute("two lamps".getBytes(StandardCharsets.UTF_8), 3),
                        "empty", new StoredAttribute(new byte[0], version)),
                new StateChangeFlag("node-2", 42, NOW - 100), "gold", null, "node-2");
    }

    @Test
    void shouldReadBackEveryFieldOfTheRecord() {
        SessionRecord r = record(7, NOW - 1_000);
        SessionRecord back = SessionRows.decode(UID, SessionRows.encode(r), 7, SessionRows.expiresAt(r), NOW, MAX).record();
        assertEquals(r.uid(), back.uid());
        assertEquals(r.createdAt(), back.createdAt());
        assertEquals(r.lastAccessedAt(), back.lastAccessedAt());
        assertEquals(r.maxInactiveSeconds(), back.maxInactiveSeconds());
        assertEquals(7, back.version());
        assertEquals(r.flag(), back.flag());
        assertEquals("gold", back.userClass());
        assertNull(back.principalUserClass());
        assertEquals("node-2", back.lastWriteNode());
        assertEquals(r.attributes().keySet(), back.attributes().keySet());
        assertArrayEquals(r.attributes().get("cart").value(), back.attributes().get("cart").value());
        assertEquals(3, back.attributes().get("cart").version());
        assertEquals(0, back.attributes().get("empty").size());
    }

    @Test
    void shouldRefuseRowsThatAreNotARecordOfThisUidWithTheReason() {
        SessionRecord r = record(7, NOW - 1_000);
        byte[] bytes = SessionRows.encode(r);
        long expires = SessionRows.expiresAt(r);
        assertProblem(SessionRows.decode(UID, Arrays.copyOf(bytes, bytes.length - 3), 7, expires, NOW, MAX), "cut short");
        byte[] otherFormat = bytes.clone();
        otherFormat[0] = 9;
        assertProblem(SessionRows.decode(UID, otherFormat, 7, expires, NOW, MAX), "format 9");
        assertProblem(SessionRows.decode("BBBBBBBBBBBBBBBBBBBBBB", bytes, 7, expires, NOW, MAX), "another UID");
        assertProblem(SessionRows.decode(UID, bytes, 8, expires, NOW, MAX), "version 7, its row says 8");
        assertProblem(SessionRows.decode(UID, bytes, 7, expires, NOW, 10), "more than the 10");
        assertProblem(SessionRows.decode(UID, null, 7, expires, NOW, MAX), "no record");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertProblem(SessionRows.decode(UID, longer, 7, expires, NOW, MAX), "after the record");
        assertProblem(SessionRows.decode(UID, "not a session at all".getBytes(StandardCharsets.UTF_8), 7, expires, NOW, MAX), "");
    }

    @Test
    void shouldTreatAnExpiredRowAsNoRecordWithoutComplaint() {
        SessionRecord r = record(7, NOW - 1_800_000);
        SessionRows.Loaded byColumn = SessionRows.decode(UID, SessionRows.encode(r), 7, NOW - 1, NOW, MAX);
        assertNull(byColumn.record());
        assertNull(byColumn.problem());
        // The column says later, the record itself has expired (written by a member with another clock).
        SessionRows.Loaded byRecord = SessionRows.decode(UID, SessionRows.encode(r), 7, NOW + 60_000, NOW, MAX);
        assertNull(byRecord.record());
        assertNull(byRecord.problem());
    }

    @Test
    void shouldLetARecordFromTheTableReplaceOnlyAnOlderOne() {
        assertTrue(InstallIfNewer.replaces(null, record(3, NOW)));
        assertTrue(InstallIfNewer.replaces(record(2, NOW), record(3, NOW)));
        assertFalse(InstallIfNewer.replaces(record(3, NOW), record(3, NOW)));
        assertFalse(InstallIfNewer.replaces(record(4, NOW), record(3, NOW)));
        assertFalse(InstallIfNewer.replaces(record(4, NOW), null));
    }

    @Test
    void shouldAskTheMasterOnlyWhenTheClusterIsBehindWhatTheClientWasAnswered() {
        SessionTable table = new SessionTable(() -> null, () -> null, () -> NOW, MAX, "node-1");
        assertTrue(HazelcastSessionStore.behindTheClient(table, 7, record(5, NOW)));
        assertTrue(HazelcastSessionStore.behindTheClient(table, 7, null));
        assertFalse(HazelcastSessionStore.behindTheClient(table, 7, record(7, NOW)));
        assertFalse(HazelcastSessionStore.behindTheClient(table, 0, null), "a cookie that does not tell");
        assertFalse(HazelcastSessionStore.behindTheClient(table, VersionCookie.NONE, null), "never answered with a version");
        assertFalse(HazelcastSessionStore.behindTheClient(null, 7, record(5, NOW)), "no table");
    }

    @Test
    void shouldConfigureTheMapStoreFromTheSettings() {
        Map<String, String> secrets = Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32));
        SessionSettings through = SessionSettings.of(ClusterConfig.from(Map.of(SessionSettings.TABLE_MODE, "write-through")),
                secrets, "node-1");
        assertTrue(through.tableEnabled());
        assertEquals(SessionSettings.TableMode.WRITE_THROUGH, through.tableMode());
        var config = HazelcastSessionStore.tableConfig(through);
        assertEquals(0, config.getWriteDelaySeconds(), "write-through");
        assertEquals(SessionTableStore.class.getName(), config.getClassName());
        assertEquals("jdbc/qos/master", config.getProperties().getProperty(SessionTableStore.MASTER_JNDI));
        assertEquals("jdbc/qos/replica", config.getProperties().getProperty(SessionTableStore.REPLICA_JNDI));
        SessionSettings behind = SessionSettings.of(ClusterConfig.from(Map.of(SessionSettings.TABLE_MODE, "write-behind",
                SessionSettings.TABLE_WRITE_DELAY_SECONDS, "3")), secrets, "node-1");
        assertEquals(3, HazelcastSessionStore.tableConfig(behind).getWriteDelaySeconds());
        assertTrue(HazelcastSessionStore.tableConfig(behind).isWriteCoalescing());
        assertEquals(through.masterJndi(), behind.masterJndi());
        assertEquals(HazelcastSessionStore.tableConfig(behind), HazelcastSessionStore.tableConfig(
                SessionSettings.of(ClusterConfig.from(Map.of(SessionSettings.TABLE_MODE, "write-behind",
                        SessionSettings.TABLE_WRITE_DELAY_SECONDS, "3")), secrets, "node-2")), "every node configures the map alike");
        assertEquals(1, HazelcastSessionStore.tableConfig(SessionSettings.of(ClusterConfig.defaults(), secrets, "node-1"))
                .getWriteDelaySeconds(), "write-behind, 1 s, by default");
    }

    private static void assertProblem(SessionRows.Loaded loaded, String reason) {
        assertNull(loaded.record());
        assertTrue(loaded.problem() != null && loaded.problem().contains(reason), String.valueOf(loaded.problem()));
    }
}
