package org.qoscluster.session.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.StoredAttribute;

/**
 * A {@link SessionRecord} as one row of the session table: the record's bytes in a form of its
 * own (a format byte, the scalars, then per attribute its name, version and serialized value as
 * the record holds them), and the decision whether a row read back is a record a node may use.
 * Pure: no database, no clock of its own.
 *
 * <p>Not Java serialization: a row may come from another node, another version or another site,
 * and reading it makes no object but the record's own strings, numbers and byte arrays; a row that
 * is cut, too big, of another format or of another UID is refused with the reason.
 */
final class SessionRows {

    /** The first byte of every row this code writes. */
    static final int FORMAT = 1;
    /** Attributes one row may hold when read back: far more than any session holds. */
    private static final int MAX_ATTRIBUTES = 1 << 16;

    private SessionRows() {
    }

    /** The row's bytes of {@code record}. */
    static byte[] encode(SessionRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(record.uid());
            out.writeLong(record.createdAt());
            out.writeLong(record.lastAccessedAt());
            out.writeInt(record.maxInactiveSeconds());
            out.writeLong(record.version());
            StateChangeFlag flag = record.flag();
            out.writeBoolean(flag != null);
            if (flag != null) {
                out.writeUTF(flag.node());
                out.writeLong(flag.sequence());
                out.writeLong(flag.epochMillis());
            }
            writeNullable(out, record.userClass());
            writeNullable(out, record.principalUserClass());
            writeNullable(out, record.lastWriteNode());
            out.writeInt(record.attributes().size());
            for (Map.Entry<String, StoredAttribute> e : record.attributes().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue().version());
                byte[] value = e.getValue().value();
                out.writeInt(value.length);
                out.write(value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a session row", e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** When the row of {@code record} stops counting: its last store plus its time-out (epoch ms). */
    static long expiresAt(SessionRecord record) {
        return record.lastAccessedAt() + record.maxInactiveSeconds() * 1000L;
    }

    /**
     * The record of a row read back for {@code uid}: its bytes, the version and expiry columns,
     * at {@code now}; {@link Loaded#record()} is null when the row has expired (nothing to load,
     * no reason) or when it is not a usable record ({@link Loaded#problem()} says why, for the log).
     */
    static Loaded decode(String uid, byte[] bytes, long rowVersion, long rowExpiresAt, long now, int maxBytes) {
        if (rowExpiresAt <= now) {
            return new Loaded(null, null);
        }
        if (bytes == null) {
            return new Loaded(null, "the row holds no record");
        }
        if (bytes.length > maxBytes) {
            return new Loaded(null, "the row holds " + bytes.length + " bytes, more than the " + maxBytes + " a record may have");
        }
        SessionRecord record;
        try {
            record = read(bytes, maxBytes);
        } catch (IOException e) {
            return new Loaded(null, "the row's record cannot be read: " + e.getMessage());
        }
        if (!record.uid().equals(uid)) {
            return new Loaded(null, "the row's record belongs to another UID");
        }
        if (record.version() != rowVersion) {
            return new Loaded(null, "the row's record has version " + record.version() + ", its row says " + rowVersion);
        }
        if (record.expired(now)) {
            return new Loaded(null, null);
        }
        return new Loaded(record, null);
    }

    /**
     * A row read back: the record, or null with the reason (null too when there is nothing wrong,
     * only nothing to load: an expired row).
     */
    record Loaded(SessionRecord record, String problem) {
    }

    private static SessionRecord read(byte[] bytes, int maxBytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IOException("format " + format + ", not " + FORMAT);
            }
            String uid = in.readUTF();
            long createdAt = in.readLong();
            long lastAccessedAt = in.readLong();
            int maxInactiveSeconds = in.readInt();
            if (maxInactiveSeconds <= 0) {
                throw new IOException("a time-out of " + maxInactiveSeconds + " s");
            }
            long version = in.readLong();
            StateChangeFlag flag = in.readBoolean() ? new StateChangeFlag(in.readUTF(), in.readLong(), in.readLong()) : null;
            String userClass = readNullable(in);
            String principalUserClass = readNullable(in);
            String lastWriteNode = readNullable(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_ATTRIBUTES) {
                throw new IOException(n + " attributes");
            }
            Map<String, StoredAttribute> attributes = new HashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long attributeVersion = in.readLong();
                int length = in.readInt();
                if (length < 0 || length > maxBytes || length > in.available()) {
                    throw new IOException("attribute '" + name + "' of " + length + " bytes in a row of " + bytes.length);
                }
                byte[] value = new byte[length];
                in.readFully(value);
                attributes.put(name, new StoredAttribute(value, attributeVersion));
            }
            if (in.available() > 0) {
                throw new IOException(in.available() + " bytes after the record");
            }
            return new SessionRecord(uid, createdAt, lastAccessedAt, maxInactiveSeconds, version, attributes, flag,
                    userClass, principalUserClass, lastWriteNode);
        } catch (EOFException e) {
            throw new IOException("cut short", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e); // a flag the contract refuses
        }
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
