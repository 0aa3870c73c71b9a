package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.session.SessionSettings;

/** A byte[] attribute is stored as exactly the bytes Java serialization writes, and read back from any such bytes. */
class ByteArraysTest {

    private static final ClassLoader LOADER = ByteArraysTest.class.getClassLoader();
    private final ObjectInputFilter filter = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1").attributeFilter();

    private static byte[] objectStream(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    @Test
    void shouldWriteWhatAnObjectStreamWritesAndReadItBack() throws Exception {
        Random random = new Random(4);
        for (int length : new int[] {0, 1, 255, 1_024, 1_025, 51_200, 70_001}) {
            byte[] blob = new byte[length];
            random.nextBytes(blob);
            byte[] stored = JavaSerialization.serialize("blob", blob, filter, random.nextInt(80_000));
            assertArrayEquals(objectStream(blob), stored, length + " bytes");
            assertEquals(length, ByteArrays.length(stored));
            byte[] back = (byte[]) JavaSerialization.deserialize(stored, LOADER, filter);
            assertArrayEquals(blob, back);
            assertTrue(back != blob);
        }
    }

    @Test
    void shouldLeaveAnythingElseToTheObjectStream() throws Exception {
        byte[] blob = {1, 2, 3};
        byte[] stored = objectStream(blob);
        byte[] longer = Arrays.copyOf(stored, stored.length + 1); // a length that does not match
        assertEquals(-1, ByteArrays.length(longer));
        assertArrayEquals(blob, (byte[]) JavaSerialization.deserialize(longer, LOADER, filter)); // the stream reads the array and stops
        assertEquals(-1, ByteArrays.length(Arrays.copyOf(stored, stored.length - 1)));
        assertEquals(-1, ByteArrays.length(objectStream(new int[] {1, 2, 3})));
        assertEquals(-1, ByteArrays.length(objectStream("abc")));
        assertEquals(-1, ByteArrays.length(new byte[3]));
        assertEquals("abc", JavaSerialization.deserialize(objectStream("abc"), LOADER, filter));
    }

    @Test
    void shouldRefuseAByteArrayTheFilterRefuses() {
        ObjectInputFilter small = ObjectInputFilter.Config.createFilter("maxarray=100");
        byte[] stored = ByteArrays.serialize(new byte[101]);
        assertThrows(InvalidClassException.class, () -> JavaSerialization.deserialize(stored, LOADER, small));
        ObjectInputFilter noBytes = info -> info.serialClass() == byte[].class ? ObjectInputFilter.Status.REJECTED
                : ObjectInputFilter.Status.UNDECIDED;
        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> JavaSerialization.serialize("blob", new byte[10], noBytes));
        assertTrue(e.getMessage().contains("'blob'"), e.getMessage());
    }
}
