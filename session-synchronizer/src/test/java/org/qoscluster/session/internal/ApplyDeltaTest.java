package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionDelta;

/** A store's delta reaches the owner and the backups as it was sent, through Hazelcast's own serialization. */
class ApplyDeltaTest {

    private final SerializationService hazelcast = new DefaultSerializationServiceBuilder().build();

    @Test
    void shouldArriveAsSentWhateverItCarries() {
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            Map<String, SessionDelta.Change> changes = new HashMap<>();
            for (int c = random.nextInt(5); c > 0; c--) {
                byte[] value = random.nextInt(4) == 0 ? null : new byte[random.nextInt(3000)];
                if (value != null) {
                    random.nextBytes(value);
                }
                changes.put("attr-" + random.nextInt(100), new SessionDelta.Change(random.nextInt(50), value, random.nextBoolean()));
            }
            SessionDelta sent = new SessionDelta(random.nextLong(), "node-" + random.nextInt(3),
                    random.nextBoolean() ? null : "gold", random.nextBoolean() ? null : "", 1 + random.nextInt(3600),
                    random.nextBoolean(), random.nextBoolean(), changes,
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
                if (e.getValue().value() == null) {
                    assertNull(g.value());
                } else {
                    assertArrayEquals(e.getValue().value(), g.value());
                }
            }
        }
    }
}
