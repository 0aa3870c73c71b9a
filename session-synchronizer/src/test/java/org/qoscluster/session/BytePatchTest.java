package org.qoscluster.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** A patch makes exactly the value it was made for, and only from the bytes it was made from. */
class BytePatchTest {

    /** A value like a changed attribute's: the base with a few bytes changed, inserted or removed. */
    private static byte[] edited(Random random, byte[] base) {
        byte[] value = base.clone();
        switch (random.nextInt(4)) {
            case 0 -> {
                for (int k = 1 + random.nextInt(3); k > 0 && value.length > 0; k--) {
                    value[random.nextInt(value.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> {
                int at = random.nextInt(value.length + 1);
                byte[] inserted = new byte[1 + random.nextInt(40)];
                random.nextBytes(inserted);
                byte[] grown = new byte[value.length + inserted.length];
                System.arraycopy(value, 0, grown, 0, at);
                System.arraycopy(inserted, 0, grown, at, inserted.length);
                System.arraycopy(value, at, grown, at + inserted.length, value.length - at);
                value = grown;
            }
            case 2 -> {
                int at = random.nextInt(value.length + 1);
                int cut = Math.min(value.length - at, random.nextInt(40));
                byte[] shrunk = new byte[value.length - cut];
                System.arraycopy(value, 0, shrunk, 0, at);
                System.arraycopy(value, at + cut, shrunk, at, value.length - at - cut);
                value = shrunk;
            }
            default -> random.nextBytes(value); // nothing in common: travels whole
        }
        return value;
    }

    @Test
    void shouldMakeExactlyTheValueFromItsBase() {
        Random random = new Random(5);
        int patched = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] base = new byte[random.nextInt(3) == 0 ? random.nextInt(300) : random.nextInt(60_000)];
            random.nextBytes(base);
            if (random.nextBoolean() && base.length > 0) {
                Arrays.fill(base, random.nextInt(base.length), base.length, (byte) 7); // runs of equal bytes
            }
            byte[] value = edited(random, base);
            int first = Arrays.mismatch(base, value);
            BytePatch patch = BytePatch.between(base, value, first);
            if (first < 0 || value.length < BytePatch.MIN_VALUE_BYTES) {
                assertNull(patch, "no patch for an unchanged or small value");
                continue;
            }
            if (patch == null) {
                continue; // not much smaller than the value: it travels whole
            }
            patched++;
            assertTrue(patch.middle().length <= value.length / 2);
            assertTrue(patch.fits(base));
            assertEquals(value.length, patch.valueLength());
            assertArrayEquals(value, patch.applyTo(base), "case " + i);
        }
        assertTrue(patched > 1_000, "patched " + patched);
    }

    @Test
    void shouldKeepTheLongestCommonEnds() {
        assertLongestCommonEnds(new Random(9), 2_000, 2_000);
    }

    @Test
    void shouldKeepTheLongestCommonEndsOfLargeValues() {
        assertLongestCommonEnds(new Random(10), 150_000, 300);
    }

    /** {@code cases} values shorter than {@code maxLength} and an edit of each: their common end, as counted byte by byte. */
    private static void assertLongestCommonEnds(Random random, int maxLength, int cases) {
        for (int i = 0; i < cases; i++) {
            byte[] a = new byte[random.nextInt(maxLength)];
            random.nextBytes(a);
            byte[] b = edited(random, a);
            int max = Math.min(a.length, b.length);
            int naive = 0;
            while (naive < max && a[a.length - 1 - naive] == b[b.length - 1 - naive]) {
                naive++;
            }
            assertEquals(naive, BytePatch.commonSuffix(a, b, max), "case " + i);
            int limit = random.nextInt(max + 1);
            assertEquals(Math.min(naive, limit), BytePatch.commonSuffix(a, b, limit), "case " + i);
        }
    }

    @Test
    void shouldCarryTheChecksumOfTheValueItMakes() {
        Random random = new Random(3);
        byte[] base = new byte[51_200];
        random.nextBytes(base);
        StoredAttribute read = new StoredAttribute(base, 4);
        long version = 4;
        for (int i = 0; i < 50; i++) {
            byte[] value = edited(random, read.value());
            int first = Arrays.mismatch(read.value(), value);
            BytePatch patch = BytePatch.between(read, value, first);
            if (patch == null) {
                continue;
            }
            assertEquals(BytePatch.checksum(value), patch.valueChecksum());
            assertEquals(BytePatch.checksum(read.value()), patch.baseChecksum());
            assertTrue(patch.fits(read));
            StoredAttribute made = patch.applyTo(read, ++version);
            assertArrayEquals(value, made.value());
            assertEquals(version, made.version());
            assertEquals(BytePatch.checksum(value), made.checksum());
            assertEquals(made.checksum(), new StoredAttribute(made.value(), version).checksum());
            read = made;
        }
    }

    @Test
    void shouldFitOnlyTheBytesItWasMadeFrom() {
        Random random = new Random(1);
        byte[] base = new byte[4_096];
        random.nextBytes(base);
        byte[] value = base.clone();
        value[100]++;
        BytePatch patch = BytePatch.between(base, value, 100);
        assertEquals(1, patch.middle().length);
        byte[] other = base.clone();
        other[4_000]++; // the same length, another byte changed
        assertFalse(patch.fits(other));
        assertFalse(patch.fits(Arrays.copyOf(base, base.length + 1)));
        assertFalse(patch.fits((byte[]) null));
        assertThrows(IllegalArgumentException.class, () -> patch.applyTo(other));
        assertTrue(patch.fits(new StoredAttribute(base, 7)));
        assertFalse(patch.fits(new StoredAttribute(other, 7)));
        assertFalse(patch.fits(StoredAttribute.ABSENT));
        assertThrows(IllegalArgumentException.class, () -> patch.applyTo(new StoredAttribute(other, 7), 8));
    }
}
