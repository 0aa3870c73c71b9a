package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.contract.Codecs.assertMalformed;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class UserClassesTest {

    private static final String UID = "AbCdEfGhIjKlMnOpQrSt_-";

    @Test
    void shouldWriteAnAbsentClassAsAnEmptyField() {
        assertEquals("gold|", new UserClasses("gold", null).encode());
        assertEquals("|premium-plus", new UserClasses(null, "premium-plus").encode());
        assertEquals("|", UserClasses.NONE.encode());
        assertTrue(UserClasses.parse("|").isEmpty());
        assertEquals(Optional.of(new UserClasses.Announced(UID, new UserClasses("gold", "silver"))),
                UserClasses.announced(UID + " gold|silver"));
    }

    @Test
    void shouldReadBackEveryGeneratedValueAndItsAnnouncement() {
        Generated.forAll(r -> {
            UserClasses c = new UserClasses(r.nextBoolean() ? null : Generated.node(r), r.nextBoolean() ? null : Generated.node(r));
            assertEquals(c, UserClasses.parse(c.encode()));
            String uid = Generated.text(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 1 + r.nextInt(64));
            assertEquals(new UserClasses.Announced(uid, c), UserClasses.announced(c.announce(uid)).orElseThrow());
        });
    }

    @Test
    void shouldRefuseANameWithASeparatorSoNoValueIsAmbiguous() {
        Generated.forAll(r -> assertThrows(IllegalArgumentException.class,
                () -> new UserClasses(Generated.withSeparator(r, Generated.node(r)), null)));
    }

    @Test
    void shouldIgnoreMalformedAnnouncements() {
        for (String bad : new String[] {null, "", UID, UID + " ", " gold|", UID + " gold", UID + " Gold|", "a b gold|",
                UID + " gold||", UID + " gold|x y"}) {
            assertTrue(UserClasses.announced(bad).isEmpty(), "'" + bad + "'");
        }
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "user classes";
        assertMalformed(UserClasses::parse, UserClasses::decode, record, null, "there is no value");
        assertMalformed(UserClasses::parse, UserClasses::decode, record, "gold", "1 field(s) where SESSION|PRINCIPAL has 2");
        assertMalformed(UserClasses::parse, UserClasses::decode, record, "GOLD|", "'GOLD' is not a user class name");
    }
}
