package org.qoscluster.session.internal;

import java.util.Arrays;

/**
 * A {@code byte[]} session attribute to Java-serialization bytes and back without an object
 * stream: the very bytes {@link java.io.ObjectOutputStream} writes for one (a fixed header naming
 * the class {@code [B}, the length, the bytes), made with one copy, and read back from them with
 * one copy. A stream's set-up, its class-descriptor handling and its copying through a 1 KB block
 * buffer cost more than the copy itself for a large array (a 50 KB attribute read and stored on
 * every request). Any other bytes are left to the object streams; the bytes made here read back
 * with them too. Pure.
 */
final class ByteArrays {

    /**
     * What {@code ObjectOutputStream} writes before a {@code byte[]}'s length: stream magic and
     * version, TC_ARRAY, TC_CLASSDESC "[B" with its serialVersionUID, SC_SERIALIZABLE, no fields,
     * TC_ENDBLOCKDATA, no superclass (TC_NULL).
     */
    private static final byte[] HEADER = {
        (byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x75, 0x72, 0x00, 0x02, 0x5B, 0x42,
        (byte) 0xAC, (byte) 0xF3, 0x17, (byte) 0xF8, 0x06, 0x08, 0x54, (byte) 0xE0,
        0x02, 0x00, 0x00, 0x78, 0x70,
    };
    /** Where the bytes start: the header and the length. */
    static final int OFFSET = HEADER.length + 4;

    private ByteArrays() {
    }

    /** {@code array} as Java serialization writes it alone in a stream. */
    static byte[] serialize(byte[] array) {
        byte[] out = new byte[OFFSET + array.length];
        System.arraycopy(HEADER, 0, out, 0, HEADER.length);
        int n = array.length;
        out[HEADER.length] = (byte) (n >>> 24);
        out[HEADER.length + 1] = (byte) (n >>> 16);
        out[HEADER.length + 2] = (byte) (n >>> 8);
        out[HEADER.length + 3] = (byte) n;
        System.arraycopy(array, 0, out, OFFSET, n);
        return out;
    }

    /** The length of the {@code byte[]} that {@code bytes} hold, exactly and nothing else; else -1. */
    static int length(byte[] bytes) {
        if (bytes == null || bytes.length < OFFSET || !Arrays.equals(bytes, 0, HEADER.length, HEADER, 0, HEADER.length)) {
            return -1;
        }
        int n = (bytes[HEADER.length] & 0xff) << 24 | (bytes[HEADER.length + 1] & 0xff) << 16
                | (bytes[HEADER.length + 2] & 0xff) << 8 | (bytes[HEADER.length + 3] & 0xff);
        return n >= 0 && n == bytes.length - OFFSET ? n : -1;
    }

    /** The array {@code bytes} hold, of {@link #length} {@code length}. */
    static byte[] deserialize(byte[] bytes, int length) {
        return Arrays.copyOfRange(bytes, OFFSET, OFFSET + length);
    }
}
