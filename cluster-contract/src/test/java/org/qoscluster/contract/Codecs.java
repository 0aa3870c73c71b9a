package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.function.Function;

/** The assertions every codec test makes. */
final class Codecs {

    private Codecs() {
    }

    /** {@code value} refused by {@code parse} with a message naming {@code record}, echoing the value and saying {@code problem}. */
    static void assertMalformed(Function<String, ?> parse, Function<String, ? extends Optional<?>> decode, String record,
                                String value, String problem) {
        MalformedValueException e = assertThrows(MalformedValueException.class, () -> parse.apply(value), value);
        assertTrue(e.getMessage().startsWith(record + ": '" + value + "' is malformed: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "'" + problem + "' in: " + e.getMessage());
        assertEquals(Optional.empty(), decode.apply(value), value);
    }
}
