package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.BytePatch;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.StoredAttribute;

/** A store's delta reaches the owner and the backups as it was sent, through Hazelcast's own serialization. */
class ApplyDeltaTest {

    private final SerializationService hazelcast = new DefaultSerializationServiceBuilder().build();

    @Test
    void shouldCarryAOneByteChangeToA50KbAttributeInAFewBytes() {
        byte[] read = new byte[51_200];
        new Random(3).nextBytes(read);
        byte[] changed = read.clone();
        changed[27]++;
        SessionDelta.Change change = new SessionDelta.Change(4, changed, false, BytePatch.between(read, changed, 27));
        SessionDelta delta = new SessionDelta(1_000, "node-1", null, null, 1800, false, false, Map.of("blob", change), null);
        Data wire = hazelcast.toData(new ApplyDelta(delta));
        assertTrue(wire.totalSize() < 200, "the store's delta takes " + wire.totalSize() + " bytes");
        // The owner and each backup make the value from the bytes they hold, as the node does.
        SessionRecord held = new SessionRecord("uid", 0, 1_000, 1800, 4, Map.of("blob", new StoredAttribute(read, 4)),
                null, null, null, null);
        SessionDelta arrived = ((ApplyDelta) hazelcast.toObject(wire)).delta();
        SessionRecord.Applied applied = SessionRecord.apply("uid", held, arrived);
        assertTrue(applied.conflicts().isEmpty());
        assertArrayEquals(changed, applied.record().attributes().get("blob").value());
        Data backup = hazelcast.toData(new ApplyDelta(arrived));
        assertEquals(wire.totalSize(), backup.totalSize(), "it travels on to a backup as it arrived");
    }

    @Test
    void shouldArriveAsSentWhateverItCarries() {
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            Map<String, SessionDelta.Change> changes = new HashMap<>();
            boolean replace = random.nextBoolean();
            for (int c = random.nextInt(5); c > 0; c--) {
                byte[] value = random.nextInt(4) == 0 ? null : new byte[random.nextInt(3000)];
                if (value != null) {
                    random.nextBytes(value);
                }
                SessionDelta.Change change = new SessionDelta.Change(random.nextInt(50), value, random.nextBoolean());
                if (!replace && value != null && random.nextBoolean()) {
                    byte[] base = value.clone();
                    base[random.nextInt(base.length)]++;
                    change = new SessionDelta.Change(change.baseVersion(), value, false,
                            BytePatch.between(base, value, Arrays.mismatch(base, value)));
                }
                changes.put("attr-" + random.nextInt(100), change);
            }
            SessionDelta sent = new SessionDelta(random.nextLong(), "node-" + random.nextInt(3),
                    random.nextBoolean() ? null : "gold", random.nextBoolean() ? null : "", 1 + random.nextInt(3600),
                    replace, random.nextBoolean(), changes,
                    random.nextBoolean() ? null : new StateChangeFlag("node-1", random.nextInt(1000), random.nextInt(1_000_000)));
            Data wire = hazelcast.toData(new ApplyDelta(sent));
            SessionDelta got = ((ApplyDelta) hazelcast.toObject(wire)).delta();
            assertEquals(sent.now(), got.now());
            assertEquals(sent.node(), got.node());
            assertEquals(sent.sessionUserClass(), got.sessionUserClass());
            assertEquals(sent.principalUserClass(), got.principalUserClass());
            assertEquals(sent.maxInactiveSeconds(), got.maxInactiveSeconds());
            assertEquals(sent.replace(), got.replace());
            assertEquals(sent.remove(), got.remove());
            assertEquals(sent.flag(), got.flag());
            assertEquals(sent.changes().keySet(), got.changes().keySet());
            for (Map.Entry<String, SessionDelta.Change> e : sent.changes().entrySet()) {
                SessionDelta.Change g = got.changes().get(e.getKey());
                assertEquals(e.getValue().baseVersion(), g.baseVersion());
                assertEquals(e.getValue().force(), g.force());
                BytePatch patch = e.getValue().patch();
                if (patch != null) {
                    assertNull(g.value(), "a patched change travels as its patch alone");
                    assertEquals(patch.baseLength(), g.patch().baseLength());
                    assertEquals(patch.baseChecksum(), g.patch().baseChecksum());
                    assertEquals(patch.prefix(), g.patch().prefix());
                    assertEquals(patch.suffix(), g.patch().suffix());
                    assertArrayEquals(patch.middle(), g.patch().middle());
                } else if (e.getValue().value() == null) {
                    assertNull(g.value());
                    assertNull(g.patch());
                } else {
                    assertArrayEquals(e.getValue().value(), g.value());
                }
            }
        }
    }
}
