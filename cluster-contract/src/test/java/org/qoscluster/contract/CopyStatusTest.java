package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.qoscluster.contract.Codecs.assertMalformed;

import org.junit.jupiter.api.Test;

class CopyStatusTest {

    private static final String[] STATUSES = {"UNKNOWN", "AVAILABLE", "SUSPECT", "UNAVAILABLE", "CATCHING_UP"};

    @Test
    void shouldKeepTheFormTheStatusPageAndOperatorsRead() {
        assertEquals("CATCHING_UP|replica|3|store", new CopyStatus("CATCHING_UP", CopyStatus.Role.REPLICA, 3, "store").encode());
        assertEquals(new CopyStatus("AVAILABLE", CopyStatus.Role.MASTER, 1, "g2"), CopyStatus.parse("AVAILABLE|master|1|g2"));
    }

    @Test
    void shouldReadBackEveryGeneratedStatus() {
        Generated.forAll(r -> {
            CopyStatus s = new CopyStatus(STATUSES[r.nextInt(STATUSES.length)],
                    r.nextBoolean() ? CopyStatus.Role.MASTER : CopyStatus.Role.REPLICA, Generated.count(r), Generated.name(r));
            assertEquals(s, CopyStatus.parse(s.encode()));
        });
    }

    @Test
    void shouldRefuseAGroupNameWithASeparatorSoNoValueIsAmbiguous() {
        Generated.forAll(r -> assertThrows(IllegalArgumentException.class, () -> new CopyStatus("AVAILABLE",
                CopyStatus.Role.MASTER, 1, Generated.withSeparator(r, Generated.name(r)))));
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "copy status";
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, null, "there is no value");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "UNKNOWN", "1 field(s) where STATUS|ROLE|EPOCH|GROUP has 4");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "AVAILABLE|master|1|store|x", "has 5 field(s)");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "AVAILABLE|leader|1|store", "role 'leader' is neither");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "AVAILABLE|master|one|store", "epoch 'one' is not a whole number");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "AVAILABLE|master|-1|store", "epoch -1 is negative");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "available|master|1|store", "'available' is not a status name");
        assertMalformed(CopyStatus::parse, CopyStatus::decode, record, "AVAILABLE|master|1|", "'' is not a group name");
    }
}
