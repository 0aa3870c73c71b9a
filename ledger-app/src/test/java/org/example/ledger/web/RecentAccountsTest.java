package org.example.ledger.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

class RecentAccountsTest {

    @Test
    void shouldKeepTheLatestFiveNewestFirstWithoutRepeats() {
        RecentAccounts recent = new RecentAccounts();
        for (long id = 1; id <= 7; id++) {
            recent.viewed(id);
        }
        assertEquals(List.of(7L, 6L, 5L, 4L, 3L), recent.ids());
        recent.viewed(4);
        assertEquals(List.of(4L, 7L, 6L, 5L, 3L), recent.ids());
    }

    @Test
    void shouldSurviveJavaSerializationAsASessionAttributeMust() throws IOException, ClassNotFoundException {
        RecentAccounts recent = new RecentAccounts();
        recent.viewed(2);
        recent.viewed(9);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(recent);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(List.of(9L, 2L), ((RecentAccounts) in.readObject()).ids());
        }
    }
}
