package org.qoscluster.session;

import java.io.Serializable;

/**
 * One session attribute as stored: its Java-serialized value and the record version that last
 * wrote it. A null value stands for "absent" (in a conflict report), with version 0.
 *
 * <p>It also knows its value's CRC-32C ({@link #checksum}), which names the bytes a
 * {@link BytePatch} is made from and applied to: computed when first asked for and kept, or given
 * when the value is made from a patch that carries it, so a value patched on every store is not
 * checksummed again by the owner and each backup. The checksum is not part of equality and does
 * not travel with Java serialization (it is worked out again where it is needed).
 */
public final class StoredAttribute implements Serializable {

    private static final long serialVersionUID = 1L;
    /** The checksum's bit pattern with this bit set, or 0 while it is not known. */
    private static final long KNOWN = 1L << 32;

    /** An attribute that is not there. */
    public static final StoredAttribute ABSENT = new StoredAttribute(null, 0);

    private final byte[] value;
    private final long version;
    /** {@link #KNOWN} | the CRC-32C of {@link #value}, or 0 until it is known (idempotent, so races are harmless). */
    private transient volatile long checksum;

    public StoredAttribute(byte[] value, long version) {
        this.value = value;
        this.version = version;
    }

    /**
     * An attribute whose value's CRC-32C is already known ({@link BytePatch#valueChecksum()} of the
     * patch that made it); {@code checksum} must be that of {@code value}.
     */
    public StoredAttribute(byte[] value, long version, int checksum) {
        this(value, version);
        this.checksum = KNOWN | (checksum & 0xffff_ffffL);
    }

    /** The serialized value, or null for an absent attribute. */
    public byte[] value() {
        return value;
    }

    public long version() {
        return version;
    }

    public boolean present() {
        return value != null;
    }

    public int size() {
        return value == null ? 0 : value.length;
    }

    /** The value's CRC-32C (of no bytes when absent), worked out at most once. */
    public int checksum() {
        long known = checksum;
        if (known == 0) {
            known = KNOWN | (BytePatch.checksum(value == null ? new byte[0] : value) & 0xffff_ffffL);
            checksum = known;
        }
        return (int) known;
    }

    /** Same value array (by reference, not content) and version. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredAttribute other && other.value == value && other.version == version;
    }

    @Override
    public int hashCode() {
        return 31 * System.identityHashCode(value) + Long.hashCode(version);
    }

    @Override
    public String toString() {
        return "StoredAttribute[" + (value == null ? "absent" : value.length + " bytes") + ", version=" + version + "]";
    }
}
