package org.qoscluster.session.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.StoredAttribute;

/**
 * The owner's answer to a store ({@link ApplyDelta}) as it travels back to the node: the
 * {@link SessionRecord.Applied} without its record, in a byte form of its own. Hazelcast carries a
 * {@code byte[]} as it is, so the answer costs neither Java serialization (class descriptors,
 * reflection, the JVM-wide deserialization filter run on every object) nor a class looked up by
 * name on the node; the node reads it with {@link #read}, which instantiates nothing but strings,
 * byte arrays and a map, and refuses any answer that is not exactly one of these.
 *
 * <p>The form: a format byte ({@value #FORMAT}); the record's version (8 bytes); the number of
 * conflicts (4 bytes); per conflict, the attribute's name (4-byte length, UTF-8), its stored
 * version (8 bytes) and its stored value (4-byte length, -1 when absent, then the bytes). Big-endian.
 * Pure.
 */
final class AppliedAnswer {

    /** The form's number; an answer in another form (a member running another version of the jar) is refused. */
    static final byte FORMAT = 1;
    /** The fixed part of an answer: format, version, number of conflicts. */
    private static final int HEAD = 1 + 8 + 4;
    /** The fixed part of a conflict: name length, version, value length. */
    private static final int PER_CONFLICT = 4 + 8 + 4;

    private AppliedAnswer() {
    }

    /** {@code applied}'s version and conflicts (its record does not travel). */
    static byte[] write(SessionRecord.Applied applied) {
        Map<String, StoredAttribute> conflicts = applied.conflicts();
        if (conflicts.isEmpty()) {
            return ByteBuffer.allocate(HEAD).put(FORMAT).putLong(applied.version()).putInt(0).array();
        }
        Map<String, byte[]> names = new HashMap<>();
        int size = HEAD;
        for (Map.Entry<String, StoredAttribute> c : conflicts.entrySet()) {
            byte[] name = c.getKey().getBytes(StandardCharsets.UTF_8);
            names.put(c.getKey(), name);
            size = Math.addExact(size, PER_CONFLICT + name.length + c.getValue().size());
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putLong(applied.version()).putInt(conflicts.size());
        for (Map.Entry<String, StoredAttribute> c : conflicts.entrySet()) {
            byte[] name = names.get(c.getKey());
            StoredAttribute stored = c.getValue();
            out.putInt(name.length).put(name).putLong(stored.version());
            if (stored.present()) {
                out.putInt(stored.value().length).put(stored.value());
            } else {
                out.putInt(-1);
            }
        }
        return out.array();
    }

    /**
     * The answer {@link #write} made, without its record.
     *
     * @throws IllegalArgumentException naming what is wrong, for bytes that are not exactly such an
     *                                  answer (another format, a length or count the bytes do not
     *                                  hold, a name that is not UTF-8, bytes left over)
     */
    static SessionRecord.Applied read(byte[] answer) {
        if (answer == null) {
            throw new IllegalArgumentException("no answer");
        }
        ByteBuffer in = ByteBuffer.wrap(answer);
        try {
            byte format = in.get();
            if (format != FORMAT) {
                throw new IllegalArgumentException("an answer in form " + format + ", not " + FORMAT
                        + " (every member must run the same session-synchronizer.jar)");
            }
            long version = in.getLong();
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / PER_CONFLICT) {
                throw new IllegalArgumentException("an answer of " + answer.length + " bytes claiming " + n + " conflicts");
            }
            Map<String, StoredAttribute> conflicts = new HashMap<>();
            for (int i = 0; i < n; i++) {
                String name = utf8(bytes(in, in.getInt(), "name"));
                long attributeVersion = in.getLong();
                int length = in.getInt();
                StoredAttribute stored = length == -1 ? new StoredAttribute(null, attributeVersion)
                        : new StoredAttribute(bytes(in, length, "value of '" + name + "'"), attributeVersion);
                if (conflicts.put(name, stored) != null) {
                    throw new IllegalArgumentException("an answer naming attribute '" + name + "' twice");
                }
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("an answer with " + in.remaining() + " bytes after its end");
            }
            return new SessionRecord.Applied(null, version, conflicts);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("an answer cut short at " + answer.length + " bytes", e);
        }
    }

    /** The next {@code length} bytes, when the answer holds them. */
    private static byte[] bytes(ByteBuffer in, int length, String what) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("an answer whose " + what + " claims " + length + " bytes where "
                    + in.remaining() + " are left");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("an answer with an attribute name that is not UTF-8", e);
        }
    }
}
