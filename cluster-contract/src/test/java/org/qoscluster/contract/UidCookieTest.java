package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class UidCookieTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final UidCookie cookie = new UidCookie(KEY, new Random(7));

    @Test
    void shouldVerifyWhatItSigned() {
        String uid = cookie.newUid();
        assertEquals(Optional.of(uid), cookie.verify(cookie.sign(uid)));
        assertNotEquals(uid, cookie.newUid(), "UIDs are random");
    }

    @Test
    void shouldMarkAUidAsIssuedForItsRequestOnlyWithTheKeyAndForThatUid() {
        String uid = cookie.newUid();
        String mark = cookie.signIssued(uid);
        assertTrue(cookie.verifyIssued(uid, mark));
        assertEquals(false, cookie.verifyIssued(cookie.newUid(), mark), "another UID's mark");
        assertEquals(false, new UidCookie("another key, thirty-two bytes !!".getBytes(StandardCharsets.US_ASCII),
                new Random(1)).verifyIssued(uid, mark), "signed with another key");
        for (String bad : new String[] {null, "", "1", "not base64!", mark.substring(1), mark + "A", "A".repeat(200)}) {
            assertEquals(false, cookie.verifyIssued(uid, bad), String.valueOf(bad));
        }
    }

    @Test
    void shouldTakeOnlyTheOneSpellingOfASignature() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < 200; i++) {
            String uid = cookie.newUid();
            String value = cookie.sign(uid);
            String mark = cookie.signIssued(uid);
            String signedClass = cookie.signUserClass(uid, "gold");
            // The last character's two low bits are unused: the other three spellings decode alike.
            int last = alphabet.indexOf(value.charAt(value.length() - 1));
            for (int bits = 1; bits < 4; bits++) {
                char other = alphabet.charAt(last ^ bits);
                assertEquals(Optional.empty(), cookie.verify(value.substring(0, value.length() - 1) + other));
                assertEquals(false, cookie.verifyIssued(uid, mark.substring(0, mark.length() - 1)
                        + alphabet.charAt(alphabet.indexOf(mark.charAt(mark.length() - 1)) ^ bits)));
                assertEquals(Optional.empty(), cookie.verifyUserClass(uid, signedClass.substring(0, signedClass.length() - 1)
                        + alphabet.charAt(alphabet.indexOf(signedClass.charAt(signedClass.length() - 1)) ^ bits)));
            }
        }
    }

    @Test
    void shouldRejectTamperedTruncatedAndGarbledValues() {
        String value = cookie.sign(cookie.newUid());
        String otherUid = cookie.newUid();
        assertEquals(Optional.empty(), cookie.verify(otherUid + value.substring(22)), "another UID with this signature");
        assertEquals(Optional.empty(), cookie.verify(value.substring(0, value.length() - 1)));
        assertEquals(Optional.empty(), cookie.verify(value + "A"));
        assertEquals(Optional.empty(), cookie.verify("garbage"));
        assertEquals(Optional.empty(), cookie.verify(""));
        assertEquals(Optional.empty(), cookie.verify(null));
        char last = value.charAt(value.length() - 1);
        assertEquals(Optional.empty(), cookie.verify(value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A')));
    }

    @Test
    void shouldRejectValuesSignedWithAnotherKey() {
        UidCookie other = new UidCookie("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII), new Random(7));
        String uid = cookie.newUid();
        assertEquals(Optional.empty(), cookie.verify(other.sign(uid)));
    }

    @Test
    void shouldBelieveAClientAddressOnlyWhenSignedForThatUid() {
        String uid = cookie.newUid();
        String signed = cookie.signClient(uid, "203.0.113.7");
        assertEquals(Optional.of("203.0.113.7"), cookie.verifyClient(uid, signed));
        assertEquals(Optional.of("::1"), cookie.verifyClient(uid, cookie.signClient(uid, "::1")));
        assertEquals(Optional.empty(), cookie.verifyClient(cookie.newUid(), signed), "signed for another UID");
        assertEquals(Optional.empty(), cookie.verifyClient(uid, "203.0.113.8" + signed.substring(signed.lastIndexOf('.'))),
                "another address with this signature");
        assertEquals(Optional.empty(), cookie.verifyClient(uid, "203.0.113.7"));
        assertEquals(Optional.empty(), cookie.verifyClient(uid, null));
    }

    @Test
    void shouldRefuseAShortKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UidCookie(new byte[16], new Random()));
        assertTrue(e.getMessage().contains("at least 32 bytes"));
    }

    @Test
    void shouldCheckEachShapeAsItsRegularExpressionDoes() {
        Map<UidCookie.Shape, Pattern> expressions = Map.of(
                UidCookie.Shape.UID, Pattern.compile("[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}"),
                UidCookie.Shape.USER_CLASS, Pattern.compile("[a-z][a-z0-9-]{0,39}\\.[A-Za-z0-9_-]{43}"),
                UidCookie.Shape.CLIENT, Pattern.compile("[0-9A-Za-z:.%_-]{1,64}\\.[A-Za-z0-9_-]{43}"));
        // Prefixes of each shape's own characters and of mixed ones, at and around each length bound.
        String[] alphabets = {"aAzZ09_-.:%gK5.-..b/ @+=\u00e9\n", "az09-m", "AZaz09-_xQ", "09az:.%AF_-"};
        int[] lengths = {0, 1, 2, 21, 22, 23, 39, 40, 41, 63, 64, 65};
        Random random = new Random(11);
        String signature = cookie.sign(cookie.newUid()).substring(23);
        Map<UidCookie.Shape, Integer> passed = new java.util.EnumMap<>(UidCookie.Shape.class);
        for (int i = 0; i < 200_000; i++) {
            String chars = alphabets[random.nextInt(alphabets.length)];
            StringBuilder value = new StringBuilder();
            int prefix = random.nextBoolean() ? lengths[random.nextInt(lengths.length)] : random.nextInt(70);
            for (int j = 0; j < prefix; j++) {
                value.append(chars.charAt(random.nextInt(chars.length())));
            }
            if (random.nextInt(4) > 0) {
                // A well-formed tail, sometimes with one character changed, or one short or long.
                value.append('.').append(signature);
                int change = random.nextInt(8);
                if (change == 0) {
                    value.setCharAt(value.length() - 1 - random.nextInt(44), alphabets[0].charAt(random.nextInt(alphabets[0].length())));
                } else if (change == 1) {
                    value.setLength(value.length() - 1);
                } else if (change == 2) {
                    value.append('A');
                }
            }
            for (Map.Entry<UidCookie.Shape, Pattern> e : expressions.entrySet()) {
                boolean expected = e.getValue().matcher(value).matches();
                assertEquals(expected, e.getKey().matches(value.toString()), e.getKey() + " of " + value);
                passed.merge(e.getKey(), expected ? 1 : 0, Integer::sum);
            }
        }
        for (UidCookie.Shape shape : UidCookie.Shape.values()) {
            assertTrue(passed.get(shape) > 1_000, "the values generated pass " + shape + " too: " + passed);
        }
    }
}
