package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;

import org.junit.jupiter.api.Test;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.StoredAttribute;

/**
 * The owner's answer to a store reaches the node as the owner made it, through Hazelcast's own
 * serialization, in a few bytes; anything else that arrives in its place is refused, saying why.
 */
class AppliedAnswerTest {

    private final SerializationService hazelcast = new DefaultSerializationServiceBuilder().build();

    /** What the node reads of {@code answer} after Hazelcast carried it from the owner. */
    private SessionRecord.Applied carried(byte[] answer) {
        Data wire = hazelcast.toData(answer);
        return ApplyDelta.answer(hazelcast.toObject(wire));
    }

    private static void assertSameOutcome(SessionRecord.Applied sent, SessionRecord.Applied got) {
        assertNull(got.record(), "the record stays on the owner");
        assertEquals(sent.version(), got.version());
        assertEquals(sent.conflicts().keySet(), got.conflicts().keySet());
        sent.conflicts().forEach((name, stored) -> {
            assertEquals(stored.version(), got.conflicts().get(name).version(), name);
            assertArrayEquals(stored.value(), got.conflicts().get(name).value(), name);
        });
    }

    @Test
    void shouldTellTheNodeTheVersionInAFewBytesWhenNothingConflicted() {
        SessionRecord held = new SessionRecord("uid", 0, 1_000, 1800, 6, Map.of("blob",
                new StoredAttribute(new byte[51_200], 6)), null, null, null, null);
        Map.Entry<String, SessionRecord> entry = new AbstractMap.SimpleEntry<>("uid", held);
        byte[] answer = new ApplyDelta(new SessionDelta(2_000, "node-1", null, null, 1800, false, false,
                Map.of("blob", new SessionDelta.Change(6, new byte[51_200])), null)).process(entry);
        Data wire = hazelcast.toData(answer);
        assertTrue(wire.totalSize() < 40, "the answer takes " + wire.totalSize() + " bytes");
        SessionRecord.Applied got = ApplyDelta.answer(hazelcast.toObject(wire));
        assertEquals(7, got.version());
        assertTrue(got.conflicts().isEmpty());
        assertEquals(7, entry.getValue().version(), "the owner holds the record");
    }

    @Test
    void shouldShowTheNodeWhatAnotherRequestStoredMeanwhile() {
        byte[] theirs = "their cart".getBytes(StandardCharsets.UTF_8);
        SessionRecord held = new SessionRecord("uid", 0, 1_000, 1800, 9, Map.of("cart", new StoredAttribute(theirs, 9),
                "user", new StoredAttribute("u".getBytes(StandardCharsets.UTF_8), 2)), null, null, null, null);
        Map.Entry<String, SessionRecord> entry = new AbstractMap.SimpleEntry<>("uid", held);
        SessionDelta delta = new SessionDelta(2_000, "node-1", null, null, 1800, false, false, Map.of(
                "cart", new SessionDelta.Change(8, "mine".getBytes(StandardCharsets.UTF_8)),
                "gone", new SessionDelta.Change(4, "was removed".getBytes(StandardCharsets.UTF_8)),
                "user", new SessionDelta.Change(2, "v".getBytes(StandardCharsets.UTF_8))), null);
        SessionRecord.Applied got = carried(new ApplyDelta(delta).process(entry));
        assertEquals(10, got.version());
        assertEquals(Map.of("cart", 9L, "gone", 0L), Map.of("cart", got.conflicts().get("cart").version(),
                "gone", got.conflicts().get("gone").version()));
        assertArrayEquals(theirs, got.conflicts().get("cart").value());
        assertTrue(!got.conflicts().get("gone").present(), "removed meanwhile: absent");
    }

    @Test
    void shouldArriveAsSentWhateverItCarries() {
        Random random = new Random(5);
        String[] names = {"cart", "user", "größe", "名前", "", "a.b/c d"};
        for (int i = 0; i < 500; i++) {
            Map<String, StoredAttribute> conflicts = new HashMap<>();
            for (int c = random.nextInt(5); c > 0; c--) {
                byte[] value = random.nextInt(4) == 0 ? null : new byte[random.nextInt(random.nextBoolean() ? 60_000 : 30)];
                if (value != null) {
                    random.nextBytes(value);
                }
                conflicts.put(names[random.nextInt(names.length)] + random.nextInt(3),
                        new StoredAttribute(value, value == null ? random.nextInt(3) : 1 + random.nextInt(1000)));
            }
            SessionRecord.Applied sent = new SessionRecord.Applied(null, random.nextLong(), conflicts);
            assertSameOutcome(sent, carried(AppliedAnswer.write(sent)));
        }
    }

    @Test
    void shouldRefuseBytesThatAreNotAnAnswer() {
        byte[] good = AppliedAnswer.write(new SessionRecord.Applied(null, 3, Map.of("cart",
                new StoredAttribute(new byte[] {1, 2, 3}, 2))));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            refused(shorter, cut < 13 ? "cut short" : ""); // past the head: a count or length the bytes do not hold
        }
        refused(null, "no answer");
        refused(Arrays.copyOf(good, good.length + 1), "1 bytes after its end");
        byte[] otherForm = good.clone();
        otherForm[0] = 2;
        refused(otherForm, "form 2, not 1");
        refused(answer(1, Integer.MAX_VALUE, null), "claiming 2147483647 conflicts");
        refused(answer(1, -1, null), "claiming -1 conflicts");
        refused(answer(1, 1, b -> b.putInt(-5).putLong(1).putInt(-1)), "name claims -5 bytes");
        refused(answer(1, 1, b -> b.putInt(1).put((byte) 'a').putLong(1).putInt(1 << 30)), "value of 'a' claims 1073741824");
        refused(answer(1, 1, b -> b.putInt(1).put((byte) 'a').putLong(1).putInt(-2)), "value of 'a' claims -2");
        refused(answer(1, 1, b -> b.putInt(2).put((byte) 0xC3).put((byte) 0x28).putLong(1).putInt(-1)), "not UTF-8");
        refused(answer(1, 2, b -> b.putInt(1).put((byte) 'a').putLong(1).putInt(-1).putInt(1).put((byte) 'a').putLong(2)
                .putInt(-1)), "naming attribute 'a' twice");
    }

    /** An answer whose first bytes are a Java-serialized object (what the owner sent before) names its form. */
    @Test
    void shouldRefuseAJavaSerializedObjectWithoutDeserializingIt() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new HashMap<>(Map.of("k", "v")));
        }
        refused(bytes.toByteArray(), "an answer in form -84, not 1 (every member must run the same session-synchronizer.jar)");
    }

    private interface Body {
        void put(ByteBuffer b);
    }

    private static byte[] answer(long version, int conflicts, Body body) {
        ByteBuffer b = ByteBuffer.allocate(256).put(AppliedAnswer.FORMAT).putLong(version).putInt(conflicts);
        if (body != null) {
            body.put(b);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private void refused(byte[] answer, String why) {
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> ApplyDelta.answer(answer),
                () -> "accepted " + Arrays.toString(answer));
        assertTrue(e.getMessage().startsWith("the session store's answer is not one this node reads: "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
