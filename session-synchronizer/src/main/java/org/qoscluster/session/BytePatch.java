package org.qoscluster.session;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A new attribute value written as a change to the bytes it was made from (its base): the base's
 * first {@code prefix} bytes, then {@code middle}, then the base's last {@code suffix} bytes. A
 * one-byte change to a 50 KB value is a patch of a few bytes, so a store sends that rather than
 * the whole value to the record's owner and its backups.
 *
 * <p>It names its base by length and CRC-32C, and {@link #applyTo} makes a value only from bytes
 * with that length and checksum ({@link #fits}): the owner applies a patch only when its
 * attribute is at the version the request read (the same check as for a whole value, see
 * {@link SessionRecord#apply}) and holds the very bytes the patch was made from; otherwise the
 * change comes back as a conflict and the request sends the whole value, as before. Pure.
 *
 * @param baseLength   the base's length
 * @param baseChecksum the base's CRC-32C
 * @param prefix       bytes kept from the start of the base
 * @param suffix       bytes kept from the end of the base
 * @param middle       the bytes between them in the new value
 * @param valueChecksum the CRC-32C of the new value, which the value made from it keeps
 *                      ({@link StoredAttribute#checksum()}): the next patch of it is checked
 *                      against that without reading the value again
 */
@SuppressWarnings("ArrayRecordComponent") // bytes passed through, never compared as a record
public record BytePatch(int baseLength, int baseChecksum, int prefix, int suffix, byte[] middle, int valueChecksum) {

    /** Values shorter than this travel whole: a patch would save next to nothing. */
    public static final int MIN_VALUE_BYTES = 256;
    /** A patch's own fields on the wire besides {@code middle}, roughly. */
    private static final int OVERHEAD_BYTES = 24;
    /** Bytes first compared at a time when looking for the common end of two values; doubled each time they agree. */
    private static final int CHUNK = 256;

    public BytePatch {
        if (baseLength < 0 || prefix < 0 || suffix < 0 || middle == null || (long) prefix + suffix > baseLength) {
            throw new IllegalArgumentException("not a patch: base of " + baseLength + " bytes, prefix " + prefix + ", suffix "
                    + suffix + (middle == null ? ", no middle" : ""));
        }
    }

    /**
     * {@code value} as a patch of {@code base} that differs first at {@code firstDifference} (as
     * {@link Arrays#mismatch(byte[], byte[])} finds it; the caller compared them already), or null
     * when the patch would not be much smaller than {@code value}.
     */
    public static BytePatch between(byte[] base, byte[] value, int firstDifference) {
        return base == null ? null : between(new StoredAttribute(base, 0), value, firstDifference);
    }

    /**
     * As {@link #between(byte[], byte[], int)}, for the stored attribute {@code base}, whose
     * checksum is worked out only if it is not known yet.
     */
    public static BytePatch between(StoredAttribute base, byte[] value, int firstDifference) {
        if (base == null || !base.present() || value == null || value.length < MIN_VALUE_BYTES || firstDifference < 0) {
            return null;
        }
        byte[] from = base.value();
        int prefix = Math.min(firstDifference, Math.min(from.length, value.length));
        int suffix = commonSuffix(from, value, Math.min(from.length, value.length) - prefix);
        int middle = value.length - prefix - suffix;
        if (middle + OVERHEAD_BYTES > value.length / 2) {
            return null;
        }
        return new BytePatch(from.length, base.checksum(), prefix, suffix, Arrays.copyOfRange(value, prefix, prefix + middle),
                checksum(value));
    }

    /** Whether {@code base} is the bytes this patch was made from (same length and CRC-32C). */
    public boolean fits(byte[] base) {
        return base != null && base.length == baseLength && checksum(base) == baseChecksum;
    }

    /** As {@link #fits(byte[])} for a stored attribute, using its checksum when it is known. */
    public boolean fits(StoredAttribute base) {
        return base != null && base.present() && base.size() == baseLength && base.checksum() == baseChecksum;
    }

    /** This patch applied to {@code base}, which must {@linkplain #fits fit}, as an attribute at {@code version}. */
    public StoredAttribute applyTo(StoredAttribute base, long version) {
        if (!fits(base)) {
            throw new IllegalArgumentException("a patch applied to bytes it was not made from");
        }
        return new StoredAttribute(make(base.value()), version, valueChecksum);
    }

    /** The new value: this patch applied to {@code base}, which must {@linkplain #fits fit}. */
    public byte[] applyTo(byte[] base) {
        if (!fits(base)) {
            throw new IllegalArgumentException("a patch applied to bytes it was not made from");
        }
        return make(base);
    }

    private byte[] make(byte[] base) {
        byte[] value = new byte[prefix + middle.length + suffix];
        System.arraycopy(base, 0, value, 0, prefix);
        System.arraycopy(middle, 0, value, prefix, middle.length);
        System.arraycopy(base, base.length - suffix, value, prefix + middle.length, suffix);
        return value;
    }

    /** The length of the value this patch makes. */
    public int valueLength() {
        return prefix + middle.length + suffix;
    }

    static int checksum(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }

    /**
     * How many bytes at the ends of {@code a} and {@code b} are the same, at most {@code max}: compared
     * from the end in chunks that double while they agree and halve where they do not (a 50 KB value
     * changed near its start is a few dozen comparisons, not two hundred), the last at most
     * {@value #CHUNK} bytes byte by byte.
     */
    static int commonSuffix(byte[] a, byte[] b, int max) {
        int same = 0;
        int chunk = CHUNK;
        while (same < max) {
            int n = Math.min(chunk, max - same);
            int aFrom = a.length - same - n;
            int bFrom = b.length - same - n;
            if (Arrays.mismatch(a, aFrom, aFrom + n, b, bFrom, bFrom + n) < 0) {
                same += n;
                chunk = Math.min(chunk * 2, 1 << 20);
                continue;
            }
            if (n > CHUNK) {
                chunk = Math.max(CHUNK, n / 2); // they differ somewhere in it: look at its end half again
                continue;
            }
            int i = n - 1;
            while (a[aFrom + i] == b[bFrom + i]) {
                i--;
            }
            return same + n - 1 - i;
        }
        return same;
    }
}
